"""commit-msg: the message, as git will store it, must reference a valid issue key."""

from __future__ import annotations

from tracker_git.core import checks, msgfile
from tracker_git.core.errors import CheckFailed
from tracker_git.hooks import common


def main(argv: list[str]) -> int:
    state, config = common.load()
    if state.operation is not None:  # merge, revert, cherry-pick, rebase: git's own messages
        return 0
    msg = msgfile.read(argv[0])
    cleaned = msg.cleaned
    problem = checks.check_message(cleaned, config)
    if problem is None and not checks.passes_without_key(cleaned, config):
        unknown = common.online_unknown(checks.message_keys(cleaned, config), config)
        if unknown:
            problem = f"Tracker has no issue {', '.join(unknown)} (or you cannot see it)"
    if problem is None:
        return 0
    reopen = common.save_rejected(msg.text, state)
    raise CheckFailed(f"{problem}. Your message is kept; reopen it with: {reopen}")
