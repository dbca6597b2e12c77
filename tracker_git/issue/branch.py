"""The branch `git tracker start` creates: [branch] pattern ("{key}-{slug}") filled from the
issue, the slug made from its summary (Cyrillic transliterated, lower case, capped)."""

# ruff: noqa: RUF001 (the Cyrillic letters in the table below are meant)
from __future__ import annotations

import re
import unicodedata

from tracker_git.core import keys
from tracker_git.core.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

SLUG_MAX = 40
PLACEHOLDERS = ("key", "slug", "queue", "number")
MAX_NAME = 200
_PLACEHOLDER = re.compile(r"\{(key|slug|queue|number)\}")

# Russian (and Ukrainian/Belarusian letters) as in passports since 2014 (ICAO 9303), which is
# what people expect to read in a URL-like name.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "і": "i", "ї": "i", "є": "ie", "ґ": "g", "ў": "u",
}  # fmt: skip


def transliterate(text: str) -> str:
    out = []
    for ch in text.lower():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        else:
            # Accents off (é -> e); what has no ASCII form becomes a separator below.
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode())
    return "".join(out)


def slug(summary: str, limit: int = SLUG_MAX) -> str:
    """`Fix login: 500 on "Войти"` -> `fix-login-500-on-voiti`; cut at a word boundary."""
    words = re.findall(r"[a-z0-9]+", transliterate(summary))
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            if not out:  # one long word: cut it
                out = word[:limit]
            break
        out = candidate
    return out


def _fill(pattern: str, key: str, slug_text: str) -> str:
    """The pattern with its placeholders filled. Only the bare names in PLACEHOLDERS are
    replaced: no format specs, conversions or attributes (`{key:>999999}` would grow a name
    from a cloned repository's file), and a result over MAX_NAME characters is refused."""
    queue, _, number = key.partition("-")
    values = {"key": key, "slug": slug_text, "queue": queue, "number": number}
    stray = _PLACEHOLDER.sub("", pattern)
    if "{" in stray or "}" in stray:
        raise ConfigError(
            f"[branch] pattern {pattern[:80]!r} uses an unknown placeholder or a format spec; "
            "use only " + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        )
    name = _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)
    if len(name) > MAX_NAME:
        raise ConfigError(
            f"[branch] pattern {pattern[:80]!r} gives a name of {len(name)} characters; "
            f"shorten the pattern (at most {MAX_NAME})"
        )
    # An empty slug (a summary of emoji) leaves "DEV-1-": tidy such edges.
    return re.sub(r"[-_/.]{2,}", lambda m: m.group(0)[0], name).strip("-_/.")


def branch_name(pattern: str, key: str, summary: str, queues: Sequence[str] = ()) -> str:
    """The pattern filled in, such that the branch-name check finds `key` in it first.

    Without `queues` a key followed by `_`, `-digit` or `.digit` is not read as a key (see
    tracker_git.core.keys), so `{key}_{slug}`, or a summary that starts with a number ("500 on
    the login page"), would give a name the hooks refuse; so would a summary holding another
    key-shaped word ahead of the key. Such a name is made without the slug (`DEV-123`), or cut
    right after the key where what the pattern puts after it would still be glued to it.
    """
    name = _fill(pattern, key, slug(summary))
    if keys.key_from_branch(name, queues) == key:
        return name
    bare = _fill(pattern, key, "")
    # Without the slug, else cut right after the key ("feature/{key}_{slug}-wip").
    for candidate in (bare, bare[: bare.find(key) + len(key)] if key in bare else ""):
        if keys.key_from_branch(candidate, queues) == key:
            return candidate
    raise ConfigError(
        f"[branch] pattern {pattern!r} gives {bare!r}, in which the hooks do not find {key}; "
        "put {key} in it with a separator (-, /) on both sides"
    )
