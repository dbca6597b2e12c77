"""The queue's schema: numbered SQL files per backend (sqlite/, postgres/), applied in order.

`NNNN_name.sql` brings the schema from version NNNN-1 to NNNN; both backends have the same
numbers (tests/relay/test_migrations.py holds that they end at the same columns). A database
records its version in `meta` (name 'schema'); a relay applies the files above it in one
transaction, and refuses a database whose version is above the last file it ships (an older
relay must not write to a newer schema)."""

from __future__ import annotations

import re
from importlib import resources

from tracker_git.core.errors import ConfigError

BACKENDS = ("sqlite", "postgres")
_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def steps(backend: str) -> list[tuple[int, list[str]]]:
    """(version, its statements) for each file of `backend`, in order; numbered 1, 2, ..."""
    found: dict[int, str] = {}
    for entry in resources.files(__name__).joinpath(backend).iterdir():
        match = _NAME.fullmatch(entry.name)
        if match:
            found[int(match.group(1))] = entry.read_text(encoding="utf-8")
    if sorted(found) != list(range(1, len(found) + 1)):
        raise AssertionError(f"migrations/{backend}: files not numbered 1..N: {sorted(found)}")
    return [(version, statements(found[version])) for version in sorted(found)]


def statements(sql: str) -> list[str]:
    """The statements of a file: `--` comment lines dropped, split at `;` (the files keep
    semicolons out of strings)."""
    text = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in text.split(";") if part.strip()]


def latest(backend: str) -> int:
    return len(steps(backend))


def pending(backend: str, version: int, database: str) -> list[tuple[int, list[str]]]:
    """The steps a database at `version` needs; a newer schema than this relay's is refused."""
    known = steps(backend)
    if version > len(known):
        raise ConfigError(
            f"the queue's schema is version {version}, this relay knows up to {len(known)}; "
            f"upgrade tracker-git (the queue: {database})"
        )
    return [step for step in known if step[0] > version]
