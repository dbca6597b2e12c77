"""log_format = "json": every line a relay process writes to stderr is a JSON object, the
built-in server's and gunicorn's own lines included (a real process each: deliveries,
refusals, a client that goes away mid-body, a slow one, SIGTERM)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    delivery,
    seed_issue,
    start_relay_process,
    status_of,
    stop_relay_process,
    wait_healthy,
    wait_until,
    write_config,
)

JSON = 'log_format = "json"\nread_timeout = 1\n'


def records(lines: list[str]) -> list[dict[str, object]]:
    """Each line parsed; a line that is not one JSON object fails the test, naming it."""
    parsed = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
        assert isinstance(entry, dict) and {"time", "level", "message"} <= set(entry), line
        parsed.append(entry)
    return parsed


def exercise(url: str) -> None:
    """A delivery, a refused one, a client gone mid-body, a stalled one, /metrics."""
    body, headers = delivery("github-merged")
    assert requests.post(url + "/webhook", data=body, headers=headers, timeout=10).ok
    bad = requests.post(url + "/webhook/github", data=b"{}", headers={}, timeout=10)
    assert bad.status_code == 401
    host, port = urlsplit(url).hostname or "", urlsplit(url).port or 0
    with socket.create_connection((host, port)) as gone:
        gone.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{")
    with socket.create_connection((host, port)) as slow:
        slow.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\n")
        time.sleep(1.5)  # past read_timeout
        slow.recv(1000)
    assert requests.get(url + "/metrics", timeout=10).ok


def test_the_built_in_server_writes_only_json_lines(tmp_path: Path, sandbox: SandboxHandle) -> None:
    seed_issue(sandbox, "PROJ-123", "inReview")
    relay = start_relay_process(write_config(tmp_path, sandbox, server=JSON, retry=""))
    exercise(relay.url)
    wait_until(lambda: status_of(sandbox, "PROJ-123") == "readyForTest")
    log = stop_relay_process(relay).splitlines()
    messages = [str(r["message"]) for r in records(log)]
    assert any(m.startswith("relay listening on ") for m in messages)
    assert messages[-1] == "relay stopped"


def test_gunicorn_with_the_relays_logging_writes_only_json_lines(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    config = write_config(tmp_path, sandbox, server=JSON)
    seed_issue(sandbox, "PROJ-123", "inReview")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "-c", "python:tracker_git.relay.gunicornconf", "-w", "2",
         "-b", "127.0.0.1:0", "tracker_git.relay.app:create_app()"],
        env={**os.environ, "TRACKER_GIT_RELAY_CONFIG": str(config)},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None and process.stdout is not None
    lines: list[str] = []
    url = ""
    for line in process.stderr:
        lines.append(line)
        if "Listening at: " in line:
            url = line.split("Listening at: ")[1].split()[0]
            break
    assert url, "gunicorn did not start:\n" + "".join(lines)
    drain = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    drain.start()
    try:
        wait_healthy(url, lines)
        exercise(url)
        wait_until(lambda: status_of(sandbox, "PROJ-123") == "readyForTest")
    finally:
        process.terminate()
        out = process.stdout.read()
        process.wait(timeout=30)
        drain.join(10)
    messages = [str(r["message"]) for r in records([x for x in lines if x.strip()])]
    assert any(m.startswith("Starting gunicorn") for m in messages)  # gunicorn's own lines
    assert any("queued" in m for m in messages)  # the relay's
    assert out == ""
