"""Typed task payloads: each kind survives the queue as what it was; a row that is not what
its action says fails at once, with a reason, instead of being retried for a day."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tracker_git.relay.config import RetrySettings
from tracker_git.relay.payloads import CommitStatusTask, MalformedTask, TransitionTask, decode
from tracker_git.relay.queue import Delivery, NewTask, open_queue
from tracker_git.relay.worker import Worker, is_permanent


def test_payloads_come_back_as_they_went_in(tmp_path: Path) -> None:
    queue = open_queue(str(tmp_path / "q.sqlite3"))
    status = CommitStatusTask(
        forge="github", repository="acme/app", sha="abc123", branch="DEV-1-x",
        link="https://github.com/acme/app/pull/7", keys=("DEV-1", "DEV-2"),
    )  # fmt: skip
    move = TransitionTask(issue="DEV-1", status="inReview")
    delivery = Delivery("github:1", "github", "opened", "github:sha256:1")
    assert queue.enqueue(delivery, [move.new_task(), status.new_task()], time.time())
    first, second = queue.claim_some(lease=60, limit=2)
    assert decode(first, TransitionTask) == move
    assert decode(second, CommitStatusTask) == status
    assert second.issue == "github:acme/app@abc123"  # ordered per commit, not per issue
    with pytest.raises(MalformedTask, match="is a 'commit_status' task, not 'transition'"):
        decode(second, TransitionTask)
    queue.close()


def test_a_malformed_task_fails_at_once(tmp_path: Path) -> None:
    queue = open_queue(str(tmp_path / "q.sqlite3"))
    delivery = Delivery("github:1", "github", "opened", "github:sha256:1")
    queue.enqueue(delivery, [NewTask(issue="DEV-1", status="")], time.time())
    retry = RetrySettings(first=1, cap=1, give_up=86400, poll=1, lease=5)

    def no_tracker() -> object:
        raise AssertionError("a malformed task must not reach Tracker")

    worker = Worker(queue, no_tracker, retry)  # type: ignore[arg-type]
    assert worker.step()
    failed = queue.tasks("failed")
    assert [t["last_error"] for t in failed] == ["task 1 (transition) has no issue or no status"]
    assert is_permanent(MalformedTask("x"))
    queue.close()
