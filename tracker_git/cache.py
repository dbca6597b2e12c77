"""The answers of online key checks, cached in the user cache folder.

One small file, `issues.marshal`: {"<api host>/<organization>": {"DEV-1": [exists, unix time]}},
in marshal's format, which is built into Python: reading it costs the hook nothing to import
(json and tempfile cost ~4 ms, a fifth of a warm hook).
Positive answers live a day (issues are rarely deleted), negative ones minutes (an issue may
be created right after the hook rejected its key). A missing, unreadable or corrupt file is an
empty cache: the cache only ever saves requests, it never decides an answer by itself.
The file holds issue keys and times only, never a token.
"""

from __future__ import annotations

import marshal
import os
import time

from tracker_git.core import paths

POSITIVE_TTL = 24 * 60 * 60.0
NEGATIVE_TTL = 5 * 60.0
FILE_NAME = "issues.marshal"
# Keep the file small however many keys a team uses: the oldest answers go first.
MAX_ENTRIES = 5000

Entries = dict[str, dict[str, list[object]]]


def cache_file() -> str:
    return os.path.join(paths.user_cache_dir(), FILE_NAME)


def _read(path: str) -> Entries:
    try:
        with open(path, "rb") as f:
            data = marshal.load(f)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {scope: keys for scope, keys in data.items() if isinstance(keys, dict)}


def lookup(scope: str, keys: list[str], now: float | None = None) -> dict[str, bool]:
    """The fresh cached answers for `keys` in `scope` (key -> exists); stale or absent keys
    are left out."""
    now = time.time() if now is None else now
    known = _read(cache_file()).get(scope, {})
    answers: dict[str, bool] = {}
    for key in keys:
        entry = known.get(key)
        if not (isinstance(entry, list) and len(entry) == 2):
            continue
        exists, at = entry
        if not isinstance(exists, bool) or not isinstance(at, (int, float)):
            continue
        ttl = POSITIVE_TTL if exists else NEGATIVE_TTL
        if 0 <= now - at < ttl:
            answers[key] = exists
    return answers


def record(scope: str, answers: dict[str, bool], now: float | None = None) -> None:
    """Add answers to the cache. Best effort: a read-only cache folder costs requests, not
    correctness, so errors are swallowed. Written atomically (temp file + rename) because two
    hooks may run at once."""
    if not answers:
        return
    now = time.time() if now is None else now
    path = cache_file()
    data = _read(path)
    known = data.setdefault(scope, {})
    for key, exists in answers.items():
        known[key] = [exists, now]
    _trim(data)
    try:
        paths.write_private(path, marshal.dumps(data))  # which issues exist: the user's only
    except OSError:
        return  # best effort, as said above


# Tracker not answering, as one hook found it: the next hooks of the same commit (another
# process) go ahead without asking or warning again, for this long.
OUTAGE_TTL = 60.0
OUTAGE_FILE = "outage.marshal"


def outage(scope: str, now: float | None = None) -> str | None:
    """Why Tracker did not answer for `scope` in the last OUTAGE_TTL seconds, or None."""
    now = time.time() if now is None else now
    try:
        with open(os.path.join(paths.user_cache_dir(), OUTAGE_FILE), "rb") as f:
            data = marshal.load(f)
        reason, at = data[scope]
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None
    fresh = isinstance(reason, str) and isinstance(at, (int, float)) and 0 <= now - at < OUTAGE_TTL
    return reason if fresh else None


def record_outage(scope: str, reason: str, now: float | None = None) -> None:
    """Remember that Tracker did not answer for `scope` (best effort, as `record`)."""
    now = time.time() if now is None else now
    try:
        paths.write_private(
            os.path.join(paths.user_cache_dir(), OUTAGE_FILE), marshal.dumps({scope: (reason, now)})
        )
    except OSError:
        return


def _trim(data: Entries) -> None:
    stamped = [
        (entry[1], scope, key)
        for scope, keys in data.items()
        for key, entry in keys.items()
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], (int, float))
    ]
    if len(stamped) <= MAX_ENTRIES:
        return
    stamped.sort()
    for _, scope, key in stamped[: len(stamped) - MAX_ENTRIES]:
        del data[scope][key]
