"""The queue's schema from numbered migration files (relay/migrations): both backends end at
the same columns, a file of the first queue is brought up to date, and a newer schema is
refused, untouched, by a real relay process (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import psycopg

from testing.servers import SandboxHandle
from tests.relay.helpers import VENV_BIN, write_config
from tracker_git.relay import migrations
from tracker_git.relay.postgres import PostgresQueue
from tracker_git.relay.sqlite import SqliteQueue

Columns = dict[str, list[tuple[str, bool]]]  # table -> (column, NOT NULL), in name order


def sqlite_columns(path: Path) -> Columns:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            table: sorted(
                (r[1], bool(r[3] or r[5])) for r in db.execute(f"PRAGMA table_info({table})")
            )
            for table in tables
            if table != "sqlite_sequence"
        }


def postgres_columns(url: str) -> Columns:
    found: Columns = {}
    with psycopg.connect(url) as db:
        for table, column, nullable in db.execute(
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        ):
            found.setdefault(table, []).append((column, nullable == "NO"))
    return {table: sorted(columns) for table, columns in found.items()}


def schema_of(url: str) -> int:
    with psycopg.connect(url) as db:
        row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        assert row is not None
        return int(row[0])


def test_both_backends_end_at_the_same_columns(tmp_path: Path, postgres_url: str) -> None:
    assert migrations.latest("sqlite") == migrations.latest("postgres") >= 3
    SqliteQueue(str(tmp_path / "q.sqlite3")).close()
    PostgresQueue(postgres_url).close()
    on_sqlite, on_postgres = sqlite_columns(tmp_path / "q.sqlite3"), postgres_columns(postgres_url)
    assert on_sqlite == on_postgres
    assert ("token", True) in on_sqlite["tasks"]  # the last step's column is there
    assert schema_of(postgres_url) == migrations.latest("postgres")


def test_a_file_of_the_first_queue_is_brought_up_to_date_with_its_tasks(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    (first,) = [statements for version, statements in migrations.steps("sqlite") if version == 1]
    with sqlite3.connect(path) as db:
        for statement in first:
            if "meta" not in statement:  # the first queue had no meta table
                db.execute(statement)
        db.execute(
            "INSERT INTO tasks(delivery, issue, status, kind, created, next_try) "
            "VALUES('github:1', 'PROJ-1', 'review', 'opened', 1.0, 1.0)"
        )
    SqliteQueue(str(path)).close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE name='schema'").fetchone() == (
            migrations.latest("sqlite"),
        )
        assert db.execute("SELECT issue, action, token FROM tasks").fetchall() == [
            ("PROJ-1", "transition", 0)
        ]


def refused(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "git-tracker"), "relay", "--config", str(config), "--port", "0"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_older_relay_refuses_a_newer_sqlite_file_untouched(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    config = write_config(tmp_path, sandbox)
    path = tmp_path / "queue" / "relay.sqlite3"
    path.parent.mkdir()
    SqliteQueue(str(path)).close()
    newer = migrations.latest("sqlite") + 1
    with sqlite3.connect(path) as db:  # what a newer relay did: a step this one does not know
        db.execute("ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
        db.execute("UPDATE meta SET value = ? WHERE name = 'schema'", (newer,))
    before = sqlite_columns(path)
    proc = refused(config)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: the queue's schema is version {newer}, this relay knows up to "
        f"{newer - 1}; upgrade tracker-git (the queue: {path})"
    ]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE name='schema'").fetchone() == (newer,)
    assert sqlite_columns(path) == before


def test_an_older_relay_refuses_a_newer_postgres_schema_untouched(
    tmp_path: Path, sandbox: SandboxHandle, postgres_url: str
) -> None:
    PostgresQueue(postgres_url).close()
    newer = migrations.latest("postgres") + 1
    with psycopg.connect(postgres_url) as db:
        db.execute("UPDATE meta SET value = %s WHERE name = 'schema'", (newer,))
    proc = refused(write_config(tmp_path, sandbox, database=postgres_url))
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert (
        f"the queue's schema is version {newer}, this relay knows up to {newer - 1}; "
        "upgrade tracker-git" in proc.stderr
    )
    assert schema_of(postgres_url) == newer


def test_the_wheel_lists_the_migration_files() -> None:
    """setuptools ships the .sql files (pyproject's package-data), not only the .py."""
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["tracker_git.relay.migrations"]
    folder = Path(migrations.__file__).parent
    shipped = {p for pattern in patterns for p in folder.glob(pattern)}
    assert shipped == set(folder.glob("*/*.sql")) and len(shipped) >= 6
