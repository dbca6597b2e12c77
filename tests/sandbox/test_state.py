"""State files and the `git tracker sandbox` command."""

from __future__ import annotations

import json
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from testing.servers import run_sandbox
from tests.relay.helpers import wait_until
from tracker_git.sandbox import SandboxState


def test_changes_are_saved_and_loaded(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with run_sandbox(state_file=path) as sb:
        assert path.exists()  # the seed is written at once
        sb.call("PATCH", "/v3/issues/DEMO-1", json={"summary": "Persisted"})
        sb.call("POST", "/v3/issues/DEMO-1/comments", json={"text": "kept"})
        saved = json.loads(path.read_text(encoding="utf-8"))
        assert saved["issues"]["DEMO-1"]["summary"] == "Persisted"  # saved on change
    with run_sandbox(state_file=path) as sb:
        assert sb.call("GET", "/v3/issues/DEMO-1").json()["summary"] == "Persisted"
        assert [c["text"] for c in sb.call("GET", "/v3/issues/DEMO-1/comments").json()] == ["kept"]
        new = sb.call(
            "POST", "/v3/issues", json={"queue": "DEMO", "summary": "numbering continues"}
        )
        assert new.json()["key"] == "DEMO-6"


def test_cyrillic_survives_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with run_sandbox(state_file=path) as sb:
        sb.call("PATCH", "/v3/issues/DEMO-1", json={"summary": "Вход через SSO"})
    assert "Вход через SSO" in path.read_text(encoding="utf-8")
    assert SandboxState.open(path).issue("DEMO-1")["summary"] == "Вход через SSO"  # type: ignore[index]


def test_a_broken_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read the sandbox state"):
        SandboxState.open(path)
    path.write_text('{"issues": {}}')
    with pytest.raises(ValueError, match="not a sandbox state file"):
        SandboxState.open(path)


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker_git", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_command_serves_prints_env_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    proc = _cli("--port", "0", "--state", str(path), "--org-id", "my-org")
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(3)]
        assert lines[0].startswith("TRACKER_API_URL=http://127.0.0.1:")
        assert lines[1:] == ["TRACKER_ORG_ID=my-org", "TRACKER_TOKEN=sandbox-token"]
        url = lines[0].split("=", 1)[1]
        headers = {"Authorization": "OAuth sandbox-token", "X-Org-ID": "my-org"}
        r = requests.patch(
            f"{url}/v3/issues/DEMO-2", json={"summary": "from the CLI"}, headers=headers, timeout=10
        )
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, 130)
    assert "Traceback" not in err
    assert (
        json.loads(path.read_text(encoding="utf-8"))["issues"]["DEMO-2"]["summary"]
        == "from the CLI"
    )


def test_command_is_quiet_when_a_client_goes_away_mid_request() -> None:
    """A client that closes before the answer (a relay SIGKILLed while it waits) is normal:
    nothing on the sandbox's stderr, whether the close resets the connection or ends it. A
    fault with two uses shows when the sandbox has read the request (it takes one); the
    latency holds the answer back until the client is gone."""
    proc = _cli("--port", "0")
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().split("=", 1)[1]
        where = urlsplit(url)
        assert where.hostname and where.port
        for reset in (True, False):
            fault = {"fault": 503, "times": 2, "path": "/v3/myself", "latency_ms": 1000}
            requests.post(f"{url}/_sandbox/faults", json=fault, timeout=10).raise_for_status()
            with socket.create_connection((where.hostname, where.port), timeout=10) as client:
                client.sendall(b"GET /v3/myself HTTP/1.1\r\nHost: sandbox\r\n\r\n")
                wait_until(lambda: _pending(url) == [1])  # read, and waiting to answer
                if reset:  # close with RST, as a killed process with unread data does
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Logged just before the answer goes out, into the closed connection.
            wait_until(lambda: _logged(url) == ["/v3/myself"])
            requests.delete(f"{url}/_sandbox/faults", timeout=10).raise_for_status()
            requests.delete(f"{url}/_sandbox/requests", timeout=10).raise_for_status()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, 130)
    assert "Traceback" not in err and "Exception" not in err and "Error" not in err, err


def _pending(url: str) -> list[int]:
    return [
        f["times"] for f in requests.get(f"{url}/_sandbox/faults", timeout=10).json()["pending"]
    ]


def _logged(url: str) -> list[str]:
    return [r["path"] for r in requests.get(f"{url}/_sandbox/requests", timeout=10).json()]


def test_command_does_not_echo_a_custom_token() -> None:
    proc = _cli("--port", "0", "--token", "s3cret-value")
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert "s3cret-value" not in "".join(lines) + err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_command_refuses_non_loopback_hosts(host: str) -> None:
    proc = _cli("--host", host, "--port", "0")
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "loopback" in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_command_reports_an_unreadable_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("[]")
    proc = _cli("--port", "0", "--state", str(path))
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "not a sandbox state file" in err
    assert "Traceback" not in err


def test_concurrent_writes_keep_every_change(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "state.json"
    with run_sandbox(state_file=path) as sb:

        def post(n: int) -> int:
            r = sb.call("POST", "/v3/issues/DEMO-1/comments", json={"text": f"c{n}"})
            return int(r.json()["id"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(post, range(40)))
    assert len(set(ids)) == 40
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(c["text"] for c in saved["comments"]["DEMO-1"]) == sorted(
        f"c{n}" for n in range(40)
    )
