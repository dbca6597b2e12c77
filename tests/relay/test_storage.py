"""Storage trouble (issue 26, item 3), for real: a relay process whose SQLite queue sits on a
small tmpfs that fills up or turns read-only, and one whose PostgreSQL database stops taking
connections (its sessions killed, so the pool holds dead ones). The intake answers 503 with
Retry-After (not 500, no traceback), /healthz says not ok, and both recover by themselves."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from testing.disk import fill, read_only, small_disk
from testing.postgres import PostgresServer
from testing.servers import SandboxHandle
from tests.relay.helpers import (
    Relay,
    seed_issue,
    signed,
    start_relay_process,
    status_of,
    stop_relay_process,
    wait_until,
    write_config,
)


def _deliver(relay: Relay, key: str = "PROJ-123") -> requests.Response:
    body, headers = signed("github-opened", {"PROJ-123": key})
    return requests.post(relay.url + "/webhook", data=body, headers=headers, timeout=30)


def _health(relay: Relay) -> int:
    return requests.get(relay.url + "/healthz", timeout=30).status_code


def _intake_tracebacks(log: str) -> list[str]:
    """Log records with a traceback, but the worker's (its own storage trouble is the
    worker's business, see issue 26 item 2)."""
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d )", log)
    return [r for r in records if "Traceback" in r and "relay worker:" not in r]


def _refused_as_unavailable(answer: requests.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"].isdigit()
    assert "try again later" in answer.json()["error"]


def test_a_full_disk_is_503_and_not_ok_until_there_is_room(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    with small_disk(tmp_path / "disk", "8m") as disk:
        config = write_config(
            tmp_path, sandbox, database=f"{disk}/relay.sqlite3", statuses={"opened": "inProgress"}
        )
        seed_issue(sandbox, "PROJ-1", "open")
        relay = start_relay_process(config)
        try:
            assert _deliver(relay, "PROJ-1").status_code == 202
            filler = fill(disk)
            wait_until(lambda: _health(relay) == 503)
            assert requests.get(relay.url + "/healthz", timeout=30).text == "not ok\n"
            answers = [_deliver(relay, f"PROJ-{n}") for n in range(2, 40)]
            assert {a.status_code for a in answers} <= {202, 503}
            _refused_as_unavailable(next(a for a in answers if a.status_code != 202))
            filler.unlink()
            wait_until(lambda: _health(relay) == 200)
            assert _deliver(relay, "PROJ-40").status_code == 202
            # Accepted before the disk filled: applied once there is room again (a claim the
            # worker could not record is taken again after its lease, never lost).
            wait_until(lambda: status_of(sandbox, "PROJ-1") == "inProgress")
        finally:
            log = stop_relay_process(relay)
    assert _intake_tracebacks(log) == [], log
    assert "disk is full" in log or "KiB free" in log, log


def test_a_read_only_disk_is_not_ok_until_writable(tmp_path: Path, sandbox: SandboxHandle) -> None:
    with small_disk(tmp_path / "disk", "16m") as disk:
        config = write_config(tmp_path, sandbox, database=f"{disk}/relay.sqlite3")
        relay = start_relay_process(config)
        try:
            assert _deliver(relay).status_code == 202
            read_only(disk, True)
            wait_until(lambda: _health(relay) == 503)
            answer = _deliver(relay, "PROJ-2")  # the open database file still takes it
            if answer.status_code != 202:
                _refused_as_unavailable(answer)
            read_only(disk, False)
            wait_until(lambda: _health(relay) == 200)
            assert _deliver(relay, "PROJ-3").status_code == 202
        finally:
            log = stop_relay_process(relay)
    assert _intake_tracebacks(log) == [], log


def test_a_database_that_takes_no_connections_is_503_and_the_pool_recovers(
    tmp_path: Path, sandbox: SandboxHandle, postgres_server: PostgresServer, postgres_url: str
) -> None:
    name = postgres_url.split("///", 1)[1].split("?", 1)[0]
    config = write_config(tmp_path, sandbox, database=postgres_url)
    relay = start_relay_process(config)
    try:
        # Several deliveries at once: several connections in the relay's pool.
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda n: _deliver(relay, f"PROJ-{n}"), range(1, 17)))
        assert {a.status_code for a in answers} == {202}
        postgres_server.admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        postgres_server.admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )
        wait_until(lambda: _health(relay) == 503)
        _refused_as_unavailable(_deliver(relay, "PROJ-20"))
        postgres_server.admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        wait_until(lambda: _health(relay) == 200)
        answers = [_deliver(relay, f"PROJ-{n}") for n in range(21, 25)]
        assert [a.status_code for a in answers] == [202] * 4, [a.text for a in answers]
        # A restart as the pool sees it: every session ends, the server is there at once.
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda n: _deliver(relay, f"PROJ-{n}"), range(30, 46)))
        assert {a.status_code for a in answers} == {202}
        postgres_server.admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )
        time.sleep(0.2)  # the goodbyes reach the relay's sockets
        # No pooled connection that died is used: not one delivery fails for it.
        answers = [_deliver(relay, f"PROJ-{n}") for n in range(50, 60)]
        assert [a.status_code for a in answers] == [202] * 10, [a.text for a in answers]
    finally:
        log = stop_relay_process(relay)
    assert _intake_tracebacks(log) == [], log
