"""commit-msg: the message, as git will store it, must reference a valid issue key."""

from __future__ import annotations

import os

from tracker_git.core import checks, msgfile
from tracker_git.core.config import Config
from tracker_git.core.errors import CheckFailed
from tracker_git.core.gitstate import RepoState
from tracker_git.hooks import common

_CARRIED = ("merge", "cherry-pick", "rebase")


def _branch_hint(cleaned: str, state: RepoState, config: Config) -> str:
    """On a keyed branch, a keyless message: the key to write, and which hook would have put
    it in where that hook is not installed (commit-msg alone, as gitlint-style setups have)."""
    key = checks.branch_key(state.branch, config)
    if key is None or checks.message_keys(cleaned, config):
        return ""
    hint = f"; the branch carries {key}: write '{key}: ...'"
    if not os.path.exists(os.path.join(state.hooks_dir, "prepare-commit-msg")):
        hint += (
            " (no prepare-commit-msg hook puts it in: 'git tracker hooks install', or "
            "'pre-commit install --hook-type prepare-commit-msg')"
        )
    return hint


def verdict(cleaned: str, config: Config) -> str | None:
    """commit-msg's judgement of a message as git will store it (prepare-commit-msg gives it
    ahead, see common.remember_verified)."""
    problem = checks.check_message(cleaned, config)
    if problem is None and not checks.passes_without_key(cleaned, config):
        unknown = common.online_unknown(checks.message_keys(cleaned, config), config)
        if unknown:
            problem = f"Tracker has no issue {', '.join(unknown)} (or you cannot see it)"
    return problem


def main(argv: list[str]) -> int:
    state, config = common.load()
    # A merge, cherry-pick or rebase carries a message made before; a revert's is judged by
    # its text, as pre-push and `check range` judge it (git's own revert texts pass).
    if state.operation in _CARRIED:
        return 0
    msg = msgfile.read(argv[0], state=state)
    cleaned = msg.cleaned
    problem = verdict(cleaned, config)
    if problem is None:
        return 0
    problem += _branch_hint(cleaned, state, config)
    reopen = common.save_rejected(msg.text, state)
    raise CheckFailed(f"{problem}. Your message is kept; reopen it with: {reopen}")
