"""`git tracker help [COMMAND]`: the same text as `git tracker [COMMAND] -h`, for those who type
`help` first (`git tracker --help` shows the man page, as git does for its own commands)."""

from __future__ import annotations

import argparse
import contextlib

from tracker_git import commands
from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", nargs="?", choices=list(commands.COMMANDS), metavar="COMMAND")


def run(args: argparse.Namespace) -> int:
    parser = commands.build_parser(only=args.topic or "")
    if args.topic:
        # argparse prints a subcommand's help when asked for it: `COMMAND -h`.
        with contextlib.suppress(SystemExit):
            parser.parse_args([args.topic, "-h"])
    else:
        output.result(parser.format_help().rstrip("\n"))
    return 0
