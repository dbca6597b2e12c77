"""`git tracker comment TEXT [KEY]`: adds a comment (TEXT `-` reads it from stdin)."""

from __future__ import annotations

import argparse
import sys

from tracker_git.core import output
from tracker_git.core.errors import UsageError
from tracker_git.issue import context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", help="the comment (YFM markup); '-' reads stdin")
    parser.add_argument("key", nargs="?", metavar="KEY", help="issue key (default: the branch's)")


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise UsageError("the comment is empty; give its text")
    ctx = context.load()
    found = ctx.key(args.key)
    ctx.client().add_comment(found.key, text.strip("\n"))
    output.result(f"{found.key}: comment added")
    return 0
