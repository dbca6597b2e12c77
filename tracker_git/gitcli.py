"""The few git operations the Tracker commands need (`start`, `show`, ...): the current branch,
the local branches, create or switch to one. git runs through tracker_git.core.git, like
everywhere else."""

from __future__ import annotations

from tracker_git.core import git
from tracker_git.core.errors import UsageError


def toplevel(cwd: str | None = None) -> str | None:
    """The work tree's root, None outside a repository."""
    return git.answer(["rev-parse", "--show-toplevel"], cwd)


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
    found = git.answer(["for-each-ref", "--format=%(refname:short)", "refs/heads/"], cwd)
    return (found or "").splitlines()


def check_branch_name(name: str, cwd: str | None = None) -> None:
    """UsageError unless git accepts `name` as a branch name."""
    if git.run(["check-ref-format", "--branch", name], cwd)[0] != 0:
        raise UsageError(
            f"{name!r} is not a valid branch name; check [branch] pattern in .tracker-git.toml"
        )


def switch(name: str, *, create: bool, cwd: str | None = None) -> None:
    """`git switch [-c] NAME`; git's own reason (say, local changes in the way) on failure."""
    git.output(
        ["switch", *(["-c"] if create else []), name],
        cwd,
        what=f"creating branch {name}" if create else f"switching to {name}",
        fix="do what git asks (commit or stash your changes, say) and run the command again",
    )
