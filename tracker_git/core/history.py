"""Commits from git's history, for the pre-push hook and `git tracker check range`."""

from __future__ import annotations

from tracker_git.core import git
from tracker_git.core.checks import check_commit
from tracker_git.core.config import Config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

ZERO = "0" * 40


def commits(revisions: Sequence[str], cwd: str | None = None) -> list[tuple[str, int, str]]:
    """(sha, number of parents, message) for `git log REVISIONS`, newest first."""
    out = git.output(["log", "-z", "--format=%H %P%n%B", *revisions, "--"], cwd)
    found = []
    for record in out.split("\0"):
        if not record.strip():
            continue
        header, _, body = record.partition("\n")
        sha, *parents = header.split()
        found.append((sha, len(parents), body))
    return found


def problems(revisions: Sequence[str], config: Config, cwd: str | None = None) -> list[str]:
    """One line per commit in REVISIONS that fails the message check."""
    lines = []
    for sha, parents, body in commits(revisions, cwd):
        problem = check_commit(parents, body, config)
        if problem:
            lines.append(f"  {sha[:10]} {body.partition(chr(10))[0][:60]!r}: {problem}")
    return lines
