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
from typing import TYPE_CHECKING, Any, NoReturn

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


class Parser(argparse.ArgumentParser):
    """argparse, without its guesses: an option must be written whole (`--draf` is not taken
    for `--draft`), and a mistyped command or option gets "did you mean". Every subcommand's
    parser (and theirs) is one of these (argparse makes subparsers of the parent's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        super().error(message + _did_you_mean(self, message))

    def words(self) -> list[str]:
        """Every option and subcommand this parser and the ones under it know."""
        found: list[str] = []
        for action in self._actions:
            found += action.option_strings
            if isinstance(action, argparse._SubParsersAction):
                found += list(action.choices)
                for sub in action.choices.values():
                    found += sub.words() if isinstance(sub, Parser) else []
        return found


def _did_you_mean(parser: Parser, message: str) -> str:
    """ "; did you mean 'start'?" for an invalid choice or an unknown option close to a known
    one, else ""."""
    import difflib
    import re

    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        typed, known = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
    else:
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if not unknown:
            return ""
        typed, known = unknown.group(1).partition("=")[0], parser.words()
    close = difflib.get_close_matches(typed, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, just that subcommand's arguments are filled in (with "",
    none: the top-level help and an unknown command's error need no command's arguments)."""
    parser = Parser(
        prog=PROG,
        description="Ties git to Yandex Tracker.",
        epilog="Run 'git tracker COMMAND -h' for a command's options.",
    )
    # --debug is taken anywhere on the line (cli.main reads it and takes it out); listed here.
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors (anywhere)")
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
