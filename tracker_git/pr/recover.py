"""Never lose typed text: the title and description are saved when anything fails after the
editor closed, and `git tracker pr --recover FILE` finishes the job with them.

The file is plain text in the editor's format (title, blank line, description), so it can be
read and fixed by hand before recovering. It lives in the user's state folder, readable only
by the user, named after the issue: `pr-DEV-123-20260101-120000.md`. Only typed text is
saved (`pr --no-edit` makes its text again on the next run), and files older than KEEP_DAYS
are removed when a new one is saved.
"""

from __future__ import annotations

import contextlib
import os
import re
import time

from tracker_git.core import paths
from tracker_git.core.errors import OperationFailed, UsageError
from tracker_git.pr import editor

_NAME = re.compile(r"^pr-([A-Z]+-[0-9]+)-")
KEEP_DAYS = 30


def folder() -> str:
    return os.path.join(paths.user_state_dir(), "recover")


def save(key: str, title: str, body: str, now: float | None = None) -> str:
    """Write the text to a new recover file named for the time `now` (default: the clock's);
    its path. Files older than KEEP_DAYS then are removed first."""
    now = time.time() if now is None else now
    where = folder()
    paths.private_folder(where)
    prune(where, now)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        path = os.path.join(where, f"pr-{key}-{stamp}{suffix}.md")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(editor.compose(title, body, help_text=False))
        return path
    raise OperationFailed(f"cannot create a recover file in {where}; check the folder")


def prune(where: str, now: float | None = None) -> None:
    """Remove recover files (ours by name) not touched for KEEP_DAYS."""
    limit = (time.time() if now is None else now) - KEEP_DAYS * 86400
    with contextlib.suppress(OSError):
        for entry in os.scandir(where):
            if _NAME.match(entry.name) and entry.name.endswith(".md"):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)


def command(path: str) -> str:
    """The one command that finishes the job."""
    quoted = path if re.fullmatch(r"[\w./~+-]+", path) else "'" + path.replace("'", "'\\''") + "'"
    return f"git tracker pr --recover {quoted}"


def load(path: str, key: str) -> tuple[str, str]:
    """(title, description) from a recover file made for `key`."""
    match = _NAME.match(os.path.basename(path))
    if match and match.group(1) != key:
        raise UsageError(
            f"{path} was saved for {match.group(1)}, but this branch is {key}; "
            f"switch to that issue's branch first"
        )
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    except OSError as exc:
        raise UsageError(f"cannot read the recover file {path} ({exc.strerror})") from None
    title, body = editor.parse(text)
    if not title:
        raise UsageError(f"the recover file {path} has no title on its first line; add one")
    return title, body


def discard(path: str) -> None:
    """Remove a recover file once its text has reached the forge."""
    # A file the user moved or removed is no reason to fail a finished job.
    with contextlib.suppress(OSError):
        os.unlink(path)
