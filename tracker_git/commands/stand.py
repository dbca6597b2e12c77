"""`git tracker stand URL [KEY | --range A..B]`: the stand's address into the issue's [stand]
field. The key from KEY, the current branch, or the CI's branch variable (docs/commands.md,
"Which issue"); with --range, every issue whose key is in the range's commits (a deploy of
several merged pull requests), read by the grammar `git tracker release` reads them with."""

from __future__ import annotations

import argparse

from tracker_git.core import output
from tracker_git.issue import context
from tracker_git.issue.stand import check_url, set_stand, set_stands


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="the stand's address (http or https)")
    parser.add_argument("key", nargs="?", metavar="KEY", help="issue key (default: the branch's)")
    parser.add_argument("--field", metavar="FIELD", help="the field (default: [stand] field)")
    parser.add_argument(
        "--range", metavar="A..B", help="every issue named in these commits (instead of KEY)"
    )


def run(args: argparse.Namespace) -> int:
    url = check_url(args.url)  # before anything else: a wrong URL needs no network to reject
    ctx = context.load()
    field = args.field or ctx.config.stand.field
    if args.range:
        return _range(args, ctx, field, url)
    found = ctx.key(args.key)
    done = set_stand(ctx.client(), found.key, field, url)
    if found.source.startswith("$"):
        output.info(f"{done.key} from {found.source}")
    if done.changed:
        output.result(f"{done.key}: stand link set to {done.url}")
    else:
        output.result(f"{done.key}: stand link already {done.url}; nothing to do")
    return 0


def _range(args: argparse.Namespace, ctx: context.Context, field: str, url: str) -> int:
    import os

    from tracker_git.core.errors import OperationFailed, UsageError
    from tracker_git.release import span

    if args.key:
        raise UsageError("give KEY or --range, not both")
    if ctx.root is None:
        raise UsageError("--range needs a git repository; run it inside one")
    keys = span.span(args.range, None, ctx.config, os.environ, ctx.root).keys()
    if not keys:
        output.result(f"no issue keys in {args.range}; nothing to do")
        return 0
    done, missing, failed = set_stands(ctx.client(), keys, field, url)
    for key in missing:
        output.warn(f"{key}: not found in Tracker (no such issue, or no access); left out")
    for result in done:
        state = "set" if result.changed else "already set; nothing to do"
        output.info(f"{result.key}: stand link {state}")
    for key, why in failed.items():
        output.info(f"{key}: not done: {why}")
    if failed:
        raise OperationFailed(
            f"{len(failed)} of {len(done) + len(failed)} issue(s) not done; run the same "
            "command again to finish"
        )
    changed = sum(r.changed for r in done)
    output.result(f"stand link {url} in {len(done)} issue(s) of {args.range} ({changed} changed)")
    return 0
