"""The commands of `git tracker`: the table of them and the argument parser it builds.

Each command lives in `tracker_git/commands/<name>.py` with two functions:
`add_arguments(parser)` and `run(args) -> int`. The table below names them, so that
`git tracker -h` lists every command without importing any of them, and a command's module
(and whatever heavy library it needs) is imported only when that command runs. The entry
point and the error handler are tracker_git.cli's.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING

PROG = "git tracker"

# name -> (module under tracker_git.commands, one-line help). Order is the order of `-h`.
COMMANDS: dict[str, tuple[str, str]] = {
    "login": ("login", "store a Tracker (or forge) token in the OS keyring"),
    "logout": ("logout", "remove the stored token"),
    "whoami": ("whoami", "show who Tracker says you are and where the token is kept"),
    "show": ("show", "show the issue of the current branch (or KEY)"),
    "open": ("open", "open the issue of the current branch (or KEY) in the browser"),
    "start": ("start", "create a branch named from the issue and move it to 'in progress'"),
    "move": ("move", "move the issue to a status"),
    "comment": ("comment", "add a comment to the issue"),
    "pr": ("pr", "open or update the pull request, filled from the issue"),
    "stand": ("stand", "write a test stand's URL into the issue"),
    "release": ("release", "write release notes and mark the released issues in Tracker"),
    "check": ("check", "run the hooks' checks on a branch, a message file or a range"),
    "hooks": ("hooks", "install or uninstall the plain git hooks"),
    "init": ("init", "write a commented .tracker-git.toml and the pre-commit snippet"),
    "relay": ("relay", "run the webhook service that moves issues on review events"),
    "sandbox": ("sandbox", "run a local server that speaks the Tracker API"),
    "notify": ("notify", "manage Slack and Telegram alerts (Tracker triggers) as code"),
    "demo": ("demo", "run the whole flow against the sandbox in a throwaway repository"),
    "trust": ("trust", "trust the addresses this repository's files send tokens to"),
    "doctor": ("doctor", "check configuration, keyring, connectivity and hooks"),
    "completion": ("completion", "print the bash or zsh completion script"),
    "help": ("help", "show the help of git tracker or of one command"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, just that subcommand's arguments are filled in (with "",
    none: the top-level help and an unknown command's error need no command's arguments)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ties git to Yandex Tracker.",
        epilog="Run 'git tracker COMMAND -h' for a command's options.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or only == name:
            load(module).add_arguments(command_parser)
    return parser


def load(module: str) -> CommandModule:
    loaded: CommandModule = importlib.import_module(f"tracker_git.commands.{module}")
    return loaded


if TYPE_CHECKING:  # a Protocol class costs a millisecond to create at every start
    from typing import Protocol

    class CommandModule(Protocol):
        """The shape of a command module, for the type checker."""

        def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

        def run(self, args: argparse.Namespace) -> int: ...
