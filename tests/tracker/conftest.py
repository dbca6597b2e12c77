"""`lossy`: a forwarding proxy on 127.0.0.1 in front of the sandbox that can lose an answer
AFTER the sandbox has acted on the request: the one failure that makes a blind retry of a
POST do the thing twice (the sandbox's own "drop" fault answers before acting)."""

from __future__ import annotations

import contextlib
import http.client
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest

from testing.servers import SandboxHandle, serve_on_loopback


@dataclass
class Lossy:
    url: str
    rules: list[tuple[str, str]] = field(default_factory=list)  # (method, path fragment)
    lost: list[str] = field(default_factory=list)

    def lose_answer(self, method: str, fragment: str) -> None:
        """The next request `method` whose path contains `fragment` reaches the sandbox, and
        its answer never comes back."""
        self.rules.append((method, fragment))


def _handler(target: tuple[str, int], state: Lossy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            upstream = http.client.HTTPConnection(*target, timeout=10)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            upstream.close()
            rule = (
                self.command,
                next((f for m, f in state.rules if m == self.command and f in self.path), ""),
            )
            if rule[1]:
                state.rules.remove(rule)
                state.lost.append(f"{self.command} {self.path}")
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "server", "date"):
                    self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _forward

    return Handler


@pytest.fixture
def lossy(sandbox: SandboxHandle) -> Iterator[Lossy]:
    parts = urlsplit(sandbox.url)
    assert parts.hostname and parts.port
    state = Lossy(url="")
    with serve_on_loopback(_handler((parts.hostname, parts.port), state)) as state.url:
        yield state
