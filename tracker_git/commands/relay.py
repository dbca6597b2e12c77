"""`git tracker relay --config FILE [--host H] [--port P] [--check] [--worker-only]`: run the
webhook service that moves issues on pull-request events (docs/relay.md); `--worker-only`
runs only its queue's worker, for relays that accept deliveries with `[server] worker = false`.

Operators' tools on the same queue (tracker_git.relay.operate): `relay tasks [--state S]
[--issue KEY] [--forge F] [--limit N]`, `relay retry ID... | --failed`, `relay drop ID`."""

from __future__ import annotations

import argparse
import logging
import os

from tracker_git.core import output

ACTIONS = ("tasks", "retry", "drop")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=ACTIONS,
        help="tasks: list the newest tasks; retry ID...|--failed: queue failed ones again; "
        "drop ID: give a pending or failed task up (none: serve)",
    )
    parser.add_argument("ids", nargs="*", type=int, metavar="ID", help="task ids (retry, drop)")
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
    parser.add_argument("--state", help="tasks: only pending, running, done, failed or dropped")
    parser.add_argument("--issue", metavar="KEY", help="tasks: only this issue's")
    parser.add_argument("--forge", help="tasks: only deliveries from this forge")
    parser.add_argument("--limit", type=int, default=50, help="tasks: how many, newest first (50)")
    parser.add_argument("--failed", action="store_true", help="retry: every failed task")


def _operate(args: argparse.Namespace, database: str) -> int:
    from tracker_git.core.errors import UsageError
    from tracker_git.relay import operate
    from tracker_git.relay.queue import open_queue

    if args.action == "retry" and bool(args.ids) == args.failed:
        raise UsageError("name the tasks to retry (relay retry ID...) or give --failed")
    if args.action == "drop" and len(args.ids) != 1:
        raise UsageError("name one task to drop: relay drop ID")
    if args.action == "tasks" and args.ids:
        raise UsageError("relay tasks takes no ids; filter with --state, --issue, --forge")
    queue = open_queue(database)
    try:
        if args.action == "tasks":
            lines = operate.table(
                queue, state=args.state, issue=args.issue, forge=args.forge, limit=args.limit
            )
            ok = True
        elif args.action == "retry":
            lines, ok = operate.retry(queue, None if args.failed else args.ids)
        else:
            lines, ok = [operate.drop(queue, args.ids[0])], True
    finally:
        queue.close()
    for line in lines:
        output.result(line)
    return 0 if ok else 1


def run(args: argparse.Namespace) -> int:
    from tracker_git.core.errors import UsageError
    from tracker_git.relay import config

    if not args.config:
        raise UsageError(
            "name the relay's configuration: --config FILE (see 'git tracker help relay')"
        )
    from tracker_git.relay.queue import describe

    cfg = config.load(args.config)
    if args.action:
        return _operate(args, cfg.database)
    database = describe(cfg.database)  # a URL's password is not shown
    forges = ", ".join(
        f"{name}{'' if f.secret or f.signing_key else ' (unsigned)'}"
        for name, f in cfg.forges.items()
    )
    if args.check:
        from tracker_git.core.errors import ConfigError, TrackerGitError
        from tracker_git.relay import workflow
        from tracker_git.relay.app import tracker_client

        client = tracker_client(cfg)
        try:
            found = workflow.problems(cfg, client)  # type: ignore[arg-type]
        except TrackerGitError as exc:  # the file is fine; Tracker could not be asked
            output.warn(f"could not check the statuses with Tracker: {exc}")
            found = []
        if found:
            raise ConfigError(f"{args.config}: " + f"\n{args.config}: ".join(found))
        output.result(f"{args.config}: ok; forges: {forges}; queue: {database}")
        return 0
    from tracker_git.relay import logs

    logs.setup(cfg.log_format, logging.DEBUG if args.verbose else logging.INFO)
    if args.worker_only:
        from tracker_git.relay import workeronly

        def working() -> None:
            logs.announce(f"relay worker running (queue: {database})")

        return workeronly.run(cfg, on_ready=working)
    from tracker_git.relay.serve import run as serve

    def ready(address: str, metrics: str) -> None:
        apart = f"; /metrics on {metrics}" if metrics else ""
        logs.announce(f"relay listening on {address} (forges: {forges}; queue: {database}{apart})")

    serve(cfg, args.host, args.port, on_ready=ready)  # the port first, then the queue
    return 0
