"""Several relays on one queue, as real processes: deliveries spread over them, one killed
with SIGKILL mid-load and started again; nothing lost, nothing applied twice, each issue's
moves in order. On PostgreSQL (three relays, as on three hosts) and on SQLite (two processes
on one host). Also: a task in flight at a SIGKILL is taken back by the restarted relay at
once, not after its lease; SIGTERM gives back what it holds; JSON logs."""

from __future__ import annotations

import json
import signal
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    Relay,
    signed,
    start_relay_process,
    status_of,
    transitions,
    wait_until,
    write_config,
)
from tracker_git.relay.queue import open_queue

ISSUES = 60  # x 2 deliveries (opened, merged): 120 deliveries per run


def run_load(relays: list[Relay], config: Path, sandbox: SandboxHandle, database: str) -> None:
    keys = [sandbox.state.add_issue(f"load {n}", status="inProgress") for n in range(ISSUES)]
    lock = threading.Lock()
    sent = [0]
    killed = threading.Event()
    restarted = threading.Event()

    def post(body: bytes, headers: dict[str, str], start: int) -> None:
        """Like a forge behind a load balancer: on no answer, try the next relay (again)."""
        for attempt in range(200):
            relay = relays[(start + attempt) % len(relays)]
            try:
                answer = relay.post(body, headers=headers)
            except requests.ConnectionError:
                threading.Event().wait(0.05)
                continue
            assert answer.status_code in (200, 202), answer.text
            return
        pytest.fail("no relay took a delivery")

    def issue_flow(index: int) -> None:
        key = keys[index]
        for name in ("github-opened", "github-merged"):
            body, headers = signed(name, {"PROJ-123": key})
            post(body, headers, index)
            with lock:
                sent[0] += 1
                if sent[0] == ISSUES // 2 and not killed.is_set():
                    killed.set()

    def killer() -> None:
        killed.wait()
        victim = relays[0]
        assert victim.process is not None
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        relays[0] = start_relay_process(config)
        restarted.set()

    chaos = threading.Thread(target=killer)
    chaos.start()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(issue_flow, range(ISSUES)))
    chaos.join()
    assert restarted.is_set()

    queue = open_queue(database)
    try:
        wait_until(lambda: queue.pending() == 0, timeout=120)
        tasks = queue.tasks()
    finally:
        queue.close()
    # Nothing lost, nothing twice: one task per delivery, each done once.
    assert len(tasks) == 2 * ISSUES
    assert len({t["delivery"] for t in tasks}) == 2 * ISSUES
    assert {t["state"] for t in tasks} == {"done"}
    # Per-issue order: opened's move, then merged's; exactly two transitions per issue.
    moves: dict[str, list[str]] = defaultdict(list)
    for path in transitions(sandbox):
        moves[path.split("/")[3]].append(path.split("/")[5])
    for key in keys:
        assert status_of(sandbox, key) == "readyForTest", key
        assert len(moves[key]) == 2, (key, moves[key])
    first, second = {m[0] for m in moves.values()}, {m[1] for m in moves.values()}
    assert len(first) == 1 and len(second) == 1 and first != second


def start_all(config: Path, count: int) -> list[Relay]:
    return [start_relay_process(config) for _ in range(count)]


def stop_all(relays: list[Relay]) -> None:
    for relay in relays:
        assert relay.process is not None
        relay.process.terminate()
    for relay in relays:
        assert relay.process is not None
        relay.process.wait(timeout=30)


def test_three_relays_on_postgresql(
    tmp_path: Path, sandbox: SandboxHandle, postgres_url: str
) -> None:
    config = write_config(tmp_path, sandbox, database=postgres_url)
    relays = start_all(config, 3)
    try:
        run_load(relays, config, sandbox, postgres_url)
    finally:
        stop_all(relays)


def test_two_relay_processes_on_one_sqlite_file(tmp_path: Path, sandbox: SandboxHandle) -> None:
    config = write_config(tmp_path, sandbox)
    relays = start_all(config, 2)
    try:
        run_load(relays, config, sandbox, str(tmp_path / "queue" / "relay.sqlite3"))
    finally:
        stop_all(relays)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_task_in_flight_at_sigkill_is_taken_back_at_restart(
    tmp_path: Path, sandbox: SandboxHandle, request: pytest.FixtureRequest, backend: str
) -> None:
    """The lease is 300 s here: only the dead-holder check can bring the task back within
    the wait's bound."""
    database = request.getfixturevalue("postgres_url") if backend == "postgres" else "relay.sqlite3"
    config = write_config(
        tmp_path, sandbox, database=database, retry="first = 0.05\ncap = 0.2\nlease = 300\n"
    )
    where = database if backend == "postgres" else str(tmp_path / "relay.sqlite3")
    key = sandbox.state.add_issue("in flight", status="inReview")
    sandbox.inject(latency_ms=60_000)  # Tracker hangs: the task stays in flight
    relay = start_relay_process(config)
    assert relay.process is not None
    body, headers = signed("github-merged", {"PROJ-123": key})
    assert relay.post(body, headers=headers).status_code == 202
    queue = open_queue(where)
    try:
        wait_until(lambda: any(t["claimed_by"] for t in queue.tasks()))
        relay.process.send_signal(signal.SIGKILL)
        relay.process.wait()
        sandbox.inject(latency_ms=0)
        again = start_relay_process(config)
        assert again.process is not None
        try:
            wait_until(lambda: queue.pending() == 0, timeout=30)
            assert status_of(sandbox, key) == "readyForTest"
            assert len(transitions(sandbox)) == 1
            wait_until(lambda: any(f"{key} -> readyForTest" in line and line.endswith(": done\n")
                                   for line in again.log))  # fmt: skip
        finally:
            again.process.terminate()
            again.process.wait(timeout=30)
    finally:
        queue.close()


def test_sigterm_gives_back_what_it_holds_and_logs_are_json(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    config = write_config(
        tmp_path, sandbox, server='log_format = "json"\n', retry="first = 0.05\nlease = 300\n"
    )
    key = sandbox.state.add_issue("held", status="inReview")
    sandbox.inject(latency_ms=60_000)
    relay = start_relay_process(config)
    assert relay.process is not None
    # A pull request address with a line break: it must not start a log line of its own.
    body, headers = signed("github-merged", {"PROJ-123": key, '/pull/2"': '/pull/2\\nFAKE"'})
    assert relay.post(body, headers=headers).status_code == 202
    queue = open_queue(str(tmp_path / "queue" / "relay.sqlite3"))
    try:
        wait_until(lambda: any(t["claimed_by"] for t in queue.tasks()))
        relay.process.terminate()
        relay.process.wait(timeout=60)
        assert relay.process.returncode == 0
        [task] = queue.tasks()
        assert task["state"] == "pending" and task["claimed_by"] is None  # given back
    finally:
        queue.close()
    records = [json.loads(line) for line in relay.log if line.startswith("{")]
    assert not any(line.startswith("FAKE") for line in relay.log)
    [accepted] = [r for r in records if r.get("result") == "queued"]
    assert accepted["forge"] == "github" and accepted["keys"] == [key]
    assert accepted["pr"].endswith("/pull/2\nFAKE") and accepted["answer"] == 202
