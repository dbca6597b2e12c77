"""`git tracker sandbox`: serve the Tracker sandbox on a loopback address until Ctrl-C.

Prints the URL and the environment lines that point tracker-git at it. The token is a fake
one the sandbox accepts; it is named only when it is the documented default."""

from __future__ import annotations

import argparse

from tracker_git.core import output
from tracker_git.core.errors import OperationFailed, UsageError

DEFAULT_PORT = 8780


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port, 0 picks a free one (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--state", metavar="FILE", help="load state from FILE and save changes to it"
    )
    parser.add_argument("--token", help="the token to accept (default sandbox-token)")
    parser.add_argument("--org-id", help="the organization id to accept (default sandbox-org)")


def run(args: argparse.Namespace) -> int:
    from tracker_git.core.loopback import is_loopback
    from tracker_git.sandbox import DEFAULT_ORG_ID, DEFAULT_TOKEN, Sandbox, open_state

    if not is_loopback(args.host):
        raise UsageError(
            f"the sandbox serves only loopback addresses, not {args.host}: its token is public; "
            "use --host 127.0.0.1 (or ::1, localhost)"
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number; use 0-65535")
    try:
        state = open_state(args.state)
    except (OSError, ValueError) as exc:
        raise OperationFailed(
            f"{exc}; fix or remove the file, or name another with --state"
        ) from None
    token = args.token or DEFAULT_TOKEN
    org_id = args.org_id or DEFAULT_ORG_ID
    try:
        server = Sandbox(state, host=args.host, port=args.port, token=token, org_id=org_id)
    except OSError as exc:
        raise OperationFailed(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}; pick another --port (0: any free one)"
        ) from None
    token_line = (
        f"TRACKER_TOKEN={token}"
        if token == DEFAULT_TOKEN
        else "TRACKER_TOKEN=<the --token you gave>"
    )
    output.info(f"Tracker sandbox on {server.url} (API under /v2 and /v3); Ctrl-C stops it.")
    if args.state:
        output.info(f"State: {args.state} (saved on every change)")
    output.info("Point tracker-git at it with:")
    output.result(f"TRACKER_API_URL={server.url}")
    output.result(f"TRACKER_ORG_ID={org_id}")
    output.result(token_line)
    output.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        return 130  # quietly: the state is saved by serve_forever's cleanup
    return 0
