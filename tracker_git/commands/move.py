"""`git tracker move STATUS [KEY]`: to the status whose key (or display name) is STATUS,
through the transition that leads there; the reachable statuses listed when none does."""

from __future__ import annotations

import argparse

from tracker_git.core import output
from tracker_git.issue import context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("status", metavar="STATUS", help="status key (inReview) or display name")
    parser.add_argument("key", nargs="?", metavar="KEY", help="issue key (default: the branch's)")
    parser.add_argument(
        "--resolution", metavar="R", help="resolution, where the transition asks for one (fixed)"
    )
    parser.add_argument("--comment", metavar="TEXT", help="a comment to add with the transition")


def run(args: argparse.Namespace) -> int:
    ctx = context.load()
    found = ctx.key(args.key)
    result = ctx.client().move_to_status(
        found.key, args.status, resolution=args.resolution, comment=args.comment
    )
    output.result(result.describe())
    return 0
