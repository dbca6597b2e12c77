"""prepare-commit-msg: put the branch's key into the message, exactly once.

Never twice: a message that already references a key (amend, reword, a re-run, a message
typed with the key, or with a key in the wrong case, which commit-msg then refuses with its
advice) is left alone, and so are merges, squashes, reverts, cherry-picks and
messages that start with a no-issue marker (`[hooks] allow_without_key`).
"""

from __future__ import annotations

import os

from tracker_git.core import checks, message, msgfile
from tracker_git.core.config import Config
from tracker_git.hooks import branch_name, commit_msg, common

_SOURCES_LEFT_ALONE = ("merge", "squash")


def main(argv: list[str]) -> int:
    source = argv[1] if len(argv) > 1 else os.environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE", "")
    if source in _SOURCES_LEFT_ALONE:
        return 0
    state, config = common.load()
    if common.take_branch_check() and not common.skipped("branch-name"):
        branch_name.check(state.branch, config)  # the plain pre-commit hook's, done here
    if state.operation in ("merge", "revert", "cherry-pick"):
        return 0
    msg = msgfile.read(argv[0], state=state)
    text = msg.text
    key = checks.branch_key(state.branch, config)
    if key is not None and _wants_key(msg.cleaned, config):
        changed = message.insert_key(msg.text, key, config.hooks.insert, msg.comment)
        if changed is not None:
            with open(argv[0], "wb") as f:
                f.write(message.encode(changed))
            text = changed
    # commit-msg's verdict, given ahead: one Python start fewer where the message is not edited.
    cleaned = msg.cleaned if text is msg.text else msgfile.recleaned(msg, text)
    passes = state.operation is None and commit_msg.verdict(cleaned, config) is None
    common.remember_verified(argv[0], message.encode(text) if passes else None)
    return 0


def _wants_key(cleaned: str, config: Config) -> bool:
    if cleaned.strip() and checks.passes_without_key(cleaned, config):
        return False  # a revert, a fixup!, a no-issue marker ("MINOR: ...")
    if checks.message_keys(cleaned, config):
        return False
    # "io-905: ...": a key in the wrong case. Left as typed, so commit-msg refuses it with the
    # advice it gives on any branch, instead of "IO-901: io-905: ..." going through.
    return checks.wrong_case_key(cleaned, config) is None
