"""The durable queue: accepted deliveries and the moves they ask for, in SQLite.

A delivery is committed (fsync'd: synchronous=FULL) before the forge gets its answer, so a
killed relay loses nothing. Tables:
- deliveries: one row per accepted delivery id; a second delivery with the same id is a
  duplicate and adds nothing.
- tasks: one row per issue to move; `pending` until applied (`done`) or given up (`failed`).
  A task is claimed by pushing its `next_try` forward by a lease, so several processes
  (gunicorn workers) can share the file and a killed worker's task comes back by itself.
  Tasks of one issue are applied in the order their deliveries came (opened, then merged,
  never the other way round): only the oldest pending task of an issue has a `next_try`;
  the ones behind it wait with NULL and are released one by one as each finishes. So
  finding the next due task is one index lookup, however long the queue.
- counters: the numbers /metrics shows, shared by every process using the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tracker_git.core.errors import ConfigError
from tracker_git.relay.events import ReviewEvent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    forge TEXT NOT NULL,
    kind TEXT NOT NULL,
    received REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery TEXT NOT NULL,
    issue TEXT NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    pr TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    next_try REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT NOT NULL DEFAULT '',
    finished REAL
);
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(next_try) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS tasks_issue ON tasks(issue, state, id);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

_DUE = """
SELECT id, delivery, issue, status, kind, pr, created, attempts FROM tasks
WHERE state = 'pending' AND next_try <= ? ORDER BY next_try, id LIMIT 1
"""


@dataclass(frozen=True)
class Task:
    id: int
    delivery: str
    issue: str
    status: str
    kind: str
    pr: str
    created: float
    attempts: int  # tries so far, this one included


class Queue:
    """One SQLite file; a connection per thread (and per process, after a fork)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        folder = os.path.dirname(path)
        try:
            if folder:
                os.makedirs(folder, exist_ok=True)
            # One transaction, so processes starting together do not trip over each other.
            self._db().executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the relay's queue database {path} ({exc}); "
                f"check [server] database and the folder's permissions"
            ) from None

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
            self._local.pid = os.getpid()
            self._local.synchronous = ""
        return db

    @contextmanager
    def _transaction(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction. Durable (synchronous=FULL) commits are on disk before they
        return: what the forge is told "accepted" must survive a power cut. The worker's own
        bookkeeping (claim, done, retry) need not: after a power cut a claim lost is claimed
        again and a "done" lost is applied again, which moves an issue to the status it has
        (a success), so it saves the fsync (NORMAL is still safe against a killed process)."""
        db = self._db()
        wanted = "FULL" if durable else "NORMAL"
        if self._local.synchronous != wanted:
            db.execute(f"PRAGMA synchronous={wanted}")
            self._local.synchronous = wanted
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @staticmethod
    def _bump(db: sqlite3.Connection, name: str, by: int = 1) -> None:
        db.execute(
            "INSERT INTO counters(name, value) VALUES(?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (name, by),
        )

    def count(self, *names: str) -> None:
        """Add one to each named counter."""
        with self._transaction() as db:
            for name in names:
                self._bump(db, name)

    def enqueue(
        self,
        event: ReviewEvent,
        moves: Iterable[tuple[str, str]],
        now: float,
        counters: Iterable[str] = (),
    ) -> bool:
        """Store the delivery and one task per (issue, status); False if already stored."""
        with self._transaction() as db:
            for name in counters:
                self._bump(db, name)
            inserted = db.execute(
                "INSERT OR IGNORE INTO deliveries(id, forge, kind, received) VALUES(?, ?, ?, ?)",
                (event.delivery_id, event.forge, event.kind, now),
            ).rowcount
            if not inserted:
                self._bump(db, "duplicate")
                return False
            count = 0
            for issue, status in moves:
                # Behind an earlier pending task of the same issue: wait (NULL) for it.
                waiting = db.execute(
                    "SELECT 1 FROM tasks WHERE issue = ? AND state = 'pending' LIMIT 1", (issue,)
                ).fetchone()
                db.execute(
                    "INSERT INTO tasks(delivery, issue, status, kind, pr, created, next_try) "
                    "VALUES(?, ?, ?, ?, ?, ?, ?)",
                    (event.delivery_id, issue, status, event.kind, event.pr, now,
                     None if waiting else now),
                )  # fmt: skip
                count += 1
            self._bump(db, "queued", count)
            return True

    def claim(self, now: float, lease: float) -> Task | None:
        """The next due task, claimed for `lease` seconds, or None."""
        with self._transaction(durable=False) as db:
            row = db.execute(_DUE, (now,)).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE tasks SET next_try = ?, attempts = attempts + 1 WHERE id = ?",
                (now + lease, row[0]),
            )
        return Task(
            id=int(row[0]),
            delivery=str(row[1]),
            issue=str(row[2]),
            status=str(row[3]),
            kind=str(row[4]),
            pr=str(row[5]),
            created=float(row[6]),
            attempts=int(row[7]) + 1,
        )

    def next_due(self) -> float | None:
        """When the earliest pending task becomes due (None: nothing pending)."""
        row = (
            self._db().execute("SELECT MIN(next_try) FROM tasks WHERE state = 'pending'").fetchone()
        )
        return None if row is None or row[0] is None else float(row[0])

    @staticmethod
    def _release_next(db: sqlite3.Connection, task: Task, now: float) -> None:
        """The finished task's issue: its next waiting task becomes due."""
        db.execute(
            "UPDATE tasks SET next_try = ? WHERE id = (SELECT MIN(id) FROM tasks "
            "WHERE issue = ? AND state = 'pending') AND next_try IS NULL",
            (now, task.issue),
        )

    def done(self, task: Task, now: float) -> None:
        with self._transaction(durable=False) as db:
            db.execute(
                "UPDATE tasks SET state = 'done', finished = ?, last_error = '' WHERE id = ?",
                (now, task.id),
            )
            self._release_next(db, task, now)
            self._bump(db, "applied")

    def retry(self, task: Task, at: float, error: str) -> None:
        with self._transaction(durable=False) as db:
            db.execute(
                "UPDATE tasks SET next_try = ?, last_error = ? WHERE id = ?",
                (at, error[:500], task.id),
            )
            self._bump(db, "retried")

    def fail(self, task: Task, now: float, error: str) -> None:
        with self._transaction(durable=False) as db:
            db.execute(
                "UPDATE tasks SET state = 'failed', finished = ?, last_error = ? WHERE id = ?",
                (now, error[:500], task.id),
            )
            self._release_next(db, task, now)
            self._bump(db, "failed")

    def counters(self) -> dict[str, int]:
        rows = self._db().execute("SELECT name, value FROM counters").fetchall()
        return {str(name): int(value) for name, value in rows}

    def pending(self) -> int:
        row = self._db().execute("SELECT COUNT(*) FROM tasks WHERE state = 'pending'").fetchone()
        return int(row[0])

    def tasks(self, state: str | None = None) -> list[dict[str, object]]:
        """Every task (or those in `state`), oldest first: for tests and troubleshooting."""
        db = self._db()
        cursor = db.execute(
            "SELECT * FROM tasks" + (" WHERE state = ?" if state else "") + " ORDER BY id",
            (state,) if state else (),
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def prune(self, before: float) -> None:
        """Forget finished tasks and deliveries older than `before`. A delivery id is kept as
        long as this, so a redelivery within that time is still recognised."""
        with self._transaction() as db:
            db.execute("DELETE FROM tasks WHERE state != 'pending' AND finished < ?", (before,))
            db.execute(
                "DELETE FROM deliveries WHERE received < ? AND id NOT IN "
                "(SELECT delivery FROM tasks)",
                (before,),
            )

    def check(self) -> None:
        """Raise sqlite3.Error if the database cannot be read (for /healthz)."""
        self._db().execute("SELECT 1 FROM counters LIMIT 1").fetchall()
