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
# (each compile costs a hook ~0.3 ms of CPU). `\w` is Unicode: a letter or digit of any script
# glued to a key makes it part of another word (`D\u0415V-7`, a Cyrillic capital Ie for the E, is no key, not V-7;
# `DEV-1٣` is none either), while only an ASCII digit after `-` or `.` reads as a version
# (`DEV-1-٣` carries DEV-1, as `DEV-1-x` does).
_BEFORE = r"(?<!\w)"
_AFTER = r"(?!\w|[-.][0-9])"
_UPPER = _BEFORE + r"([A-Z]+)-([1-9][0-9]*)" + _AFTER
_ANY_CASE = _BEFORE + r"([A-Za-z]+)-([1-9][0-9]*)" + _AFTER
_WHOLE = r"([A-Za-z]+)-([1-9][0-9]*)"
# With queues: any separator around the key (the queue list takes away the ambiguity), but
# still no letter or digit of any script.
_QUEUED_BEFORE = r"(?<![^\W_])"
_QUEUED_AFTER = r"(?![^\W_])"
_QUEUED_UPPER = _QUEUED_BEFORE + r"([A-Z]+)-([1-9][0-9]*)" + _QUEUED_AFTER
_QUEUED_ANY_CASE = _QUEUED_BEFORE + r"([A-Za-z]+)-([1-9][0-9]*)" + _QUEUED_AFTER
# A key-shaped token whose letters are not all Latin (`D\u0415V-7`), for advice only.
_FOREIGN = r"(?<![^\W_])([^\W\d_]+)-([0-9]+)(?![^\W_])"
# Letters of other scripts that look like Latin capitals or small letters, by code point.
_LATIN_TWINS = {
    **dict(zip("\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0423\u0405\u0406\u0408\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0455\u0456\u0458", "ABEKMHOPCTXYSIJaeopcyxsij", strict=True)),
    **dict(zip("\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf\u03b9\u03ba\u03bd\u03c1\u03c4\u03c5\u03c7", "ABEZHIKMNOPTYXoikvptux", strict=True)),
}  # fmt: skip
MAX_ONLINE_KEYS = 20  # distinct keys one check asks Tracker about (see docs/hooks.md)


# Tracker's rule for a queue key (the key's first part): Latin letters only. Every reader of a
# queue setting (the configuration files, the relay's, init, notify) checks it here.
QUEUE_RULE = "Latin letters only, as Tracker's queue keys (DEV, SUPPORT)"


def is_queue_key(text: str) -> bool:
    """Whether `text` is a queue key by Tracker's rule (any case: settings are upper-cased)."""
    return text.isascii() and text.isalpha()


def queue_of(key: str) -> str:
    return key.partition("-")[0]


def number_of(key: str) -> str:
    return key.rpartition("-")[2]


def is_allowed(key: str, queues: Iterable[str] = ()) -> bool:
    """Whether a normalised key's queue counts: one of `queues`, or any but look-alikes."""
    allowed = {q.upper() for q in queues}
    queue = queue_of(key)
    return queue in allowed if allowed else queue not in LOOKALIKE_QUEUES


def _pattern(queues: tuple[str, ...], any_case: bool) -> str:
    if queues:
        return _QUEUED_ANY_CASE if any_case else _QUEUED_UPPER
    return _ANY_CASE if any_case else _UPPER


def written_keys(
    text: str, queues: Iterable[str] = (), *, any_case: bool = False
) -> list[tuple[str, str]]:
    """(as written, normalised) for every allowed key in `text`, each key once, in order."""
    queues = tuple(queues)
    found: dict[str, str] = {}  # ordered, with O(1) membership: linear in the text
    for match in re.finditer(_pattern(queues, any_case), text):
        key = f"{match.group(1).upper()}-{match.group(2)}"
        if key not in found and is_allowed(key, queues):
            found[key] = match.group(0)
    return [(written, key) for key, written in found.items()]


def without_keys(text: str, queues: Iterable[str] = ()) -> str:
    """`text` with every key a message check reads cut out where it stands (not by string
    replacement: `DEV-1 DEV-12` leaves no stray `2`), in one pass."""
    queues = tuple(queues)
    parts: list[str] = []
    start = 0
    for match in re.finditer(_pattern(queues, False), text):
        if is_allowed(f"{match.group(1)}-{match.group(2)}", queues):
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return "".join(parts)


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


def _letter_name(char: str) -> str:
    import unicodedata  # advice only: never on an accepted message's path

    script = unicodedata.name(char, "UNNAMED").split(" ")[0].capitalize()
    twin = _LATIN_TWINS.get(char)
    looks = f", which looks like the Latin {twin}" if twin else ""
    return f"the {script} letter {char} (U+{ord(char):04X}){looks}"


def latin_twin(text: str, queues: Iterable[str] = ()) -> tuple[str, str, str | None] | None:
    """The first key-shaped token in `text` whose queue has a letter that is not Latin
    (`D\u0415V-7`: a Cyrillic Ie for the E): (the token, its first such letter, the key it
    looks like where the grammar takes that key, else None); None where there is none."""
    queues = tuple(queues)
    for match in re.finditer(_FOREIGN, text):
        queue = match.group(1)
        if queue.isascii():
            continue
        foreign = next(char for char in queue if not char.isascii())
        latin = "".join(_LATIN_TWINS.get(char, char) for char in queue).upper()
        key = f"{latin}-{match.group(2)}"
        taken = latin.isascii() and first_key(key, queues) == key  # never a key it refuses
        return match.group(0), foreign, key if taken else None
    return None


def lookalike(text: str, queues: Iterable[str] = ()) -> str | None:
    """Advice on `latin_twin`'s token: which letter it is, and the key to write instead."""
    twin = latin_twin(text, queues)
    if twin is None:
        return None
    written, foreign, key = twin
    advice = f"'{written}' is not read as a key: it has {_letter_name(foreign)}"
    return f"{advice}; write it as {key} in Latin letters" if key else advice
