"""`git tracker open [KEY]`: the issue in the browser; its address printed when there is no
browser to open (a server, an SSH session) or with --print."""

from __future__ import annotations

import argparse

from tracker_git.core import browser, output
from tracker_git.issue import context
from tracker_git.tracker.models import issue_url, ui_base


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", nargs="?", metavar="KEY", help="issue key (default: the branch's)")
    parser.add_argument(
        "--print", action="store_true", dest="print_only", help="only print the address"
    )


def run(args: argparse.Namespace) -> int:
    ctx = context.load()
    found = ctx.key(args.key)
    # The key is all the address needs: no request, no token.
    url = issue_url(found.key, ui_base(ctx.config.tracker.api_url))
    if args.print_only:
        output.result(url)
        return 0
    if browser.open_address(url):
        output.info(f"opening {url} in the browser")
    else:
        output.info("no browser to open here; the issue is at:")
        output.result(url)
    return 0
