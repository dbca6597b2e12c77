"""`git tracker show [KEY]`: the issue of the current branch (or KEY): key, summary, status,
assignee, link; `--json` for scripts."""

from __future__ import annotations

import argparse

from tracker_git.core import output
from tracker_git.issue import context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", nargs="?", metavar="KEY", help="issue key (default: the branch's)")
    parser.add_argument("--json", action="store_true", help="print the issue as JSON")


def run(args: argparse.Namespace) -> int:
    ctx = context.load()
    found = ctx.key(args.key)
    issue = ctx.client().get_issue(found.key)
    if args.json:
        output.result(output.json_text(issue.as_json(), indent=2))
        return 0
    # One line per field: a line feed in a value must not forge the next field's line.
    line = output.escape
    output.result(f"{line(issue.key)}: {line(issue.summary)}")
    output.result(f"  status    {line(issue.status_display)} ({line(issue.status_key)})")
    output.result(f"  assignee  {line(issue.assignee_display or 'nobody')}")
    output.result(f"  link      {issue.url}")
    return 0
