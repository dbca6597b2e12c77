"""A crash report: what an unexpected error (a bug of ours, not a failure the user can fix)
leaves behind for the bug report, as pre-commit's `pre-commit.log`.

`errors.handled` calls the writer the entry point gives it; the report goes to
`<state folder>/crashes/crash-<time>-<pid>.txt` (mode 0600) and holds the versions (tracker-git,
Python, the platform), the command line and the traceback; never the environment, and every
secret value the caller names or an environment variable whose name says it holds a secret
is replaced by `***`. The process then exits with `EXIT_CODE`, which no failure uses.
"""

from __future__ import annotations

import os
import sys
import time

from tracker_git.core import paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

EXIT_CODE = 3  # a bug of tracker-git (1: a failure, 2: usage or configuration, 130: Ctrl-C)
FOLDER = "crashes"
KEEP = 20  # the newest reports kept: a crash on every commit must not fill the disk
# Environment variables whose values are withheld from a report, by a word in their name.
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "WEBHOOK", "KEY", "AUTH")
_SHORTEST = 6  # a shorter value would hide ordinary words


def folder() -> str:
    return os.path.join(paths.user_state_dir(), FOLDER)


def secret_values(extra: Iterable[str] = ()) -> list[str]:
    """The values a report must not show: `extra` and the environment's secret-named ones,
    longest first (a token containing another is hidden whole)."""
    named = [
        value
        for name, value in os.environ.items()
        if any(word in name.upper() for word in _SECRET_WORDS)
    ]
    found = {v for v in (*extra, *named) if len(v) >= _SHORTEST}
    return sorted(found, key=len, reverse=True)


def hidden(text: str, secrets: Sequence[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


def report_text(
    exc: BaseException, command: Sequence[str], version: str, secrets: Sequence[str]
) -> str:
    import platform
    import traceback

    lines = [
        "tracker-git crash report: please attach it to an issue (it holds no token, but read",
        "it first: the command line and the error are as they were).",
        "",
        f"tracker-git: {version}",
        f"python:      {sys.version.split()[0]} ({sys.executable})",
        f"platform:    {platform.platform()}",
        f"time:        {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
        f"command:     {' '.join(command)}",
        "",
        "".join(traceback.format_exception(exc)).rstrip(),
    ]
    return hidden("\n".join(lines) + "\n", secrets)


def write(
    exc: BaseException, command: Sequence[str], version: str, secrets: Iterable[str] = ()
) -> str | None:
    """Write the report of `exc`; its path, or None when it could not be written (the
    caller then says so: a crash report must not crash)."""
    try:
        where = folder()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        path = os.path.join(where, f"crash-{stamp}-{os.getpid()}.txt")
        text = report_text(exc, command, version, secret_values(secrets))
        paths.write_private(path, text.encode("utf-8", "backslashreplace"))
        _prune(where)
    except Exception:
        return None
    return path


def _prune(where: str) -> None:
    reports = sorted(name for name in os.listdir(where) if name.startswith("crash-"))
    for name in reports[:-KEEP]:
        os.unlink(os.path.join(where, name))
