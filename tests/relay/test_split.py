"""Intake and worker in processes of their own, as real processes on both backends: relays
with `[server] worker = false` only accept deliveries, a `git tracker relay --worker-only`
process applies them. Every delivery applied exactly once and in order, an intake relay
SIGKILLed mid-load; a worker-only process SIGKILLed with a task in flight and started
again loses nothing."""

from __future__ import annotations

import signal
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
from tests.relay.test_instances import ISSUES, run_load, stop_all
from tracker_git.relay.queue import open_queue

INTAKE_ONLY = "worker = false\n"


def database_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(the config's database, the same as open_queue takes it)."""
    if backend == "postgres":
        url = str(request.getfixturevalue("postgres_url"))
        return url, url
    return "queue/relay.sqlite3", str(tmp_path / "queue" / "relay.sqlite3")


def done_lines(relay: Relay) -> list[str]:
    return [line for line in relay.log if line.rstrip().endswith(": done")]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_intake_only_relays_and_a_worker_process_apply_each_delivery_once_in_order(
    tmp_path: Path, sandbox: SandboxHandle, request: pytest.FixtureRequest, backend: str
) -> None:
    database, where = database_for(backend, request, tmp_path)
    config = write_config(tmp_path, sandbox, database=database, server=INTAKE_ONLY)
    intake = [start_relay_process(config) for _ in range(2)]
    worker = start_relay_process(config, worker_only=True)
    try:
        health = requests.get(intake[1].url + "/healthz", timeout=10)
        assert (health.status_code, health.text) == (200, "ok\n")
        run_load(intake, config, sandbox, where)  # kills intake[0] mid-load, starts it again
        # The worker process did every task, once; the intake relays none.
        wait_until(lambda: len(done_lines(worker)) >= 2 * ISSUES)
        assert len(done_lines(worker)) == 2 * ISSUES
        assert not any(done_lines(relay) for relay in intake)
    finally:
        stop_all([*intake, worker])
    assert worker.process is not None and worker.process.returncode == 0
    assert worker.log[-1] == "relay worker stopped\n"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_worker_process_killed_with_a_task_in_flight_loses_nothing(
    tmp_path: Path, sandbox: SandboxHandle, request: pytest.FixtureRequest, backend: str
) -> None:
    """Default lease and heartbeat. The intake keeps accepting while no worker runs."""
    database, where = database_for(backend, request, tmp_path)
    config = write_config(tmp_path, sandbox, database=database, server=INTAKE_ONLY, retry="")
    first, *later = [sandbox.state.add_issue(f"issue {n}", status="inReview") for n in range(4)]
    intake = start_relay_process(config)
    worker = start_relay_process(config, worker_only=True)
    assert worker.process is not None
    queue = open_queue(where)
    try:
        sandbox.inject(latency_ms=60_000)  # Tracker hangs: the task stays in flight
        body, headers = signed("github-merged", {"PROJ-123": first})
        assert intake.post(body, headers=headers).status_code == 202
        wait_until(lambda: any(t["claimed_by"] for t in queue.tasks()))
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait()
        sandbox.inject(latency_ms=0)
        for key in later:  # accepted with no worker running
            body, headers = signed("github-merged", {"PROJ-123": key})
            assert intake.post(body, headers=headers).status_code == 202
        assert queue.pending() == 4
        worker = start_relay_process(config, worker_only=True)
        wait_until(lambda: queue.pending() == 0)
        assert [status_of(sandbox, key) for key in (first, *later)] == ["readyForTest"] * 4
        assert len(transitions(sandbox)) == 4
        assert {t["state"] for t in queue.tasks()} == {"done"}
        # Each process adds its counts to the shared ones: the intake's, the worker's.
        wait_until(lambda: queue.counters().get("applied") == 4)
        wait_until(lambda: queue.counters().get("received") == 4)
    finally:
        queue.close()
        stop_all([intake, worker])


def test_an_idle_worker_process_notices_an_intake_processes_delivery(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    """SQLite: the worker process is told by nothing but the database (data_version); with a
    poll interval of 300 s only that can wake it within the wait's bound."""
    config = write_config(tmp_path, sandbox, server=INTAKE_ONLY, retry="poll = 300\n")
    key = sandbox.state.add_issue("noticed", status="inReview")
    intake = start_relay_process(config)
    worker = start_relay_process(config, worker_only=True)
    try:
        body, headers = signed("github-merged", {"PROJ-123": key})
        assert intake.post(body, headers=headers).status_code == 202
        wait_until(lambda: status_of(sandbox, key) == "readyForTest")
    finally:
        stop_all([intake, worker])
