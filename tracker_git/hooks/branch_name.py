"""pre-commit / pre-push: the current branch must carry a valid issue key."""

from __future__ import annotations

from tracker_git.core import checks
from tracker_git.hooks import common


def main(argv: list[str]) -> int:
    state, config = common.load()
    problem = checks.check_branch(state.branch, config)
    if problem is None:
        key = checks.branch_key(state.branch, config)
        unknown = common.online_unknown([key] if key else [], config)
        if unknown:
            problem = f"branch '{state.branch}' names {unknown[0]}, which Tracker does not have"
    return 0 if problem is None else common.fail(problem)
