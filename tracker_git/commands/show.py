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
    output.result(f"{issue.key}: {issue.summary}")
    output.result(f"  status    {issue.status_display} ({issue.status_key})")
    output.result(f"  assignee  {issue.assignee_display or 'nobody'}")
    output.result(f"  link      {issue.url}")
    return 0
