"""The hardened intake, over real sockets: what arrives too big, too slow, too many, too deep
or replayed is answered 4xx (or 503 when full) and leaves nothing behind."""

from __future__ import annotations

import json
import select
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    Relay,
    delivery,
    hub_signature,
    relay_in_thread,
    signed,
    wait_until,
    write_config,
)


def raw(relay: Relay, request: bytes) -> bytes:
    """Send bytes as they are; the whole answer (the server closes after it)."""
    host, port = relay.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def head(length: str | None, extra: str = "") -> bytes:
    lines = ["POST /webhook/github HTTP/1.1", "Host: relay", "X-GitHub-Event: pull_request"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join([*lines, *filter(None, [extra])]) + "\r\n\r\n").encode()


def test_length_is_required_and_checked_before_a_byte_is_read(relay: Relay) -> None:
    # A gigabyte announced, nothing sent: refused from the header alone.
    assert raw(relay, head(str(10**9))).startswith(b"HTTP/1.0 413")
    assert raw(relay, head("-5")).startswith(b"HTTP/1.0 400")
    assert raw(relay, head("12abc")).startswith(b"HTTP/1.0 400")
    assert raw(relay, head(None)).startswith(b"HTTP/1.0 411")
    assert relay.app.queue.tasks() == []
    assert relay.metrics()["rejected_total"] == 4


def test_a_body_that_does_not_come_gets_408(tmp_path: Path, sandbox: SandboxHandle) -> None:
    config = write_config(tmp_path, sandbox, server="read_timeout = 0.5\n")
    with relay_in_thread(config) as relay:
        answer = raw(relay, head("100") + b'{"action": ')  # 11 of 100 bytes, then silence
        assert answer.startswith(b"HTTP/1.0 408")
        assert relay.app.queue.tasks() == []


def test_a_sender_resetting_inside_the_body_is_rejected_not_an_error(
    relay: Relay, caplog: pytest.LogCaptureFixture
) -> None:
    """A forge (or anyone) that resets the connection halfway through the body is a rejected
    delivery, counted as one; not an internal error with a traceback in the log."""
    host, port = relay.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(head("100") + b'{"action": ')
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
    wait_until(lambda: relay.metrics().get("rejected_total") == 1)
    assert relay.app.queue.tasks() == []
    assert [r for r in caplog.records if r.exc_info] == []


@contextmanager
def held_connections(relay: Relay, count: int) -> Iterator[list[socket.socket]]:
    """Connections that sent half a request line and wait."""
    host, port = relay.url.removeprefix("http://").split(":")
    held = [socket.create_connection((host, int(port)), timeout=30) for _ in range(count)]
    try:
        for s in held:
            s.sendall(b"POST /webhook HTTP/1.1\r\n")
        yield held
    finally:
        for s in held:
            s.close()


def test_connections_are_bounded(tmp_path: Path, sandbox: SandboxHandle) -> None:
    config = write_config(tmp_path, sandbox, server="max_connections = 2\n")
    with relay_in_thread(config) as relay:
        with held_connections(relay, 2):
            wait_until(lambda: raw(relay, head("0")).startswith(b"HTTP/1.0 503"))
        # Released: served again.
        wait_until(lambda: relay.post("github-merged").status_code == 202)


def test_json_of_any_brokenness_is_400(relay: Relay) -> None:
    _, headers = delivery("github-merged")
    for body in (
        b'{"a": ' * 8000 + b"1" + b"}" * 8000,  # nested far deeper than the parser goes
        b"[" * 30000 + b"]" * 30000,
        b'{"n": 1' + b"0" * 5000 + b"}",  # an integer too long to convert
        b"\xff\xfe{}",
    ):
        headers["X-Hub-Signature-256"] = hub_signature(body)
        answer = relay.post(body, headers=headers)
        assert answer.status_code == 400, body[:20]
    assert relay.app.queue.tasks() == []


def test_at_most_max_keys_per_delivery(relay: Relay) -> None:
    body, headers = delivery("github-opened")
    data = json.loads(body)
    data["pull_request"]["body"] = " ".join(f"PROJ-{n}" for n in range(1, 5001))
    body = json.dumps(data).encode()
    headers["X-Hub-Signature-256"] = hub_signature(body)
    answer = relay.post(body, headers=headers)
    assert answer.status_code == 202
    assert len(answer.json()["keys"]) == 20
    assert answer.json()["keys_not_acted_on"] == 5000 - 20  # PROJ-123 (the title) among them
    assert len(relay.app.queue.tasks()) == 20


def test_a_replayed_bitbucket_body_under_another_event_is_refused(relay: Relay) -> None:
    for name, event in (
        ("bitbucket-cloud-opened", "pullrequest:fulfilled"),
        ("bitbucket-cloud-opened", "pullrequest:approved"),
        ("bitbucket-dc-opened", "pr:merged"),
    ):
        body, headers = signed(name, {})
        headers["X-Event-Key"] = event
        answer = relay.post(body, headers=headers)
        assert answer.status_code == 400 and "disagrees" in answer.json()["error"], name
    assert relay.app.queue.tasks() == []


def test_a_captured_body_under_a_fresh_delivery_id_is_a_duplicate(relay: Relay) -> None:
    body, headers = delivery("github-merged")
    assert relay.post(body, headers=headers).status_code == 202
    headers["X-GitHub-Delivery"] = "fresh-id"
    again = relay.post(body, headers=headers)
    assert (again.status_code, again.json()["result"]) == (200, "duplicate")
    assert len(relay.app.queue.tasks()) == 1


def test_a_draft_moves_nothing_until_ready_for_review(relay: Relay) -> None:
    body, headers = delivery("github-opened")
    data = json.loads(body)
    data["pull_request"]["draft"] = True
    draft = json.dumps(data).encode()
    headers["X-Hub-Signature-256"] = hub_signature(draft)
    answer = relay.post(draft, headers=headers)
    assert answer.json() == {
        "result": "ignored", "reason": "no status for draft", "event": "draft",
        "keys": ["PROJ-123"],
    }  # fmt: skip
    data["action"], data["pull_request"]["draft"] = "ready_for_review", False
    ready = json.dumps(data).encode()
    headers["X-Hub-Signature-256"] = hub_signature(ready)
    headers["X-GitHub-Delivery"] = "ready-1"
    assert relay.post(ready, headers=headers).json()["event"] == "opened"
    assert [t["status"] for t in relay.app.queue.tasks()] == ["inReview"]


def test_a_draft_status_can_be_set(tmp_path: Path, sandbox: SandboxHandle) -> None:
    config = write_config(tmp_path, sandbox, statuses={"draft": "inProgress"})
    with relay_in_thread(config) as relay:
        body, headers = delivery("gitlab-opened")
        data = json.loads(body)
        data["object_attributes"]["draft"] = True
        answer = relay.post(json.dumps(data).encode(), headers=headers)
        assert (answer.status_code, answer.json()["status"]) == (202, "inProgress")


def test_headers_dripped_byte_by_byte_are_cut_off(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """Each byte comes well within the read timeout, the whole never does: the server shuts
    the connection at the headers' deadline instead of serving the drip for 40 s."""
    config = write_config(tmp_path, sandbox, server="read_timeout = 1\n")
    with relay_in_thread(config) as relay:
        host, port = relay.url.removeprefix("http://").split(":")
        request = head("10") * 20  # 200 bytes at one per 0.2 s: 40 s if never cut off
        with socket.create_connection((host, int(port)), timeout=30) as s:
            cut = False
            for byte in request:
                try:
                    s.sendall(bytes([byte]))
                except OSError:  # reset by the server
                    cut = True
                    break
                readable, _, _ = select.select([s], [], [], 0.2)
                if readable:
                    cut = True  # closed by the server (EOF) or an answer: either way, over
                    break
            assert cut
