"""Editing the title and description in the user's editor, the way git does it.

The editor is what `git var GIT_EDITOR` says (GIT_EDITOR, core.editor, VISUAL, EDITOR, vi),
run through the shell like git runs it, on a temporary file. The buffer is the title on the
first line, a blank line, the description, and below a scissors line (gh's and git's idea) a
short help that is cut off again. Markdown headings start with `#`, so comment lines cannot be
used for the help as git does for commit messages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from tracker_git.core import git
from tracker_git.core.errors import OperationFailed

SCISSORS = "------------------------ >8 ------------------------"
HELP = (
    f"{SCISSORS}\n"
    "Do not modify or remove the line above; everything below it is ignored.\n"
    "The first line is the pull request's title, the rest its description (Markdown).\n"
    "Text between the tracker-git:start and tracker-git:end markers is rebuilt on every\n"
    "run; what you write around the markers is kept. An empty title cancels.\n"
)


class EditorFailed(OperationFailed):
    """The editor exited with an error; `text` is what its file held then (maybe typed)."""

    def __init__(self, message: str, text: str) -> None:
        super().__init__(message)
        self.text = text


def compose(title: str, body: str, *, help_text: bool = True) -> str:
    """The editor buffer (and the recover file's text) for a title and a description."""
    text = f"{title.strip()}\n\n{body.strip(chr(10))}\n"
    return text + "\n" + HELP if help_text else text


def parse(text: str) -> tuple[str, str]:
    """(title, description) from an edited buffer: the part above the scissors line."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if line.strip() == SCISSORS:
            lines = lines[:index]
            break
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return "", ""
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip("\n")
    return title, body + "\n" if body else ""


def editor_command(cwd: str) -> str:
    """The editor git would use here."""
    command = git.answer(["var", "GIT_EDITOR"], cwd)
    if command is None:
        raise OperationFailed(
            "git names no editor (git var GIT_EDITOR failed); set core.editor or GIT_EDITOR, "
            "or pass --no-edit"
        )
    return command


def edit(text: str, cwd: str) -> str:
    """Let the user edit `text`; the edited text. The editor gets the terminal, and our
    environment without the withheld (token) variables, as git would give it."""
    command = editor_command(cwd)
    fd, path = tempfile.mkstemp(prefix="tracker-git-pr-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        code = 0
        if command != ":":  # git's own "no editor" value
            argv = (
                f'{command} "{path}"'
                if sys.platform == "win32"
                else ["/bin/sh", "-c", f'{command} "$@"', command, path]
            )
            try:
                code = subprocess.run(
                    argv, cwd=cwd, env=git.child_environment(), check=False
                ).returncode
            except OSError as exc:
                raise OperationFailed(
                    f"cannot run the editor '{command}' ({exc.strerror}); fix core.editor or "
                    "GIT_EDITOR, or pass --no-edit"
                ) from None
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            edited = f.read()
        if code != 0:
            raise EditorFailed(
                f"the editor '{command}' failed (exit code {code}); nothing was sent", edited
            )
        return edited
    finally:
        os.unlink(path)
