"""The queue in a SQLite file: one host, any number of processes sharing it.

Group commit: every transaction commits with synchronous=NORMAL (written to the WAL, not yet
fsync'd); a durable one (an accepted delivery, or a duplicate of one) then calls `_sync`,
which fsyncs the WAL unless another process or thread already did after this commit. Commits
are numbered by the tasks' AUTOINCREMENT sequence (never reused), read inside the durable
transaction; the highest number known to be on disk sits in the file `<database>-sync`, read
and written under an exclusive lock on that file; a thread that finds its commit
already covered by an fsync of its own process returns without touching the file. Deliveries
that arrive together wait for one fsync instead of one each, and none is answered before its
own commit is on disk. The threads of one process take turns for writing on a lock of their own
(SQLite would make them poll for its write lock, sleeping between tries). Leases and due times are on SQLite's clock, which is this host's: a SQLite queue has one host.
The worker's bookkeeping (claim, heartbeat, done, retry) needs no fsync: a
claim lost to a power cut is claimed again and a "done" lost is applied again, which moves an
issue to the status it has (a success).

The file, its -wal, -shm and -sync companions are created 0600 and a folder the relay
creates 0700, whatever the umask: the queue holds pull-request addresses and issue keys.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tracker_git.core import portable
from tracker_git.core.errors import ConfigError
from tracker_git.relay import migrations
from tracker_git.relay.queue import SqlQueue

try:
    import fcntl
except ImportError:  # Windows: no shared record of what is on disk (see _sync)
    fcntl = None  # type: ignore[assignment]
# fdatasync where there is one (not macOS, not Windows), else fsync; Windows' needs a file
# opened for writing.
_DATASYNC = getattr(os, "fdatasync", os.fsync)
_SYNC_OPEN = os.O_RDONLY if hasattr(os, "fdatasync") else os.O_RDWR

_PRIVATE = 0o600
# Less free space than this in the database's folder and /healthz says not ok: a delivery
# would fail to commit (an accepted one is at most max_body, 1 MiB by default, plus its WAL).
LOW_SPACE = 4 * 1024 * 1024
_LOOK = 0.02  # seconds between looks for other processes' commits while waiting


def _create_private(path: str) -> None:
    """Create `path` 0600 if missing; make an existing one 0600."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | portable.BINARY, _PRIVATE)
    try:
        portable.chmod_open(fd, path, _PRIVATE)
    finally:
        os.close(fd)


class StorageFull(OSError):
    """The disk holding the queue is full or read-only."""


class SqliteQueue(SqlQueue):
    """One SQLite file; a connection per thread (and per process, after a fork)."""

    errors = (sqlite3.Error, OSError)

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path
        self._local = threading.local()
        self._wakeup = threading.Event()
        self._sync_lock = threading.Lock()
        self._sync_fd = -1
        self._sync_pid = 0
        self._synced = 0  # the highest commit number this process knows to be on disk
        # Processes share what is on disk through a locked -sync file (flock); without fcntl
        # (Windows, or the fallbacks asked for) each process fsyncs its own commits: as safe,
        # more fsyncs when several processes write.
        self._shared_sync = fcntl is not None and not portable.fallbacks()
        self._write_lock = threading.Lock()
        if sqlite3.sqlite_version_info < (3, 35):
            raise ConfigError(
                f"the relay's SQLite queue needs SQLite 3.35 or newer (RETURNING); this Python "
                f"has {sqlite3.sqlite_version}: use a newer Python, or PostgreSQL"
            )
        folder = os.path.dirname(path)
        try:
            if folder and not os.path.isdir(folder):
                os.makedirs(folder, mode=0o700, exist_ok=True)
                os.chmod(folder, 0o700)
            _create_private(path)
            self._migrate()
            self._sync(0)  # also: a -sync file older than a rebuilt database is reset
            for suffix in ("-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.chmod(path + suffix, _PRIVATE)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the relay's queue database {path} ({exc}); "
                f"check [server] database and the folder's permissions"
            ) from None

    def _migrate(self) -> None:
        """Bring the file to this relay's schema (relay/migrations/sqlite), in one transaction,
        so processes starting together do not trip over each other; a newer file is refused
        untouched."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            for version, statements in migrations.pending("sqlite", self._version(db), self.path):
                for statement in statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO meta(name, value) VALUES('schema', ?) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (version,),
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @staticmethod
    def _version(db: sqlite3.Connection) -> int:
        """The file's schema: meta's, else 1 for a file of the first queue (tables, no meta),
        else 0 (a new file)."""
        tables = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "meta" in tables:
            row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if row:
                return int(row[0])
        return 1 if "tasks" in tables else 0

    def connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            self._local.pid = os.getpid()
        return db

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        yield self.connection()

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        db = self.connection()
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                seq = self._sequence(db) if durable else 0
            except BaseException:
                db.execute("ROLLBACK")
                raise
            try:
                db.execute("COMMIT")
            except BaseException:  # a full disk: never leave the connection in a transaction
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        if durable:
            self._sync(seq)

    @staticmethod
    def _sequence(db: sqlite3.Connection) -> int:
        """The newest task's number as this connection sees it (a commit's position)."""
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'tasks'").fetchone()
        return int(row[0]) if row else 0

    def _sync_file(self) -> int:
        if self._sync_fd < 0 or self._sync_pid != os.getpid():
            self._sync_fd = os.open(self.path + "-sync", os.O_RDWR | os.O_CREAT, _PRIVATE)
            portable.chmod_open(self._sync_fd, self.path + "-sync", _PRIVATE)
            self._sync_pid = os.getpid()
        return self._sync_fd

    def _sync(self, seq: int) -> None:
        """Return once commit number `seq` is on disk, fsyncing only if nobody has yet."""
        with self._sync_lock:  # threads of this process share the lock file's descriptor
            if self._sync_pid != os.getpid():
                self._synced = 0  # a forked child knows nothing yet
            elif 0 < seq <= self._synced:
                return  # a thread of this process fsync'd after this commit
            if not self._shared_sync:
                self._sync_pid = os.getpid()
                latest = self._sequence(self.connection())
                self._fsync_wal()
                self._synced = latest
                return
            fd = self._sync_file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                text = os.pread(fd, 32, 0).strip()
                synced = int(text) if text.isdigit() else 0
                latest = self._sequence(self.connection())
                if 0 < seq <= synced <= latest:
                    self._synced = synced
                    return
                # Everything committed up to now goes to disk with this one fsync.
                self._fsync_wal()
                os.pwrite(fd, str(latest).encode().ljust(20), 0)
                self._synced = latest
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _fsync_wal(self) -> None:
        for name in (self.path + "-wal", self.path):
            try:
                fd = os.open(name, _SYNC_OPEN | portable.BINARY)
            except FileNotFoundError:
                continue  # no WAL (checkpointed and removed): the database file holds all
            try:
                _DATASYNC(fd)
            finally:
                os.close(fd)
            return

    def check_room(self) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        stat = os.statvfs(folder)
        if stat.f_flag & os.ST_RDONLY or not os.access(self.path, os.W_OK):
            raise StorageFull(f"{folder} is read-only")
        if stat.f_bavail * stat.f_frsize < LOW_SPACE:
            free = stat.f_bavail * stat.f_frsize // 1024
            raise StorageFull(f"{folder} has {free} KiB free")

    def wait(self, timeout: float) -> None:
        """Until this process wakes us (its intake accepted a delivery) or `timeout` passes;
        with `watch_others` also until another process commits (SQLite's `data_version`,
        looked at every _LOOK seconds: how intake-only relays tell a worker process of new
        work; each look costs an idle worker about 0.2 ms of CPU, so only there)."""
        if not self.watch_others:
            self._wakeup.wait(timeout)
            self._wakeup.clear()
            return
        db = self.connection()
        seen = db.execute("PRAGMA data_version").fetchone()
        deadline = time.monotonic() + timeout
        while not self._wakeup.wait(min(_LOOK, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline or db.execute("PRAGMA data_version").fetchone() != seen:
                break
        self._wakeup.clear()

    def wake(self) -> None:
        self._wakeup.set()

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None and getattr(self._local, "pid", None) == os.getpid():
            db.close()
        self._local.db = None
