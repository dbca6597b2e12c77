"""The few git operations the Tracker commands need (`start`, `show`, ...): the current branch,
the local branches, create or switch to one. subprocess is fine here: these run once per
command, not on every commit (the hooks use tracker_git.core.git).

Call tracker_git.secrets.scrub_environment() first: git inherits our environment, and it must
not inherit a token."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from tracker_git.core.errors import OperationFailed, UsageError


def _git(args: Sequence[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, errors="surrogateescape"
        )
    except OSError as exc:
        raise OperationFailed(
            f"cannot run git ({exc.strerror}); install git or put it on PATH"
        ) from None


def _complaint(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("hint:", "Aborting"))]
    return (useful or lines or [f"exit code {done.returncode}"])[0].removeprefix("error: ")


def toplevel(cwd: str | None = None) -> str | None:
    """The work tree's root, None outside a repository."""
    done = _git(["rev-parse", "--show-toplevel"], cwd)
    return done.stdout.strip() or None if done.returncode == 0 else None


def current_branch(cwd: str | None = None) -> str | None:
    """The checked-out branch; during a rebase the branch being rebased; None when detached
    or outside a repository."""
    from tracker_git.core import gitstate
    from tracker_git.core.errors import TrackerGitError

    try:
        return gitstate.read_state(cwd).branch
    except TrackerGitError:
        return None


def local_branches(cwd: str | None = None) -> list[str]:
    done = _git(["for-each-ref", "--format=%(refname:short)", "refs/heads/"], cwd)
    return [line for line in done.stdout.splitlines() if line] if done.returncode == 0 else []


def branch_exists(name: str, cwd: str | None = None) -> bool:
    return _git(["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], cwd).returncode == 0


def check_branch_name(name: str, cwd: str | None = None) -> None:
    """UsageError unless git accepts `name` as a branch name."""
    done = _git(["check-ref-format", "--branch", name], cwd)
    if done.returncode != 0:
        raise UsageError(
            f"{name!r} is not a valid branch name; check [branch] pattern in .tracker-git.toml"
        )


def switch(name: str, *, create: bool, cwd: str | None = None) -> None:
    """`git switch [-c] NAME`; git's own complaint (say, local changes in the way) on failure."""
    done = _git(["switch", *(["-c"] if create else []), name], cwd)
    if done.returncode != 0:
        verb = "create branch" if create else "switch to"
        raise OperationFailed(f"cannot {verb} {name}: {_complaint(done)}")
