"""`git tracker relay --config FILE [--host H] [--port P] [--check] [--worker-only]`: run the
webhook service that moves issues on pull-request events (docs/relay.md); `--worker-only`
runs only its queue's worker, for relays that accept deliveries with `[server] worker = false`."""

from __future__ import annotations

import argparse
import logging
import os

from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=os.environ.get("TRACKER_GIT_RELAY_CONFIG", ""),
        help="the relay's TOML file (default: $TRACKER_GIT_RELAY_CONFIG)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (8080; 0: any)")
    parser.add_argument("--check", action="store_true", help="validate the configuration and exit")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--worker-only",
        action="store_true",
        help="serve no HTTP: only apply the queued deliveries (beside relays with "
        "[server] worker = false)",
    )


def run(args: argparse.Namespace) -> int:
    from tracker_git.core.errors import UsageError
    from tracker_git.relay import config

    if not args.config:
        raise UsageError("name the relay's configuration: --config FILE (see docs/relay.md)")
    from tracker_git.relay.queue import describe

    cfg = config.load(args.config)
    database = describe(cfg.database)  # a URL's password is not shown
    forges = ", ".join(
        f"{name}{'' if f.secret or f.signing_key else ' (unsigned)'}"
        for name, f in cfg.forges.items()
    )
    if args.check:
        from tracker_git.relay.app import tracker_client

        tracker_client(cfg)
        output.result(f"{args.config}: ok; forges: {forges}; queue: {database}")
        return 0
    from tracker_git.relay import logs

    logs.setup(cfg.log_format, logging.DEBUG if args.verbose else logging.INFO)
    if args.worker_only:
        from tracker_git.relay import workeronly

        def working() -> None:
            output.info(f"relay worker running (queue: {database})")

        return workeronly.run(cfg, on_ready=working)
    from tracker_git.relay.serve import run as serve

    def ready(address: str, metrics: str) -> None:
        apart = f"; /metrics on {metrics}" if metrics else ""
        output.info(f"relay listening on {address} (forges: {forges}; queue: {database}{apart})")

    serve(cfg, args.host, args.port, on_ready=ready)  # the port first, then the queue
    return 0
