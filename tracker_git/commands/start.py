"""`git tracker start KEY`: a branch named from the issue ([branch] pattern), switched to (or
created), then the issue moved to [statuses] start (tracker_git.issue.start)."""

from __future__ import annotations

import argparse

from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", metavar="KEY", help="the issue to start (DEV-123)")
    parser.add_argument(
        "--no-move", action="store_true", help="only the branch; leave the issue's status"
    )


def run(args: argparse.Namespace) -> int:
    from tracker_git.issue.start import start

    moved = start(args.key, move=not args.no_move)
    if moved is not None:
        output.result(moved)
    return 0
