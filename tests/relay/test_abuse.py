"""The built-in server under abuse (issue 19, item 8; issue 26, item 5), as a real
`git tracker relay` process: idle connections from one address cannot lock deliveries out,
a request trickling in is answered 408 at its deadline, no traceback for any of it; a busy
port is one line before the queue is touched; /healthz says ok or not, nothing more;
/metrics on an address of its own; Content-Length in ASCII digits only."""

from __future__ import annotations

import socket
import struct
import subprocess
import time
from pathlib import Path

import requests

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    VENV_BIN,
    Relay,
    signed,
    start_relay_process,
    stop_relay_process,
    wait_until,
    write_config,
)

STRANGER = "127.0.0.2"  # another loopback address: another client


def _address(relay: Relay) -> tuple[str, int]:
    host, port = relay.url.removeprefix("http://").split(":")
    return host, int(port)


def _answer(s: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := s.recv(65536):
            chunks.append(chunk)
    except OSError:
        pass
    return b"".join(chunks)


def _answered(s: socket.socket) -> bool:
    """Something came back (without waiting)."""
    s.setblocking(False)
    try:
        return bool(s.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def test_idle_connections_from_one_address_cannot_lock_deliveries_out(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    server = "max_connections = 16\nmax_per_client = 4\nread_timeout = 2\n"
    relay = start_relay_process(write_config(tmp_path, sandbox, server=server))
    idle: list[socket.socket] = []
    try:
        for _ in range(40):  # more than every slot, from one address, sending nothing
            s = socket.socket()
            s.settimeout(30)
            s.bind((STRANGER, 0))
            s.connect(_address(relay))
            idle.append(s)
        # A forge's delivery from another address still gets in at once.
        body, headers = signed("github-opened", {})
        answer = requests.post(relay.url + "/webhook", data=body, headers=headers, timeout=10)
        assert answer.status_code == 202, answer.text
        answers = [_answer(s) for s in idle]
    finally:
        for s in idle:
            s.close()
        log = stop_relay_process(relay)
    refused = [a for a in answers if a.startswith(b"HTTP/1.0 503")]
    late = [a for a in answers if a.startswith(b"HTTP/1.0 408")]
    assert (len(refused), len(late)) == (36, 4), answers
    assert b"too many connections from this address" in refused[0]
    assert "Traceback" not in log, log


def test_a_request_trickling_in_gets_408_at_its_deadline(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    relay = start_relay_process(write_config(tmp_path, sandbox, server="read_timeout = 1\n"))
    request = b"POST /webhook/github HTTP/1.1\r\nHost: relay\r\n" + b"X-Pad: 1\r\n" * 400
    try:
        with socket.create_connection(_address(relay), timeout=30) as s:
            for byte in request:  # one byte every 20 ms: 80 s for the whole request
                try:
                    s.sendall(bytes([byte]))
                except OSError:
                    break  # the relay stopped reading: it answered
                time.sleep(0.02)
                if _answered(s):
                    break
            answer = _answer(s)
    finally:
        log = stop_relay_process(relay)
    assert answer.startswith(b"HTTP/1.0 408"), answer
    assert "Traceback" not in log, log


def test_a_content_length_of_other_digits_is_400(tmp_path: Path, sandbox: SandboxHandle) -> None:
    relay = start_relay_process(write_config(tmp_path, sandbox))
    try:
        for length in (b"\xb2", b"\xb9\xb3"):  # superscript digits: str.isdigit() says yes
            with socket.create_connection(_address(relay), timeout=30) as s:
                s.sendall(
                    b"POST /webhook/github HTTP/1.1\r\nHost: relay\r\nX-GitHub-Event: ping\r\n"
                    b"Content-Length: " + length + b"\r\n\r\n"
                )
                assert _answer(s).startswith(b"HTTP/1.0 400")
    finally:
        log = stop_relay_process(relay)
    assert "Traceback" not in log, log


def test_a_busy_port_is_one_line_before_the_queue_is_touched(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    config = write_config(tmp_path, sandbox)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(VENV_BIN / "git-tracker"), "relay", "--config", str(config), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port} (in use)" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "queue").exists()  # the queue was never opened


def test_healthz_says_ok_or_not_and_nothing_else(tmp_path: Path, sandbox: SandboxHandle) -> None:
    relay = start_relay_process(write_config(tmp_path, sandbox))
    try:
        health = requests.get(relay.url + "/healthz", timeout=10)
        assert (health.status_code, health.text) == (200, "ok\n")
        # The queue's file replaced by something that is not a database.
        database = tmp_path / "queue" / "relay.sqlite3"
        for suffix in ("-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
        database.write_bytes(b"not a database at all " * 1000)
        wait_until(lambda: requests.get(relay.url + "/healthz", timeout=10).status_code == 503)
        health = requests.get(relay.url + "/healthz", timeout=10)
        assert health.text == "not ok\n"
    finally:
        log = stop_relay_process(relay)
    assert "does not answer" in log  # the reason is in the log


def test_metrics_can_listen_on_an_address_of_its_own(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = f'metrics_listen = "127.0.0.1:{port}"\n'
    relay = start_relay_process(write_config(tmp_path, sandbox, server=server))
    try:
        assert f"/metrics on http://127.0.0.1:{port}" in relay.log[-1]
        assert requests.get(relay.url + "/metrics", timeout=10).status_code == 404
        apart = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert apart.status_code == 200
        assert "tracker_git_relay_received_total" in apart.text
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).text == "ok\n"
        hook = requests.post(f"http://127.0.0.1:{port}/webhook", data=b"{}", timeout=10)
        assert hook.status_code == 404
    finally:
        stop_relay_process(relay)


def test_the_listen_backlog_holds_a_burst(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """The kernel's own account of the listening socket (`ss`: Send-Q of a listener is its
    backlog): 128, where socketserver's default of 5 reset senders in a burst."""
    relay = start_relay_process(write_config(tmp_path, sandbox))
    try:
        port = _address(relay)[1]
        done = subprocess.run(
            ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
        )
        (line,) = done.stdout.strip().splitlines()
        backlog = int(line.split()[2])
        assert backlog >= 128, line
    finally:
        stop_relay_process(relay)


def test_clients_that_go_away_leave_no_traceback(tmp_path: Path, sandbox: SandboxHandle) -> None:
    relay = start_relay_process(write_config(tmp_path, sandbox, server="read_timeout = 1\n"))
    try:
        partial = (
            b"POST /webhook/github HTTP/1.1\r\nHost: relay\r\n",  # inside the headers
            b"POST /webhook/github HTTP/1.1\r\nContent-Length: 100\r\n\r\n{",  # inside the body
            b"",  # before a byte
        )
        for sent in partial:
            for reset in (True, False):
                with socket.create_connection(_address(relay), timeout=30) as s:
                    s.sendall(sent)
                    if reset:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # And one that stalls past read_timeout, then leaves before the answer is read.
        with socket.create_connection(_address(relay), timeout=30) as s:
            s.sendall(partial[0])
            time.sleep(1.5)
        health = requests.get(relay.url + "/healthz", timeout=10)
        assert health.status_code == 200
        time.sleep(1.5)  # every connection's deadline has passed
    finally:
        log = stop_relay_process(relay)
    assert "Traceback" not in log, log
