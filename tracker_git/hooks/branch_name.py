"""pre-commit / pre-push: the current branch must carry a valid issue key."""

from __future__ import annotations

import os

from tracker_git.core import checks
from tracker_git.core.config import Config
from tracker_git.core.errors import CheckFailed
from tracker_git.hooks import common


def _branches(argv: list[str], current: str | None) -> list[str | None]:
    """At pre-push (git passes the remote's name and URL) the branches being pushed; at
    pre-commit the current one."""
    if not argv and "PRE_COMMIT_REMOTE_NAME" not in os.environ:
        return [current]
    from tracker_git.hooks.pre_push import pushed_refs

    heads = "refs/heads/"
    return [ref[len(heads) :] for ref, _, _ in pushed_refs() if ref.startswith(heads)]


def check(branch: str | None, config: Config) -> None:
    """Raise CheckFailed where `branch` must carry a key and does not (or names an issue
    Tracker does not have, with the online check)."""
    problem = checks.check_branch(branch, config)
    if problem is None:
        key = checks.branch_key(branch, config)
        unknown = common.online_unknown([key] if key else [], config)
        if unknown:
            problem = f"branch '{branch}' names {unknown[0]}, which Tracker does not have"
    if problem:
        raise CheckFailed(problem)


def main(argv: list[str]) -> int:
    state, config = common.load()
    for branch in _branches(argv, state.branch):
        check(branch, config)
    return 0
