"""`git tracker completion bash|zsh`: print a completion script."""

from __future__ import annotations

import argparse

from tracker_git import helptext
from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=["bash", "zsh"])


def run(args: argparse.Namespace) -> int:
    script = helptext.bash_completion() if args.shell == "bash" else helptext.zsh_completion()
    output.result(script.rstrip("\n"))
    return 0
