"""`git tracker stand URL [KEY]`: the stand's address into the issue's [stand] field. The key
from KEY, the current branch, or the CI's branch variable (docs/commands.md, "Which issue")."""

from __future__ import annotations

import argparse

from tracker_git.core import output
from tracker_git.issue import context
from tracker_git.issue.stand import check_url, set_stand


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="the stand's address (http or https)")
    parser.add_argument("key", nargs="?", metavar="KEY", help="issue key (default: the branch's)")
    parser.add_argument("--field", metavar="FIELD", help="the field (default: [stand] field)")


def run(args: argparse.Namespace) -> int:
    url = check_url(args.url)  # before anything else: a wrong URL needs no network to reject
    ctx = context.load()
    found = ctx.key(args.key)
    field = args.field or ctx.config.stand.field
    done = set_stand(ctx.client(), found.key, field, url)
    if found.source.startswith("$"):
        output.info(f"{done.key} from {found.source}")
    if done.changed:
        output.result(f"{done.key}: stand link set to {done.url}")
    else:
        output.result(f"{done.key}: stand link already {done.url}; nothing to do")
    return 0
