"""The checks behind the hooks and `git tracker check`, as small rules that return a verdict.

Each check answers with None (fine) or a CheckFailed-ready sentence: what is wrong, why, and
what to do. They read nothing themselves: the hooks and commands pass in the branch, the text
and the configuration, so a test can call them on plain values.
"""

from __future__ import annotations

import fnmatch

from tracker_git.core import keys, message
from tracker_git.core.config import Config


def is_exempt(branch: str, config: Config) -> bool:
    return any(
        fnmatch.fnmatchcase(branch, pattern)
        for pattern in config.strings("hooks", "exempt_branches")
    )


def branch_key(branch: str | None, config: Config) -> str | None:
    return keys.key_from_branch(branch, config.queues) if branch else None


def check_branch(branch: str | None, config: Config) -> str | None:
    """The branch must carry a key, unless it is exempt or there is none (detached HEAD)."""
    if branch is None or is_exempt(branch, config) or branch_key(branch, config):
        return None
    wanted = keys.describe_queues(config.queues)
    example = f"{(config.queues or ['DEV'])[0]}-123-{branch.rsplit('/', 1)[-1]}"
    return (
        f"branch '{branch}' carries no issue key: tracker-git wants {wanted} in every "
        f"branch name but {', '.join(config.strings('hooks', 'exempt_branches'))}; "
        f"rename it with: git branch -m '{example}'"
    )


def message_keys(cleaned: str, config: Config) -> list[str]:
    return keys.find_keys(cleaned, config.queues)


def passes_without_key(cleaned: str) -> bool:
    """Messages git writes or folds away need no key: empty (git aborts it itself),
    reverts ("This reverts commit <sha>."), fixup!/squash!/amend!."""
    return not cleaned.strip() or message.is_revert(cleaned) or message.is_autosquash(cleaned)


def check_message(cleaned: str, config: Config) -> str | None:
    """The message as git will store it must reference a key and say something besides it."""
    if passes_without_key(cleaned):
        return None
    found = message_keys(cleaned, config)
    wanted = keys.describe_queues(config.queues)
    if not found:
        return f"the commit message references no issue key: it needs {wanted}"
    if not message.has_content_besides(cleaned, found):
        return f"the commit message has nothing but the key {found[0]}: say what the commit does"
    return None


def check_commit(parents: int, text: str, config: Config) -> str | None:
    """A commit already made (pre-push, `check range`): merges need no key."""
    return None if parents > 1 else check_message(text, config)
