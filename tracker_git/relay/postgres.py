"""The queue in PostgreSQL: several relays (hosts, pods) on one database.

Driver: psycopg 3 (`pip install 'tracker-git[relay-postgres]'`). The URL comes from
`[server] database = "postgresql://user@host/db"`; a password is best left to PGPASSWORD or
~/.pgpass (libpq reads both). Use a database (or a schema, through `options=-csearch_path=`)
of its own: the tables are called deliveries, tasks, counters and meta.

- Durable before 2xx: an accepted delivery commits with synchronous_commit on (PostgreSQL
  groups concurrent commits into one WAL flush by itself); the worker's bookkeeping commits
  with synchronous_commit off, which a crash can only undo into repeating a move.
- Per-key order across relays: every transaction that adds or finishes tasks of a key takes
  a transaction-scoped advisory lock on the key first (several keys in hash order, so two
  relays never wait on each other in a circle).
- Time: leases and due times are on the server's clock (`clock_timestamp()`), so relays on
  hosts whose clocks disagree agree on when a claim lapses and a task is due.
- Claims: `FOR UPDATE SKIP LOCKED`, so relays claiming at once never take the same task and
  never wait for each other.
- New work is announced with NOTIFY on the channel `tracker_git_relay`; idle workers LISTEN
  instead of polling (they still wake for retries that come due).
- The schema is created and migrated by the relay under an advisory lock, so relays starting
  together do it once.
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from tracker_git.core.errors import ConfigError
from tracker_git.relay import migrations
from tracker_git.relay.queue import SqlQueue, describe

CHANNEL = "tracker_git_relay"
_LOCK_SPACE = 0x7467  # advisory lock class for per-key locks ("tg")
_MIGRATION_LOCK = 0x74670001
_POOL = 24  # idle connections kept per process: a worker's pool threads (16) and requests


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError(
            "[server] database names PostgreSQL, but its driver is not installed; "
            "pip install 'tracker-git[relay-postgres]' (psycopg 3)"
        ) from None
    return psycopg


def _dead(db: Any) -> bool:
    """An idle connection the server has closed: marked so, or with something to read (an
    idle session is sent nothing but the server's goodbye), found without a round trip."""
    if db.closed or db.broken:
        return True
    try:
        readable, _, _ = select.select([db.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _reason(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostgresQueue(SqlQueue):
    """A small pool of connections (per process: a fork starts its own), plus one LISTENing.
    The built-in server runs each request on a thread of its own: they borrow, not open."""

    param = "%s"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    # The server's clock, shared by every relay (never a host's own).
    now_sql = "extract(epoch from clock_timestamp())::float8"

    def __init__(self, url: str) -> None:
        self._psycopg = _driver()
        super().__init__(url)
        self.errors = (self._psycopg.Error, OSError)
        self._pool_lock = threading.Lock()
        self._idle: list[Any] = []
        self._pool_pid = os.getpid()
        self._listener: Any = None
        self._listener_pid = 0
        try:
            self._migrate()
        except self._psycopg.Error as exc:
            raise ConfigError(
                f"cannot open the relay's queue database {describe(url)} ({_reason(exc)}); "
                f"check [server] database, that the server runs and the user's rights"
            ) from None

    def _connect(self) -> Any:
        return self._psycopg.connect(
            self.database,
            autocommit=True,
            connect_timeout=10,
            application_name="tracker-git-relay",
        )

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A connection from the pool, back in it afterwards (closed if it broke)."""
        with self._pool_lock:
            if self._pool_pid != os.getpid():  # a forked child: the parent's are not ours
                self._idle, self._pool_pid = [], os.getpid()
            db = self._idle.pop() if self._idle else None
        if db is not None and _dead(db):
            db.close()  # the server ended it (a restart, a terminated session)
            self._drop_idle()  # and most likely the others too
            db = None
        if db is None:
            db = self._connect()
        try:
            yield db
        except BaseException as exc:
            db.close()
            if isinstance(exc, self._psycopg.OperationalError):
                # The server went away or restarted: the idle ones are as dead as this one.
                self._drop_idle()
            raise
        with self._pool_lock:
            if len(self._idle) < _POOL and self._pool_pid == os.getpid():
                self._idle.append(db)
                return
        db.close()

    def _migrate(self) -> None:
        """Bring the database to this relay's schema (relay/migrations/postgres) under an
        advisory lock, in one transaction; a newer database is refused untouched."""
        with self.reading() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            version = 0
            if db.execute("SELECT to_regclass('meta')").fetchone()[0] is not None:
                row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
                version = int(row[0]) if row else 0
            where = describe(self.database)
            for target, statements in migrations.pending("postgres", version, where):
                for statement in statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO meta(name, value) VALUES('schema', %s) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (target,),
                )

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Any]:
        with self.reading() as db, db.transaction():
            if not durable:
                db.execute("SET LOCAL synchronous_commit = off")
            yield db

    def lock_keys(self, db: Any, keys: Sequence[str]) -> None:
        if keys:
            db.execute(
                "SELECT pg_advisory_xact_lock(%s, h) FROM "
                "(SELECT DISTINCT hashtext(k) AS h FROM unnest(%s::text[]) AS k ORDER BY h) s",
                (_LOCK_SPACE, list(keys)),
            )

    def announce(self, db: Any) -> None:
        db.execute(f"NOTIFY {CHANNEL}")

    def wait(self, timeout: float) -> None:
        """Until a NOTIFY (from any relay) or `timeout`; a broken listener falls back to
        sleeping, and is opened again next time."""
        try:
            if self._listener is None or self._listener_pid != os.getpid():
                self._listener = self._connect()
                self._listener_pid = os.getpid()
                self._listener.execute(f"LISTEN {CHANNEL}")
            for _ in self._listener.notifies(timeout=max(timeout, 0.0), stop_after=1):
                pass
        except self._psycopg.Error:
            self._drop_listener()
            threading.Event().wait(timeout)

    def _drop_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and self._listener_pid == os.getpid():
            with suppress(self._psycopg.Error):
                listener.close()

    def _drop_idle(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
            mine = self._pool_pid == os.getpid()
        for db in idle if mine else ():
            with suppress(self._psycopg.Error):
                db.close()

    def close(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
            mine = self._pool_pid == os.getpid()
        for db in idle if mine else ():
            db.close()
        self._drop_listener()
