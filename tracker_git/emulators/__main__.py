"""`python -m tracker_git.emulators KIND`: run one forge emulator until Ctrl-C, to try
`git tracker pr` by hand (point TRACKER_GIT_FORGE_API_URL at the printed URL)."""

from __future__ import annotations

import argparse
import threading

from tracker_git.core import output
from tracker_git.emulators import EMULATORS, start_emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker_git.emulators", description=__doc__)
    parser.add_argument("kind", choices=sorted(EMULATORS))
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--token", default="test-token", help="the token it accepts")
    parser.add_argument("--repo", help="the repository it serves (default per kind)")
    parser.add_argument("--default-branch", default="main")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args(argv)
    emulator = start_emulator(
        args.kind,
        token=args.token,
        repo=args.repo,
        default_branch=args.default_branch,
        latency=args.latency,
        port=args.port,
    )
    output.result(
        f"{args.kind} emulator for {emulator.repo}\n"
        f"TRACKER_GIT_FORGE_API_URL={emulator.url}\n"
        f"remote: {emulator.remote_url()}"
    )
    output.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
