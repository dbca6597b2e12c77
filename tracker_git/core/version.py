"""tracker-git's version, written once here (pyproject.toml reads it for the package's
metadata), so that a hook can compare it with a repository's `min_version` without
importlib.metadata (too slow for a hook)."""

from __future__ import annotations

import re

VERSION = "0.1.0"

# What `min_version` may say: "X.Y" or "X.Y.Z" (anything after the numbers, "rc1", is ignored).
_NUMBERS = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse(text: str) -> tuple[int, int, int] | None:
    """ "1.2" -> (1, 2, 0); None when `text` does not start with a number."""
    match = _NUMBERS.match(text.strip())
    if match is None:
        return None
    major, minor, patch = match.groups()
    return (int(major), int(minor or 0), int(patch or 0))


def older_than(wanted: str, current: str = VERSION) -> bool:
    """Whether `current` is older than the version `wanted` names (False when it names none)."""
    want, have = parse(wanted), parse(current)
    return want is not None and have is not None and have < want
