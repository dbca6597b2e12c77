"""The durable queue behind one small interface, on SQLite (one host) or PostgreSQL (several).

`open_queue(database)` picks the backend: a `postgresql://` (or `postgres://`) URL is a
PostgreSQL database (tracker_git.relay.postgres), anything else a SQLite file
(tracker_git.relay.sqlite). Both keep the same promises:

- A delivery is durable before the forge is told "accepted" (`enqueue` returns after the
  commit is on disk). Deliveries are deduplicated by the forge's delivery id and by a hash of
  the signed body: a captured delivery sent again under a fresh id is still a duplicate.
- Tasks: one row per thing to do. `action` says what ("transition": move issue `issue` to
  `status`; later kinds put what else they need in `data`, JSON). `issue` is the order key:
  tasks of one key are done in the order their deliveries came (opened, then merged, never
  the other way round). Only the oldest pending task of a key has a `next_try`; the ones
  behind it wait with NULL and are released one by one as each finishes, so finding the next
  due task is one index lookup however long the queue.
- Claims: a worker claims a due task by writing its holder id (host:pid:start) and a
  heartbeat time into the row, and renews the heartbeat every lease/5 s while it works on it
  (`heartbeat` renews the claims it names, never every claim of the process: a claim whose
  work has ended lapses). A claim whose heartbeat is older than the lease, or whose holder is
  a dead process on this host, is free again: a task in flight when a relay was killed is
  taken back within seconds. `release_mine` returns what a stopping process holds.
- Fencing: every claim bumps the task's `token`. The worker checks it (`hold`, which also
  renews the lease) right before each side effect, and every write of an outcome (`done_all`,
  `retry`, `fail`) changes the row only where the token is still the claim's: a worker paused
  past its lease (SIGSTOP, a GC pause, a frozen VM) whose task was taken by another finds out
  and drops its result (counted as `fenced`) instead of writing over its successor's row.
- Time: leases, heartbeats and due times are on the database's clock (`now()`-like: SQLite's
  is this host's, PostgreSQL's the server's), read inside the transaction that uses it, never
  a worker's or intake's own clock, so hosts whose clocks disagree neither take live claims
  nor wait for work that is due. `clock` replaces it (tests). Received, created and finished
  times are the writer's own: only logs, give-up and pruning read them.
- Counters (what /metrics shows) are kept in memory and added to the database's `counters`
  table every few seconds, so a refused or ignored delivery costs no write.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

TRANSITION = "transition"


@dataclass(frozen=True)
class Delivery:
    """An accepted delivery: what dedup and the logs need."""

    id: str  # forge:delivery-id
    forge: str
    kind: str  # the review event (opened, merged, ...)
    body_hash: str  # forge:sha256 of the signed body
    pr: str = ""


@dataclass(frozen=True)
class NewTask:
    issue: str  # the order key: the issue, for a transition
    status: str = ""
    action: str = TRANSITION
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    id: int
    delivery: str
    action: str
    issue: str
    status: str
    kind: str
    pr: str
    created: float
    attempts: int  # tries so far, this one included
    data: Mapping[str, object] = field(default_factory=dict)
    token: int = 0  # the claim's fencing token: bumped on every claim of the task


def transitions(moves: Iterable[tuple[str, str]]) -> list[NewTask]:
    """(issue, status) pairs as transition tasks."""
    return [NewTask(issue=issue, status=status) for issue, status in moves]


def is_postgres(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def describe(database: str) -> str:
    """The database for messages and logs: a URL without its password (in the user part or
    as a `password=` parameter)."""
    if not is_postgres(database):
        return database
    scheme, _, rest = database.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if at:
        rest = f"{userinfo.partition(':')[0]}@{host}"
    address, question, query = rest.partition("?")
    if question:
        kept = [p for p in query.split("&") if not p.lower().startswith("password=")]
        address += "?" + "&".join(kept) if kept else ""
    return f"{scheme}://{address}"


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), "" elsewhere or if gone:
    with the pid it names one process, even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]


def _host() -> str:
    """This host as far as pids go: its name and its pid namespace (containers that share a
    host name but not their pids are different hosts here)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}{namespace}"


def holder_id() -> str:
    """This process: host:pid:start."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_time(pid)}"


def holder_alive(holder: str) -> bool:
    """False only when `holder` is a process of this host that is gone (or a new process
    under its pid); a holder on another host is judged by its heartbeat alone."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != _host():
        return True
    pid_text, started = parts[1], parts[2]
    if not pid_text.isdigit():
        return True
    now = _start_time(int(pid_text))
    if now:
        return now == started
    if sys.platform == "win32":
        return True  # Windows' os.kill(pid, 0) would end the process: the heartbeat judges
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return not started  # no /proc: a live pid is taken as the holder


class Counters:
    """Counts kept in memory (thread-safe) until `take` hands them to the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._since_start: dict[str, int] = {}  # this process's, never taken: /metrics

    def add(self, *names: str, by: int = 1) -> None:
        with self._lock:
            for name in names:
                self._counts[name] = self._counts.get(name, 0) + by
                self._since_start[name] = self._since_start.get(name, 0) + by

    def since_start(self) -> dict[str, int]:
        """What this process counted since it started (a Prometheus counter per process)."""
        with self._lock:
            return dict(self._since_start)

    def peek(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def take(self) -> dict[str, int]:
        with self._lock:
            counts, self._counts = self._counts, {}
            return counts

    def put_back(self, counts: Mapping[str, int]) -> None:
        """Counts `take` handed out that did not reach the database (counted once already)."""
        with self._lock:
            for name, value in counts.items():
                self._counts[name] = self._counts.get(name, 0) + value


_TASK_COLUMNS = "id, delivery, action, issue, status, kind, pr, created, attempts, data, token"


class SqlQueue(ABC):
    """The queue's SQL, shared by the backends. Statements use `?` placeholders; each backend
    provides transactions, its schema, per-key locking and waiting for new work (the abstract
    methods are what a backend must provide; the others it may)."""

    param = "?"
    skip_locked = ""  # PostgreSQL: FOR UPDATE SKIP LOCKED
    # The database's clock in seconds since the epoch (SQLite: this host's, to the ms).
    now_sql = "(julianday('now') - 2440587.5) * 86400.0"
    # What the database raises when it is down, full, read-only or otherwise unusable: the
    # intake answers 503 (try again later) for these, 500 for anything else (a bug).
    errors: tuple[type[BaseException], ...] = (OSError,)
    # Set in a process whose work is added by other processes only (`--worker-only`): then an
    # idle SQLite worker looks for their commits (PostgreSQL's NOTIFY reaches every process).
    watch_others = False

    def __init__(self, database: str) -> None:
        self.database = database
        self.local = Counters()
        # Held from taking this process's counts to their commit, and while reading: a
        # reader sees them either in memory or in the database, never in neither.
        self._counting = threading.Lock()
        self._holder = ""
        self._holder_pid = 0
        # Replaces the database's clock (tests drive time by hand).
        self.clock: Callable[[], float] | None = None

    # -- backend hooks: a backend provides the abstract ones; the others do nothing ------
    @abstractmethod
    def transaction(self, durable: bool = True) -> AbstractContextManager[Any]:
        """A write transaction on this thread's connection; a durable one is on disk when
        the block ends."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Any]:
        """A connection for reads outside a transaction."""

    def lock_keys(self, db: Any, keys: Sequence[str]) -> None:
        """Serialise writers touching the same order keys (SQLite's writers are serial)."""
        return

    def announce(self, db: Any) -> None:
        """Tell other processes there is new work (PostgreSQL: NOTIFY)."""
        return

    @abstractmethod
    def wait(self, timeout: float) -> None:
        """Return when new work may have arrived, or after `timeout` seconds."""

    def wake(self) -> None:
        """Make `wait` return now (a delivery accepted by this process)."""
        return

    def close(self) -> None:
        """Close this thread's connections."""
        return

    # -- helpers ----------------------------------------------------------------------
    @property
    def holder(self) -> str:
        if self._holder_pid != os.getpid():  # after a fork, the child is another holder
            self._holder, self._holder_pid = holder_id(), os.getpid()
        return self._holder

    def sql(self, statement: str) -> str:
        return statement if self.param == "?" else statement.replace("?", self.param)

    def run(self, db: Any, statement: str, params: Sequence[object] = ()) -> Any:
        return db.execute(self.sql(statement), tuple(params))

    @staticmethod
    def _task(row: Sequence[Any]) -> Task:
        data = json.loads(row[9]) if row[9] else {}
        return Task(
            id=int(row[0]),
            delivery=str(row[1]),
            action=str(row[2]),
            issue=str(row[3]),
            status=str(row[4]),
            kind=str(row[5]),
            pr=str(row[6]),
            created=float(row[7]),
            attempts=int(row[8]),
            data=data if isinstance(data, dict) else {},
            token=int(row[10]),
        )

    def db_now(self, db: Any) -> float:
        """The database's clock (or `clock`, in tests), in seconds since the epoch."""
        if self.clock is not None:
            return self.clock()
        return float(self.run(db, f"SELECT {self.now_sql}").fetchone()[0])

    # -- the interface ------------------------------------------------------------------
    def enqueue(self, delivery: Delivery, tasks: Sequence[NewTask], now: float) -> bool:
        """Store the delivery and its tasks (durably); False if it is a duplicate. `now` is
        when it was received (logs, pruning); the tasks are due at the database's now."""
        with self.transaction() as db:
            inserted = self.run(
                db,
                "INSERT INTO deliveries(id, forge, kind, received, hash) VALUES(?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (delivery.id, delivery.forge, delivery.kind, now, delivery.body_hash),
            ).rowcount
            if inserted != 1:
                self.local.add("received", "duplicate")
                return False
            self.lock_keys(db, sorted({t.issue for t in tasks}))
            due = self.db_now(db) if tasks else now
            for task in tasks:
                # Behind an earlier pending task of the same key: wait (NULL) for it.
                self.run(
                    db,
                    "INSERT INTO tasks(delivery, action, issue, status, data, kind, pr, created, "
                    "next_try) SELECT ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM "
                    "tasks WHERE issue = ? AND state = 'pending') THEN NULL ELSE ? END",
                    (delivery.id, task.action, task.issue, task.status,
                     json.dumps(dict(task.data)), delivery.kind, delivery.pr, now,
                     task.issue, due),
                )  # fmt: skip
            if tasks:
                self.announce(db)
        self.local.add("received")
        self.local.add("queued", by=len(tasks))
        return True

    def claim(self, now: float | None = None, lease: float = 5.0) -> Task | None:
        """The next due task not held by a live claim, claimed by this process; or None."""
        tasks = self.claim_some(now, lease, 1)
        return tasks[0] if tasks else None

    def claim_some(
        self, now: float | None = None, lease: float = 5.0, limit: int = 1
    ) -> list[Task]:
        """Up to `limit` due tasks not held by a live claim, claimed by this process in one
        transaction, oldest first, each with a new fencing token. They are of different keys:
        only the oldest pending task of a key is ever due. `now`: the database's clock."""
        with self.transaction(durable=False) as db:
            at = self.db_now(db) if now is None else now
            rows = self.run(
                db,
                "UPDATE tasks SET claimed_by = ?, heartbeat = ?, attempts = attempts + 1, "
                "token = token + 1 "
                "WHERE id IN (SELECT id FROM tasks WHERE state = 'pending' AND next_try <= ? "
                "AND (claimed_by IS NULL OR heartbeat < ?) ORDER BY next_try, id LIMIT ?"
                f"{self.skip_locked}) RETURNING {_TASK_COLUMNS}",
                (self.holder, at, at, at - lease, limit),
            ).fetchall()
        return sorted((self._task(row) for row in rows), key=lambda t: t.id)

    _MINE = "id = ? AND token = ? AND state = 'pending'"  # the claim is still this one

    def heartbeat(self, tasks: Iterable[Task], now: float | None = None) -> list[Task]:
        """Renew the claims on `tasks` (the ones this process is working on, no others: a
        claim whose work has ended must lapse); those no longer held come back."""
        tasks = list(tasks)
        if not tasks:
            return []
        lost: list[Task] = []
        with self.transaction(durable=False) as db:
            at = self.db_now(db) if now is None else now
            for task in tasks:
                renewed = self.run(
                    db,
                    f"UPDATE tasks SET heartbeat = ? WHERE {self._MINE} AND claimed_by = ?",
                    (at, task.id, task.token, self.holder),
                ).rowcount
                if renewed != 1:
                    lost.append(task)
        return lost

    def hold(self, task: Task) -> bool:
        """Whether this process still holds `task` (its fencing token unchanged), renewing
        the lease if so: asked right before each side effect."""
        return not self.heartbeat([task])

    def release_dead(self) -> int:
        """Free the claims of this host's processes that are gone; how many were freed."""
        with self.reading() as db:
            rows = self.run(
                db,
                "SELECT DISTINCT claimed_by FROM tasks WHERE claimed_by IS NOT NULL "
                "AND state = 'pending'",
            ).fetchall()
        dead = [str(r[0]) for r in rows if not holder_alive(str(r[0]))]
        return sum(self._release(holder) for holder in dead)

    def release_mine(self) -> int:
        """Give back what this process holds (a clean stop)."""
        return self._release(self.holder)

    def release(self, task: Task) -> bool:
        """Give back one claim (if still this one): the task is due again at once."""
        with self.transaction(durable=False) as db:
            count: int = self.run(
                db,
                f"UPDATE tasks SET claimed_by = NULL, heartbeat = NULL WHERE {self._MINE}",
                (task.id, task.token),
            ).rowcount
        return count == 1

    def _release(self, holder: str) -> int:
        with self.transaction(durable=False) as db:
            count: int = self.run(
                db,
                "UPDATE tasks SET claimed_by = NULL, heartbeat = NULL "
                "WHERE claimed_by = ? AND state = 'pending'",
                (holder,),
            ).rowcount
        return count

    def _finish(self, db: Any, key: str, due: float) -> None:
        """A task of `key` is finished: the key's next waiting task becomes due."""
        self.run(
            db,
            "UPDATE tasks SET next_try = ? WHERE id = (SELECT MIN(id) FROM tasks "
            "WHERE issue = ? AND state = 'pending') AND next_try IS NULL",
            (due, key),
        )

    def done(self, task: Task, now: float) -> bool:
        return not self.done_all([task], now)

    def done_all(self, tasks: Sequence[Task], now: float) -> list[Task]:
        """Mark tasks done in one transaction (each key's next task becomes due), each only
        if its claim is still the one it was done under; the others (fenced: another worker
        took them meanwhile) are left alone, counted, and returned."""
        if not tasks:
            return []
        stale: list[Task] = []
        with self.transaction(durable=False) as db:
            self.lock_keys(db, sorted({task.issue for task in tasks}))
            due = self.db_now(db)
            for task in tasks:
                marked = self.run(
                    db,
                    "UPDATE tasks SET state = 'done', finished = ?, last_error = '', "
                    f"claimed_by = NULL WHERE {self._MINE}",
                    (now, task.id, task.token),
                ).rowcount
                if marked == 1:
                    self._finish(db, task.issue, due)
                else:
                    stale.append(task)
            if len(stale) < len(tasks):
                self.announce(db)  # the issues' next tasks may be due: idle workers look
        if len(stale) < len(tasks):
            self.local.add("applied", by=len(tasks) - len(stale))
        if stale:
            self.local.add("fenced", by=len(stale))
        return stale

    def retry(self, task: Task, delay: float, error: str) -> bool:
        """Try the task again `delay` seconds from the database's now; False (counted as
        fenced) if the claim has passed to another worker."""
        with self.transaction(durable=False) as db:
            changed = self.run(
                db,
                "UPDATE tasks SET next_try = ?, last_error = ?, claimed_by = NULL "
                f"WHERE {self._MINE}",
                (self.db_now(db) + delay, error[:500], task.id, task.token),
            ).rowcount
        self.local.add("retried" if changed == 1 else "fenced")
        return bool(changed == 1)

    def fail(self, task: Task, now: float, error: str) -> bool:
        """Give the task up (its key's next task becomes due); False (counted as fenced) if
        the claim has passed to another worker."""
        with self.transaction(durable=False) as db:
            self.lock_keys(db, [task.issue])
            changed = self.run(
                db,
                "UPDATE tasks SET state = 'failed', finished = ?, last_error = ?, "
                f"claimed_by = NULL WHERE {self._MINE}",
                (now, error[:500], task.id, task.token),
            ).rowcount
            if changed == 1:
                self._finish(db, task.issue, self.db_now(db))
                self.announce(db)
        self.local.add("failed" if changed == 1 else "fenced")
        return bool(changed == 1)

    def due_in(self) -> float | None:
        """Seconds until the earliest unclaimed pending task is due, on the database's clock
        (None: none; 0 or less: due now)."""
        with self.reading() as db:
            # Claimed ones are in hand (here or elsewhere): a lapsed claim waits for the poll.
            row = self.run(
                db,
                "SELECT MIN(next_try) FROM tasks WHERE state = 'pending' AND claimed_by IS NULL",
            ).fetchone()
            if row is None or row[0] is None:
                return None
            return float(row[0]) - self.db_now(db)

    def flush_counters(self) -> None:
        """Add this process's counts to the shared ones."""
        with self._counting:
            counts = self.local.take()
            if not counts:
                return
            try:
                with self.transaction(durable=False) as db:
                    for name, value in sorted(counts.items()):
                        self.run(
                            db,
                            "INSERT INTO counters(name, value) VALUES(?, ?) ON CONFLICT(name) "
                            "DO UPDATE SET value = counters.value + excluded.value",
                            (name, value),
                        )
            except BaseException:
                self.local.put_back(counts)
                raise

    def counters(self) -> dict[str, int]:
        """The shared counts plus this process's not yet written."""
        with self._counting:
            with self.reading() as db:
                rows = self.run(db, "SELECT name, value FROM counters").fetchall()
            local = self.local.peek()
        totals = {str(name): int(value) for name, value in rows}
        for name, value in local.items():
            totals[name] = totals.get(name, 0) + value
        return totals

    def pending(self) -> int:
        with self.reading() as db:
            row = self.run(db, "SELECT COUNT(*) FROM tasks WHERE state = 'pending'").fetchone()
        return int(row[0])

    def tasks(self, state: str | None = None) -> list[dict[str, object]]:
        """Every task (or those in `state`), oldest first: for tests and troubleshooting."""
        with self.reading() as db:
            cursor = self.run(
                db,
                "SELECT * FROM tasks" + (" WHERE state = ?" if state else "") + " ORDER BY id",
                (state,) if state else (),
            )
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- operators' tools (git tracker relay tasks | retry | drop) -------------------------
    def recent(
        self,
        *,
        state: str | None = None,
        issue: str | None = None,
        forge: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, object]]:
        """The newest tasks first (up to `limit`), with their delivery's forge, filtered by
        state ("running": pending and claimed), issue and forge."""
        where, params = [], []
        if state == "running":
            where.append("state = 'pending' AND claimed_by IS NOT NULL")
        elif state:
            where.append("state = ?")
            params.append(state)
        if issue:
            where.append("issue = ?")
            params.append(issue)
        if forge:  # delivery ids are "forge:id": the ones between "forge:" and "forge;"
            where.append("delivery >= ? AND delivery < ?")
            params += [f"{forge}:", f"{forge};"]
        with self.reading() as db:
            cursor = self.run(
                db,
                "SELECT id, state, claimed_by, attempts, issue, status, action, kind, delivery, "
                "pr, created, finished, next_try, last_error FROM tasks"
                + (" WHERE " + " AND ".join(where) if where else "")
                + " ORDER BY id DESC LIMIT ?",
                (*params, limit),
            )
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for row in rows:
            row["forge"] = str(row["delivery"]).partition(":")[0]
        return rows

    def requeue(self, ids: Sequence[int] | None) -> tuple[list[int], list[tuple[int, str]]]:
        """Put failed tasks back in the queue (`ids`, or every failed one: None), due now,
        tries counted afresh. A task whose issue has a later task done or pending is left
        failed: applying it now would move the issue back. What was requeued, and what was
        not with why."""
        requeued: list[int] = []
        refused: list[tuple[int, str]] = []
        with self.transaction(durable=False) as db:
            if ids is None:
                rows = self.run(
                    db, "SELECT id, issue, state FROM tasks WHERE state = 'failed' ORDER BY id"
                ).fetchall()
            else:
                rows = []
                for task_id in sorted(set(ids)):
                    row = self.run(
                        db, "SELECT id, issue, state FROM tasks WHERE id = ?", (task_id,)
                    ).fetchone()
                    if row is None:
                        refused.append((task_id, "no such task (pruned, or never there)"))
                    else:
                        rows.append(row)
            self.lock_keys(db, sorted({str(row[1]) for row in rows}))
            due = self.db_now(db)
            for task_id, issue, state in rows:
                if state != "failed":
                    refused.append((int(task_id), f"it is {state}, not failed"))
                    continue
                later = self.run(
                    db,
                    "SELECT id FROM tasks WHERE issue = ? AND id > ? AND state IN "
                    "('done', 'pending') ORDER BY id LIMIT 1",
                    (issue, task_id),
                ).fetchone()
                if later is not None:
                    refused.append(
                        (int(task_id), f"a later task of {issue} (#{later[0]}) is done or pending")
                    )
                    continue
                self.run(
                    db,
                    "UPDATE tasks SET state = 'pending', attempts = 0, finished = NULL, "
                    "claimed_by = NULL, heartbeat = NULL, next_try = CASE WHEN EXISTS (SELECT 1 "
                    "FROM tasks WHERE issue = ? AND state = 'pending') THEN NULL ELSE ? END "
                    "WHERE id = ?",
                    (issue, due, task_id),
                )
                requeued.append(int(task_id))
            if requeued:
                self.announce(db)
        return requeued, refused

    def drop(self, task_id: int, now: float) -> str:
        """Give a pending or failed task up for good ("dropped"); its issue's next task
        becomes due, and a worker in the middle of it is fenced off. What it was, or "" when
        there is no such task; ValueError if it is done or dropped already."""
        with self.transaction(durable=False) as db:
            row = self.run(db, "SELECT issue, state FROM tasks WHERE id = ?", (task_id,)).fetchone()
            if row is None:
                return ""
            issue, state = str(row[0]), str(row[1])
            if state not in ("pending", "failed"):
                raise ValueError(f"task {task_id} is {state}: nothing to drop")
            self.lock_keys(db, [issue])
            self.run(
                db,
                "UPDATE tasks SET state = 'dropped', finished = ?, claimed_by = NULL, "
                "next_try = NULL, token = token + 1, last_error = CASE WHEN last_error = '' "
                "THEN 'dropped by an operator' ELSE last_error END WHERE id = ?",
                (now, task_id),
            )
            if state == "pending":
                self._finish(db, issue, self.db_now(db))
                self.announce(db)
        return state

    def prune(self, before: float) -> None:
        """Forget finished tasks and deliveries older than `before`. A delivery (id and body
        hash) is kept as long as this, so a redelivery within that time is still recognised."""
        with self.transaction(durable=False) as db:
            self.run(db, "DELETE FROM tasks WHERE state != 'pending' AND finished < ?", (before,))
            self.run(
                db,
                "DELETE FROM deliveries WHERE received < ? AND NOT EXISTS "
                "(SELECT 1 FROM tasks WHERE tasks.delivery = deliveries.id)",
                (before,),
            )

    def check(self) -> None:
        """Raise if the database cannot be read, or cannot take a write (for /healthz)."""
        with self.reading() as db:
            self.run(db, "SELECT 1 FROM counters LIMIT 1").fetchall()
        self.check_room()

    def check_room(self) -> None:
        """Raise if the storage cannot take a write (a full or read-only disk)."""
        return


def open_queue(database: str) -> SqlQueue:
    """The queue for `[server] database`: a PostgreSQL URL or a SQLite file path."""
    if is_postgres(database):
        from tracker_git.relay.postgres import PostgresQueue

        return PostgresQueue(database)
    from tracker_git.relay.sqlite import SqliteQueue

    return SqliteQueue(database)
