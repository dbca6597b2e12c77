"""Operators' tools: `git tracker relay tasks`, `relay retry ID|--failed`, `relay drop ID`,
run as the command against a queue (SQLite and a real PostgreSQL) filled by the queue's own
interface."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import write_config
from tracker_git.relay.queue import Delivery, NewTask, SqlQueue, open_queue

GIT_TRACKER = str(Path(sys.executable).parent / "git-tracker")


@pytest.fixture(params=["sqlite", "postgres"])
def setup(
    request: pytest.FixtureRequest, tmp_path: Path, sandbox: SandboxHandle
) -> tuple[Path, SqlQueue]:
    if request.param == "sqlite":
        database = str(tmp_path / "queue" / "relay.sqlite3")
    else:
        database = request.getfixturevalue("postgres_url")
    config = write_config(tmp_path, sandbox, database=database)
    queue = open_queue(database)
    request.addfinalizer(queue.close)
    return config, queue


def relay(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIT_TRACKER, "relay", *args, "--config", str(config)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def add(queue: SqlQueue, name: str, issue: str, status: str, forge: str = "github") -> None:
    delivery = Delivery(f"{forge}:{name}", forge, "merged", f"{forge}:sha256:{name}")
    assert queue.enqueue(delivery, [NewTask(issue=issue, status=status)], time.time())


def test_tasks_lists_filters_and_escapes(setup: tuple[Path, SqlQueue]) -> None:
    config, queue = setup
    add(queue, "a", "DEV-1", "readyForTest")
    add(queue, "b", "DEV-2", "inReview", forge="gitlab")
    task = queue.claim(lease=60)
    assert task is not None and task.issue == "DEV-1"
    queue.fail(task, time.time(), "Tracker said \x1b[31mno\x1b[0m\nfake line")
    listed = relay(config, "tasks")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATE", "TRIES", "ISSUE", "STATUS", "EVENT", "FORGE",
                                "AGE", "LAST", "ERROR"]  # fmt: skip
    assert [line.split()[1] for line in lines[1:]] == ["pending", "failed"]  # newest first
    assert "\x1b" not in listed.stdout and "\\x1b[31mno" in listed.stdout
    assert len(lines) == 3  # the error's newline did not make a line of its own
    failed = relay(config, "tasks", "--state", "failed")
    assert [line.split()[3] for line in failed.stdout.splitlines()[1:]] == ["DEV-1"]
    gitlab = relay(config, "tasks", "--forge", "gitlab")
    assert [line.split()[3] for line in gitlab.stdout.splitlines()[1:]] == ["DEV-2"]
    assert relay(config, "tasks", "--issue", "DEV-9").stdout == "no tasks match\n"
    wrong = relay(config, "tasks", "--state", "stuck")
    assert wrong.returncode != 0 and "--state must be one of" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_retry_puts_failed_tasks_back_unless_a_later_one_moved_the_issue(
    setup: tuple[Path, SqlQueue],
) -> None:
    config, queue = setup
    add(queue, "a", "DEV-1", "inReview")
    add(queue, "b", "DEV-1", "readyForTest")
    add(queue, "c", "DEV-2", "inReview")
    first = queue.claim(lease=60)
    other = queue.claim(lease=60)
    assert first is not None and other is not None
    queue.fail(first, time.time(), "no transition")  # DEV-1's next task becomes due
    queue.fail(other, time.time(), "503")
    second = queue.claim(lease=60)
    assert second is not None and second.status == "readyForTest"
    queue.done(second, time.time())
    # DEV-1's first move failed, its later one is done: retrying would move it back.
    refused = relay(config, "retry", str(first.id))
    assert refused.returncode == 1
    assert f"task {first.id} not queued: a later task of DEV-1 (#{second.id})" in refused.stdout
    everything = relay(config, "retry", "--failed")
    assert f"task {other.id} queued again" in everything.stdout
    again = queue.claim(lease=60)
    assert again is not None and again.id == other.id and again.attempts == 1
    assert relay(config, "retry").returncode == 2  # neither ids nor --failed


def test_drop_gives_a_task_up_and_fences_its_worker(setup: tuple[Path, SqlQueue]) -> None:
    config, queue = setup
    add(queue, "a", "DEV-1", "inReview")
    add(queue, "b", "DEV-1", "readyForTest")
    held = queue.claim(lease=60)
    assert held is not None
    dropped = relay(config, "drop", str(held.id))
    assert dropped.returncode == 0 and f"task {held.id} dropped (it was pending)" in dropped.stdout
    assert not queue.hold(held)  # the worker holding it finds out before its side effect
    assert not queue.done(held, time.time())
    after = queue.claim(lease=60)
    assert after is not None and after.status == "readyForTest"  # the issue goes on
    again = relay(config, "drop", str(held.id))
    assert again.returncode != 0 and "is dropped: nothing to drop" in again.stderr
    missing = relay(config, "drop", "999999")
    assert missing.returncode != 0 and "no task 999999" in missing.stderr
    assert "Traceback" not in again.stderr + missing.stderr
