"""The issue-key grammar: one set of rules for branch names, messages, PR texts and the relay.

A key is QUEUE-NUMBER (docs/hooks.md "Issue keys"): the queue Latin letters only, the number a positive
integer without leading zeros, and the whole standing on its own. Keys are plain upper-case
strings ("DEV-123") everywhere in tracker-git.

"On its own" depends on whether the team lists its `queues`:

- With `queues`, only those queues' keys count, so the key may be followed (or preceded) by any
  separator: `-`, `_`, `/`, `.`, even `-digits` (`DEV-123-2`, `DEV-123_fix`,
  `DEV-123-500-on-the-login-page`, `feature_DEV-7`). Only a letter or digit glued to it
  (`DEV-123x`, `xDEV-1`) makes it part of another word.
- Without `queues` any queue counts, so what is ambiguous is refused: no letter, digit or
  underscore right before or after the key, and no `-digit` or `.digit` right after it, so
  `ABC-123x`, `CVE-2024-1234`, `1.2-3`, `v4-2` (versions, dates) and `DEV-1_2` are not keys.
  Well-formed tokens that are almost never issue keys (`UTF-8`, `SHA-256`, `ISO-8601`) are
  refused by a deny-list.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# Queues whose "keys" are encodings, hashes and standards, not issues. Only consulted when no
# `queues` are configured: a team with a queue called ISO lists it and gets its keys back.
LOOKALIKE_QUEUES = frozenset(
    {
        "AES", "ANSI", "ASCII", "BASE", "CP", "CVE", "CWE", "ECMA", "GHSA", "HTTP", "IEC",
        "IPV", "ISO", "KOI", "LATIN", "MD", "PEP", "RFC", "RSA", "SHA", "SSL", "TLS", "UCS",
        "UTF", "WIN",
    }
)  # fmt: skip

# The patterns are compiled on first use, through re's cache: a hook compiles the one it needs
# (each compile costs a hook ~0.3 ms of CPU).
_BEFORE = r"(?<![A-Za-z0-9_])"
_AFTER = r"(?![A-Za-z0-9_]|[-.]\d)"
_UPPER = _BEFORE + r"([A-Z]+)-([1-9][0-9]*)" + _AFTER
_ANY_CASE = _BEFORE + r"([A-Za-z]+)-([1-9][0-9]*)" + _AFTER
_WHOLE = r"([A-Za-z]+)-([1-9][0-9]*)"
# With queues: any separator around the key (the queue list takes away the ambiguity).
_QUEUED_BEFORE = r"(?<![A-Za-z0-9])"
_QUEUED_AFTER = r"(?![A-Za-z0-9])"
_QUEUED_UPPER = _QUEUED_BEFORE + r"([A-Z]+)-([1-9][0-9]*)" + _QUEUED_AFTER
_QUEUED_ANY_CASE = _QUEUED_BEFORE + r"([A-Za-z]+)-([1-9][0-9]*)" + _QUEUED_AFTER


# Tracker's rule for a queue key (the key's first part): Latin letters only. Every reader of a
# queue setting (the configuration files, the relay's, init, notify) checks it here.
QUEUE_RULE = "Latin letters only, as Tracker's queue keys (DEV, SUPPORT)"


def is_queue_key(text: str) -> bool:
    """Whether `text` is a queue key by Tracker's rule (any case: settings are upper-cased)."""
    return text.isascii() and text.isalpha()


def queue_of(key: str) -> str:
    return key.partition("-")[0]


def is_allowed(key: str, queues: Iterable[str] = ()) -> bool:
    """Whether a normalised key's queue counts: one of `queues`, or any but look-alikes."""
    allowed = {q.upper() for q in queues}
    queue = queue_of(key)
    return queue in allowed if allowed else queue not in LOOKALIKE_QUEUES


def written_keys(
    text: str, queues: Iterable[str] = (), *, any_case: bool = False
) -> list[tuple[str, str]]:
    """(as written, normalised) for every allowed key in `text`, each key once, in order."""
    queues = tuple(queues)
    if queues:
        pattern = _QUEUED_ANY_CASE if any_case else _QUEUED_UPPER
    else:
        pattern = _ANY_CASE if any_case else _UPPER
    found: dict[str, str] = {}  # ordered, with O(1) membership: linear in the text
    for match in re.finditer(pattern, text):
        key = f"{match.group(1).upper()}-{match.group(2)}"
        if key not in found and is_allowed(key, queues):
            found[key] = match.group(0)
    return [(written, key) for key, written in found.items()]


def find_keys(text: str, queues: Iterable[str] = (), *, any_case: bool = False) -> list[str]:
    """Every allowed key in `text`, normalised to upper case, each once, in order of appearance.

    Messages ask for upper-case keys (the default); branch names accept any case. With
    `queues`, a key may touch any separator (see the module's docstring).
    """
    return [key for _, key in written_keys(text, queues, any_case=any_case)]


def first_key(text: str, queues: Iterable[str] = (), *, any_case: bool = False) -> str | None:
    keys = find_keys(text, queues, any_case=any_case)
    return keys[0] if keys else None


def key_from_branch(branch: str, queues: Iterable[str] = ()) -> str | None:
    """The key a branch name carries (`dev-123-fix-login`, `feature/DEV-123`), upper-cased."""
    return first_key(branch, queues, any_case=True)


def normalize_key(text: str, queues: Iterable[str] = ()) -> str | None:
    """`text` as a key if the whole of it is one (any case, surrounding blanks ignored)."""
    match = re.fullmatch(_WHOLE, text.strip())
    if not match:
        return None
    key = f"{match.group(1).upper()}-{match.group(2)}"
    return key if is_allowed(key, queues) else None


def describe_queues(queues: Iterable[str]) -> str:
    """How a rejection names what it wanted: "a key of queue DEV or OPS (DEV-123)"."""
    names = sorted({q.upper() for q in queues})
    if not names:
        return "an issue key such as DEV-123"
    example = f"{names[0]}-123"
    return f"a key of queue {' or '.join(names)} (such as {example})"


def near_misses(text: str, queues: Iterable[str] = ()) -> list[str]:
    """Key-shaped tokens in `text` (any case, any separator around them, upper-cased) that a
    branch name would not count: glued to a separator that only counts with queues, a queue
    outside `queues`, a look-alike. For advice, never for a verdict."""
    taken = set(find_keys(text, queues, any_case=True))
    found: dict[str, None] = {}  # ordered, with O(1) membership: linear in the text
    for match in re.finditer(_QUEUED_ANY_CASE, text):
        key = f"{match.group(1).upper()}-{match.group(2)}"
        if key not in taken:
            found[key] = None
    return list(found)
