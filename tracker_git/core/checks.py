"""The checks behind the hooks and `git tracker check`, as small rules that return a verdict.

Each check answers with None (fine) or a CheckFailed-ready sentence: what is wrong, why, and
what to do. They read nothing themselves: the hooks and commands pass in the branch, the text
and the configuration, so a test can call them on plain values.
"""

from __future__ import annotations

import re

from tracker_git.core import keys, message
from tracker_git.core.config import Config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# "MINOR: fix a typo" or "[MINOR] fix a typo": the word, then a colon or in brackets.
# Compiled on first use (re's cache): only where markers are configured.
_MARKER = r"\s*(?:\[([^\]\s]+)\]|([^:\s]+):)\s*\S"


def is_exempt(branch: str, config: Config) -> bool:
    import fnmatch  # the branch-name hook's alone

    return any(fnmatch.fnmatchcase(branch, pattern) for pattern in config.hooks.exempt_branches)


def branch_key(branch: str | None, config: Config) -> str | None:
    return keys.key_from_branch(branch, config.queues) if branch else None


def _rename_advice(branch: str, config: Config) -> str:
    """A name to rename `branch` to that the check accepts, keeping what it can of the old
    one; never a second key in front of one that is there in another form."""
    queues = config.queues
    prefix, _, last = branch.rpartition("/")
    prefix = f"{prefix}/" if prefix else ""
    misses = keys.near_misses(last, queues)
    key = f"{(queues or ['DEV'])[0]}-123"
    rest = last
    twin = keys.latin_twin(last, queues)
    if twin and twin[2]:  # "D\u0415V-7-fix": the key in Latin letters, the rest kept
        key = twin[2]
        rest = last[last.find(twin[0]) + len(twin[0]) :]
    elif misses:
        miss = misses[0]
        if keys.is_allowed(miss, queues):
            key = miss  # the team's key, only glued to what follows it
        start = last.upper().find(miss)
        rest = last[start + len(miss) :]
    rest = rest.strip("-_./")
    for candidate in (f"{prefix}{key}-{rest}" if rest else "", f"{prefix}{key}"):
        if candidate and keys.key_from_branch(candidate, queues) == key:
            return candidate
    return key


def check_branch(branch: str | None, config: Config) -> str | None:
    """The branch must carry a key, unless it is exempt or there is none (detached HEAD)."""
    if branch is None or is_exempt(branch, config) or branch_key(branch, config):
        return None
    wanted = keys.describe_queues(config.queues)
    exempt = ", ".join(config.hooks.exempt_branches)
    problem = f"branch '{branch}' carries no issue key: tracker-git wants {wanted} in every branch name but {exempt}"
    misses = keys.near_misses(branch, config.queues)
    if misses and not config.queues and keys.is_allowed(misses[0]):
        queue = keys.queue_of(misses[0])
        problem = (
            f"branch '{branch}' carries no issue key: {misses[0]} in it is followed by a digit, "
            f"'_' or '.', which without `queues` reads as a version or a date, not a key; "
            f'list the queue in .tracker-git.toml (queues = ["{queue}"]) or'
        )
        return f"{problem} rename it with: git branch -m '{_rename_advice(branch, config)}'"
    if misses and config.queues:
        problem += f" ({misses[0]} is not of a queue in `queues`)"
    lookalike = keys.lookalike(branch, config.queues)
    if lookalike:
        problem += f" ({lookalike})"
    return f"{problem}; rename it with: git branch -m '{_rename_advice(branch, config)}'"


def message_keys(cleaned: str, config: Config) -> list[str]:
    return keys.find_keys(cleaned, config.queues)


def keyless_marker(text: str, markers: Iterable[str]) -> str | None:
    """The no-issue marker the subject of `text` starts with, if it is one of `markers`
    (`[hooks] allow_without_key`): "MINOR: fix a typo" or "[MINOR] fix a typo" -> "MINOR".

    The word must be written as configured (case counts), followed by a colon or in brackets,
    and something must follow it. The one rule for the hooks, `check`, `check pr` and the relay.
    """
    wanted = set(markers)
    if not wanted:
        return None
    match = re.match(_MARKER, text)
    if match is None:
        return None
    word = match.group(1) or match.group(2)
    return word if word in wanted else None


def passes_without_key(cleaned: str, config: Config | None = None) -> bool:
    """Messages that need no key: those git writes or folds away (empty, which git aborts
    itself; reverts, "This reverts commit <sha>."; fixup!/squash!/amend!), and with `config`
    those starting with one of its no-issue markers (`keyless_marker`)."""
    if message.is_empty(cleaned) or message.is_revert(cleaned) or message.is_autosquash(cleaned):
        return True
    markers = config.hooks.allow_without_key if config else ()
    return keyless_marker(cleaned, markers) is not None


def wrong_case_key(cleaned: str, config: Config) -> tuple[str, str] | None:
    """The first key written in lower or title case ("io-905", "Dev-3"), and the key it would
    be: refused wherever it stands, with this advice (prepare-commit-msg leaves such a message
    as typed rather than put the branch's key in front of it)."""
    for written, key in keys.written_keys(cleaned, config.queues, any_case=True):
        queue = keys.queue_of(written)
        if queue.islower() or queue.istitle():
            return written, key
    return None


def _key_hint(cleaned: str, config: Config) -> str | None:
    """Why a key-like token is not read as a key, and how to write it: "dev-12" (the case),
    "loginDEV-12" (glued to a word), "D\u0415V-7" (a Cyrillic Ie for the E). It proposes only keys the
    message check reads."""
    queues = config.queues
    wrong = wrong_case_key(cleaned, config)
    if wrong is not None:
        return f"'{wrong[0]}' is not read as a key in that case; write it as {wrong[1]}"
    # Every token, not only those of `queues`: a glued one's queue ("loginDEV") is never a
    # team's; the key inside it is checked against them below.
    for written, _key in keys.written_keys(cleaned, any_case=True):
        queue = keys.queue_of(written)
        glued = re.fullmatch(r"([a-z]+)([A-Z]+)", queue)
        if glued:
            inner = f"{glued[2]}-{keys.number_of(written)}"
            if keys.first_key(inner, queues) == inner:
                return (
                    f"'{written}' is not read as a key: {inner} is glued to "
                    f"'{glued[1]}'; put a space before it"
                )
    return keys.lookalike(cleaned, queues)


def check_message(cleaned: str, config: Config, what: str = "the commit message") -> str | None:
    """The message as git will store it must reference a key and say something besides it.
    `what` names the text in the verdict (a pull request's title is judged the same way)."""
    if passes_without_key(cleaned, config):
        return None
    found = message_keys(cleaned, config)
    wanted = keys.describe_queues(config.queues)
    if not found:
        problem = f"{what} references no issue key: it needs {wanted}"
        hint = _key_hint(cleaned, config)
        return f"{problem}; {hint}" if hint else problem
    if not message.has_content(keys.without_keys(cleaned, config.queues)):
        return f"{what} has nothing but the key {found[0]}: say what it does"
    return None


def check_pr_text(title: str, description: str | None, config: Config) -> str | None:
    """A pull request's title must pass as a commit subject would; with `[pr] key_in =
    "title-or-description"` a key in the description is enough when the title has none."""
    problem = check_message(title, config, what="the pull request title")
    if problem is None or config.pr.key_in != "title-or-description":
        return problem
    if message_keys(title, config):  # a title of nothing but its key: the description is no help
        return problem
    if description and message_keys(description, config):
        return None
    return problem.replace("title references", "title and description reference", 1)


def check_commit(parents: int, text: str, config: Config) -> str | None:
    """A commit already made (pre-push, `check range`): merges need no key."""
    return None if parents > 1 else check_message(text, config)
