"""The durable queue: deduplication, per-issue order, claims, retries, persistence."""

from __future__ import annotations

from pathlib import Path

from tracker_git.relay.config import RetrySettings
from tracker_git.relay.events import ReviewEvent
from tracker_git.relay.queue import Queue
from tracker_git.relay.worker import backoff


def event(delivery: str, kind: str = "merged", keys: tuple[str, ...] = ("DEV-1",)) -> ReviewEvent:
    return ReviewEvent("github", kind, keys, f"github:{delivery}")


def test_same_delivery_is_stored_once(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q.sqlite3"))
    assert q.enqueue(event("a"), [("DEV-1", "readyForTest")], 100.0)
    assert not q.enqueue(event("a"), [("DEV-1", "readyForTest")], 101.0)
    assert not q.enqueue(event("a"), [("DEV-1", "readyForTest")], 102.0)
    assert len(q.tasks()) == 1
    assert q.counters() == {"queued": 1, "duplicate": 2}


def test_tasks_survive_a_new_connection(tmp_path: Path) -> None:
    path = str(tmp_path / "sub" / "q.sqlite3")  # the folder is created
    Queue(path).enqueue(event("a", keys=("DEV-1", "DEV-2")), [("DEV-1", "s"), ("DEV-2", "s")], 1.0)
    again = Queue(path)
    assert [t["issue"] for t in again.tasks("pending")] == ["DEV-1", "DEV-2"]
    assert again.pending() == 2


def test_one_issue_moves_in_delivery_order(tmp_path: Path) -> None:
    """While an issue's earlier move waits for a retry, its later moves wait too."""
    q = Queue(str(tmp_path / "q.sqlite3"))
    q.enqueue(event("1", "opened"), [("DEV-1", "inReview")], 10.0)
    q.enqueue(event("2", "merged"), [("DEV-1", "readyForTest")], 11.0)
    q.enqueue(event("3", "merged", ("DEV-2",)), [("DEV-2", "readyForTest")], 12.0)
    first = q.claim(now=20.0, lease=60)
    assert first is not None and (first.issue, first.status, first.attempts) == (
        "DEV-1",
        "inReview",
        1,
    )
    q.retry(first, at=50.0, error="503")
    other = q.claim(now=21.0, lease=60)
    assert other is not None and other.issue == "DEV-2"  # not DEV-1's second move
    assert q.claim(now=22.0, lease=60) is None
    again = q.claim(now=50.0, lease=60)
    assert again is not None and again.id == first.id and again.attempts == 2
    q.done(again, 51.0)
    second = q.claim(now=52.0, lease=60)
    assert second is not None and second.status == "readyForTest"


def test_a_claim_is_a_lease_that_runs_out(tmp_path: Path) -> None:
    """A worker killed mid-try leaves its task claimed; the lease ends and it comes back."""
    q = Queue(str(tmp_path / "q.sqlite3"))
    q.enqueue(event("1"), [("DEV-1", "readyForTest")], 10.0)
    claimed = q.claim(now=10.0, lease=30)
    assert claimed is not None
    assert Queue(q.path).claim(now=39.0, lease=30) is None
    back = Queue(q.path).claim(now=40.0, lease=30)
    assert back is not None and back.id == claimed.id and back.attempts == 2


def test_done_failed_counters_and_prune(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q.sqlite3"))
    q.enqueue(event("1", keys=("DEV-1", "DEV-2")), [("DEV-1", "s"), ("DEV-2", "s")], 10.0)
    a, b = q.claim(10.0, 5), q.claim(10.0, 5)
    assert a is not None and b is not None
    q.done(a, 11.0)
    q.fail(b, 11.0, "no transition")
    assert q.pending() == 0
    assert q.counters() == {"queued": 2, "applied": 1, "failed": 1}
    assert q.tasks("failed")[0]["last_error"] == "no transition"
    q.prune(before=12.0)
    assert q.tasks() == []
    # The delivery id is forgotten with its tasks, not before.
    assert q.enqueue(event("1"), [("DEV-1", "s")], 13.0)


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    retry = RetrySettings(first=2, cap=60, give_up=86400, poll=1, lease=60)
    assert [backoff(n, retry, rng=lambda: 1.0) for n in (1, 2, 3, 6, 7, 50)] == [
        2, 4, 8, 60, 60, 60,
    ]  # fmt: skip
    assert backoff(3, retry, rng=lambda: 0.0) == 4  # at least half of the full pause
