"""The durable queue, on both backends (SQLite and a real PostgreSQL): deduplication by id
and by body, per-key order, claims with heartbeats, dead holders, retries, persistence."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tracker_git.relay.config import RetrySettings
from tracker_git.relay.queue import Delivery, NewTask, SqlQueue, holder_alive, open_queue
from tracker_git.relay.worker import backoff

Opener = Callable[[], SqlQueue]


@pytest.fixture(params=["sqlite", "sqlite-fallbacks", "postgres"])
def opener(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Opener]:
    """Opens the test's database again on every call (a new process would do the same).
    sqlite-fallbacks: as on Windows (no flock shared between processes, no fchmod)."""
    if request.param == "sqlite-fallbacks":
        monkeypatch.setenv("TRACKER_GIT_FALLBACKS", "1")
        monkeypatch.delattr(os, "fchmod")
    if request.param.startswith("sqlite"):
        database = str(tmp_path / "sub" / "q.sqlite3")
    else:
        database = request.getfixturevalue("postgres_url")
    opened: list[SqlQueue] = []

    def open_it() -> SqlQueue:
        opened.append(open_queue(database))
        opened[-1].clock = lambda: 0.0  # the tests say the time of each claim and heartbeat
        return opened[-1]

    yield open_it
    for queue in opened:
        queue.close()


def delivery(name: str, kind: str = "merged", body: str = "") -> Delivery:
    return Delivery(f"github:{name}", "github", kind, f"github:sha256:{body or name}")


def moves(*pairs: tuple[str, str]) -> list[NewTask]:
    return [NewTask(issue=issue, status=status) for issue, status in pairs]


def test_same_delivery_is_stored_once_by_id_or_by_body(opener: Opener) -> None:
    q = opener()
    assert q.enqueue(delivery("a"), moves(("DEV-1", "readyForTest")), 100.0)
    assert not q.enqueue(delivery("a"), moves(("DEV-1", "readyForTest")), 101.0)
    # A captured body sent again under a fresh delivery id: the same body hash.
    assert not q.enqueue(delivery("fresh", body="a"), moves(("DEV-1", "readyForTest")), 102.0)
    assert len(q.tasks()) == 1
    assert q.counters() == {"received": 3, "queued": 1, "duplicate": 2}
    q.flush_counters()  # written to the database: the same numbers, for every process
    assert opener().counters() == {"received": 3, "queued": 1, "duplicate": 2}


def waiting_or_done(thread: threading.Thread, function: str) -> None:
    """Wait until `thread` has ended or stands still in `function` itself (blocked on its lock,
    not in a call it makes): its innermost Python frame is `function`'s, twice in a row."""
    deadline = time.monotonic() + 60  # a guard against a hang, not a measurement
    seen = 0
    while thread.is_alive() and seen < 2:
        assert time.monotonic() < deadline, f"{function} neither ended nor waited"
        frame = sys._current_frames().get(thread.ident or 0)
        seen = seen + 1 if frame is not None and frame.f_code.co_name == function else 0
        time.sleep(0.01)


def test_counts_being_written_are_never_missing_from_a_reading(opener: Opener) -> None:
    """/metrics reads the database plus this process's counts; a flush in between (its counts
    taken from memory, its transaction not yet committed) must not make them vanish."""
    q, blocker = opener(), opener()
    q.local.add("applied", by=4)
    upsert = (
        "INSERT INTO counters(name, value) VALUES(?, 0) ON CONFLICT(name) "
        "DO UPDATE SET value = counters.value"
    )
    read: list[dict[str, int]] = []
    with blocker.transaction(durable=False) as db:
        blocker.run(db, upsert, ("applied",))  # the flush's write waits for this one
        flushing = threading.Thread(target=q.flush_counters)
        flushing.start()
        while q.local.peek():  # taken from memory, not yet in the database
            time.sleep(0.01)
        reading = threading.Thread(target=lambda: read.append(q.counters()))
        reading.start()
        # With the counts in neither place, the reading ends here, wrong; right, it waits for
        # the flush inside counters() (no timed join: on a busy machine either is observed).
        waiting_or_done(reading, "counters")
    flushing.join()
    reading.join()
    assert read == [{"applied": 4}]


def test_tasks_survive_a_new_connection(opener: Opener) -> None:
    opener().enqueue(delivery("a"), moves(("DEV-1", "s"), ("DEV-2", "s")), 1.0)
    again = opener()
    assert [t["issue"] for t in again.tasks("pending")] == ["DEV-1", "DEV-2"]
    assert [t["action"] for t in again.tasks("pending")] == ["transition", "transition"]
    assert again.pending() == 2


def test_other_task_actions_carry_their_data(opener: Opener) -> None:
    q = opener()
    task = NewTask(issue="repo@abc", status="success", action="commit_status", data={"n": 1})
    q.enqueue(delivery("a"), [task], 1.0)
    claimed = q.claim(now=2.0, lease=5)
    assert claimed is not None
    assert (claimed.action, claimed.issue, claimed.status, dict(claimed.data)) == (
        "commit_status", "repo@abc", "success", {"n": 1},
    )  # fmt: skip


def test_one_issue_moves_in_delivery_order(opener: Opener) -> None:
    """While an issue's earlier move waits for a retry, its later moves wait too."""
    q = opener()
    q.enqueue(delivery("1", "opened"), moves(("DEV-1", "inReview")), 10.0)
    q.enqueue(delivery("2", "merged"), moves(("DEV-1", "readyForTest")), 11.0)
    q.enqueue(delivery("3", "merged"), moves(("DEV-2", "readyForTest")), 12.0)
    first = q.claim(now=20.0, lease=60)
    assert first is not None
    assert (first.issue, first.status, first.attempts) == ("DEV-1", "inReview", 1)
    q.retry(first, delay=50.0, error="503")
    other = q.claim(now=21.0, lease=60)
    assert other is not None and other.issue == "DEV-2"  # not DEV-1's second move
    assert q.claim(now=22.0, lease=60) is None
    again = q.claim(now=50.0, lease=60)
    assert again is not None and again.id == first.id and again.attempts == 2
    q.done(again, 51.0)
    second = q.claim(now=52.0, lease=60)
    assert second is not None and second.status == "readyForTest"


def test_a_batch_claims_the_first_task_of_each_issue_and_is_done_together(
    opener: Opener,
) -> None:
    """Several due tasks in one claim: never two of one issue; done together, each issue's
    next task becomes due; another process gets none of what the batch holds."""
    q = opener()
    q.enqueue(delivery("1", "opened"), moves(("DEV-1", "inReview"), ("DEV-2", "inReview")), 10.0)
    q.enqueue(delivery("2", "merged"), moves(("DEV-1", "readyForTest")), 11.0)
    q.enqueue(delivery("3", "merged"), moves(("DEV-3", "readyForTest")), 12.0)
    batch = q.claim_some(now=20.0, lease=60, limit=8)
    assert [(t.issue, t.status) for t in batch] == [
        ("DEV-1", "inReview"), ("DEV-2", "inReview"), ("DEV-3", "readyForTest"),
    ]  # fmt: skip
    assert opener().claim_some(now=21.0, lease=60, limit=8) == []
    assert q.claim_some(now=21.0, lease=60, limit=1) == []  # DEV-1's second move waits
    q.done_all(batch[:2], 22.0)
    after = q.claim_some(now=23.0, lease=60, limit=8)
    assert [(t.issue, t.status) for t in after] == [("DEV-1", "readyForTest")]
    assert len(q.claim_some(now=24.0, lease=60, limit=8)) == 0
    assert [t["state"] for t in q.tasks()] == ["done", "done", "pending", "pending"]


def test_a_claim_lives_as_long_as_its_heartbeat(opener: Opener) -> None:
    q = opener()
    q.enqueue(delivery("1"), moves(("DEV-1", "readyForTest")), 10.0)
    claimed = q.claim(now=10.0, lease=5)
    assert claimed is not None
    other = opener()
    assert other.claim(now=14.0, lease=5) is None
    q.heartbeat([claimed], now=14.0)  # the holder is alive and says so
    assert other.claim(now=18.0, lease=5) is None
    # The heartbeat stops (a frozen or killed holder on another host): free after the lease.
    back = other.claim(now=19.5, lease=5)
    assert back is not None and back.id == claimed.id and back.attempts == 2


def test_a_dead_holder_on_this_host_is_released_at_once(opener: Opener) -> None:
    """A relay killed with its task claimed: the next start frees the claim without waiting
    for the lease."""
    q = opener()
    q.enqueue(delivery("1"), moves(("DEV-1", "readyForTest")), 10.0)
    child = subprocess.run(
        [sys.executable, "-c", "from tracker_git.relay.queue import holder_id; print(holder_id())"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    dead = child.stdout.strip()  # that process has exited
    assert not holder_alive(dead)
    assert holder_alive(q.holder)
    assert holder_alive("another-host:1:1")  # judged by its heartbeat only
    with q.transaction(durable=False) as db:
        q.run(db, "UPDATE tasks SET claimed_by = ?, heartbeat = ?", (dead, 10.0))
    assert q.claim(now=11.0, lease=300) is None
    assert q.release_dead() == 1
    back = q.claim(now=11.0, lease=300)
    assert back is not None and back.issue == "DEV-1"


def test_release_mine_gives_back_what_a_stopping_process_holds(opener: Opener) -> None:
    q = opener()
    q.enqueue(delivery("1"), moves(("DEV-1", "s")), 10.0)
    assert q.claim(now=10.0, lease=300) is not None
    assert opener().claim(now=11.0, lease=300) is None
    assert q.release_mine() == 1
    assert opener().claim(now=11.0, lease=300) is not None


def test_done_failed_counters_and_prune(opener: Opener) -> None:
    q = opener()
    q.enqueue(delivery("1"), moves(("DEV-1", "s"), ("DEV-2", "s")), 10.0)
    a, b = q.claim(10.0, 5), q.claim(10.0, 5)
    assert a is not None and b is not None
    q.done(a, 11.0)
    q.fail(b, 11.0, "no transition")
    assert q.pending() == 0
    assert q.counters() == {"received": 1, "queued": 2, "applied": 1, "failed": 1}
    assert q.tasks("failed")[0]["last_error"] == "no transition"
    q.prune(before=12.0)
    assert q.tasks() == []
    # The delivery (id and body) is forgotten with its tasks, not before.
    assert q.enqueue(delivery("1"), moves(("DEV-1", "s")), 13.0)


def test_sqlite_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        q = open_queue(str(tmp_path / "state" / "relay.sqlite3"))
        q.enqueue(delivery("1"), moves(("DEV-1", "s")), 1.0)
    finally:
        os.umask(old)
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700
    files = sorted(p.name for p in (tmp_path / "state").iterdir())
    assert "relay.sqlite3" in files and "relay.sqlite3-wal" in files
    for name in files:
        assert (tmp_path / "state" / name).stat().st_mode & 0o777 == 0o600, name


def test_an_old_sqlite_file_is_migrated(tmp_path: Path) -> None:
    """A queue file from before claims and body hashes: its pending task is kept and done."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE deliveries (id TEXT PRIMARY KEY, forge TEXT NOT NULL, "
            "kind TEXT NOT NULL, received REAL NOT NULL);"
            "CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, delivery TEXT NOT NULL, "
            "issue TEXT NOT NULL, status TEXT NOT NULL, kind TEXT NOT NULL, "
            "pr TEXT NOT NULL DEFAULT '', created REAL NOT NULL, next_try REAL, "
            "attempts INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending', "
            "last_error TEXT NOT NULL DEFAULT '', finished REAL);"
            "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
            "INSERT INTO deliveries VALUES ('github:x', 'github', 'merged', 1.0);"
            "INSERT INTO tasks(delivery, issue, status, kind, created, next_try) "
            "VALUES ('github:x', 'DEV-1', 'readyForTest', 'merged', 1.0, 1.0);"
        )
    q = open_queue(str(path))
    task = q.claim(now=2.0, lease=5)
    assert task is not None and (task.action, task.issue) == ("transition", "DEV-1")
    assert not q.enqueue(delivery("x"), moves(("DEV-1", "s")), 3.0)  # still known


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    retry = RetrySettings(first=2, cap=60, give_up=86400, poll=1, lease=60)
    assert [backoff(n, retry, rng=lambda: 1.0) for n in (1, 2, 3, 6, 7, 50)] == [
        2, 4, 8, 60, 60, 60,
    ]  # fmt: skip
    assert backoff(3, retry, rng=lambda: 0.0) == 4  # at least half of the full pause


def test_postgresql_wakes_idle_workers_with_notify(postgres_url: str) -> None:
    """An idle worker waits on LISTEN, not on a timer: a delivery accepted by another relay
    ends its wait at once (the wait here is 120 s; the join gives up after 60)."""
    import threading

    idle, other = open_queue(postgres_url), open_queue(postgres_url)
    try:
        idle.wait(0)  # LISTEN from now on
        waiter = threading.Thread(target=idle.wait, args=(120,))
        waiter.start()
        other.enqueue(delivery("n"), moves(("DEV-1", "s")), 1.0)
        waiter.join(60)
        assert not waiter.is_alive()
    finally:
        idle.close()
        other.close()
