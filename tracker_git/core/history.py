"""Commits from git's history, for the pre-push hook and `git tracker check range`."""

from __future__ import annotations

import re

from tracker_git.core import git
from tracker_git.core.checks import check_commit
from tracker_git.core.config import Config
from tracker_git.core.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

ZERO = "0" * 40
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[ T])")


def commits(revisions: Sequence[str], cwd: str | None = None) -> list[tuple[str, int, str]]:
    """(sha, number of parents, message) for `git log REVISIONS`, newest first."""
    out = git.output(["log", "-z", "--format=%H %P%n%B", *revisions, "--"], cwd)
    found = []
    for record in out.split("\0")[:-1]:  # each record ends with a NUL
        header, _, body = record.partition("\n")
        sha, *parents = header.split()
        found.append((sha, len(parents), body))
    return found


def judged(
    revisions: Sequence[str], config: Config, cwd: str | None = None
) -> list[tuple[str, int, str, str | None]]:
    """(sha, number of parents, subject, problem or None) for every commit in REVISIONS,
    newest first: the message check on each."""
    return [
        (sha, parents, body.partition("\n")[0], check_commit(parents, body, config))
        for sha, parents, body in commits(revisions, cwd)
    ]


def failing(
    revisions: Sequence[str], config: Config, cwd: str | None = None
) -> list[tuple[str, int, str]]:
    """(sha, number of parents, one line saying why) for each commit in REVISIONS that fails
    the message check, newest first."""
    return [
        (sha, parents, f"  {sha[:10]} {subject[:60]!r}: {problem}")
        for sha, parents, subject, problem in judged(revisions, config, cwd)
        if problem
    ]


def problems(revisions: Sequence[str], config: Config, cwd: str | None = None) -> list[str]:
    """One line per commit in REVISIONS that fails the message check."""
    return [line for _, _, line in failing(revisions, config, cwd)]


def since_commit(since: str, target: str, cwd: str | None = None) -> str | None:
    """The one commit `[hooks] since` stands for, for the pre-push hook, `check range` and
    `check pr` alike: the commit it names, or for a date ("2026-01-31", any date git reads,
    starting with the year) the last commit made before it on `target`'s first-parent
    history (the target branch: history already accepted, so a backdated commit among those
    judged cannot move it; git's own `--since` stops at the first older commit, so one
    backdated commit would hide itself and all below it). None: nothing is left out."""
    if not since:
        return None
    if _DATE.match(since):
        before = git.output(
            ["rev-list", "-1", "--first-parent", f"--until={since}", target, "--"], cwd
        )
        return before.strip() or None
    commit = git.commit(since, cwd)
    if commit is None:
        raise ConfigError(
            f"[hooks] since = {since[:60]!r} names no commit of this repository; set it to a "
            "commit of this history or a date (2026-01-31), or remove it"
        )
    return commit


def since_revisions(since: str, target: str, cwd: str | None = None) -> list[str]:
    """What `[hooks] since` leaves out of a check, as `git log` arguments: the commit it
    stands for (since_commit) and what came before it."""
    commit = since_commit(since, target, cwd)
    return [f"^{commit}"] if commit else []


def rewording_advice(oldest: tuple[str, int, str]) -> str:
    """How to reword commits down to `oldest` (sha, parents, line): a root commit has no
    parent to rebase onto, so it takes --root."""
    sha, parents, _ = oldest
    where = "--root" if parents == 0 else f"{sha[:10]}^"
    return f"reword them with 'git rebase -i {where}' (mark them 'reword')"
