"""Reading a secret the commands are given: from standard input when asked to, else from a
hidden prompt on the terminal; never echoed. The caller checks the text (secrets.check_*)."""

from __future__ import annotations

import sys

from tracker_git.core import output
from tracker_git.core.errors import UsageError


def read_hidden(from_stdin: bool, what: str, pipe_it: str, prompt: str) -> str:
    """`what`: the secret in the error ("the Tracker token"); `pipe_it`: the command line that
    pipes it in; `prompt`: the question on the terminal."""
    if from_stdin:
        return sys.stdin.read()
    if not sys.stdin.isatty():
        raise UsageError(f"no terminal to ask for {what}; pipe it in: {pipe_it}")
    return output.ask_hidden(prompt)
