"""Real servers for tests: `run_sandbox()` starts the Tracker sandbox on 127.0.0.1, port 0,
in a thread.

    with run_sandbox() as sb:
        requests.get(sb.url + "/v3/myself", headers=sb.headers)
        sb.env          # {"TRACKER_API_URL", "TRACKER_TOKEN", "TRACKER_ORG_ID"}
        sb.state        # SandboxState: sb.state.issue("DEMO-1"), sb.state.add_issue("...")
        sb.requests     # the request log (Authorization left out)
        sb.inject(500, times=2); sb.inject(429, retry_after=2); sb.inject("drop")
        sb.inject(latency_ms=50)

`run_attacker()` starts a loopback server that records every request: a host that must never
see a token (tests/security).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tracker_git.sandbox import DEFAULT_ORG_ID, DEFAULT_TOKEN, STAND_FIELD_ID, Sandbox, SandboxState


@dataclass
class SandboxHandle:
    server: Sandbox

    @property
    def url(self) -> str:
        """Base URL, without /v2 or /v3: what TRACKER_API_URL holds."""
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def org_id(self) -> str:
        return self.server.org_id

    @property
    def headers(self) -> dict[str, str]:
        """Credentials headers for a plain `requests` call."""
        return {"Authorization": f"OAuth {self.token}", "X-Org-ID": self.org_id}

    @property
    def env(self) -> dict[str, str]:
        return {
            "TRACKER_API_URL": self.url,
            "TRACKER_TOKEN": self.token,
            "TRACKER_ORG_ID": self.org_id,
        }

    @property
    def state(self) -> SandboxState:
        return self.server.state

    @property
    def stand_field(self) -> str:
        return STAND_FIELD_ID

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """A plain `requests` call with the sandbox's credentials: `call("GET", "/v3/myself")`."""
        import requests

        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def clear_requests(self) -> None:
        self.server.clear_requests()

    def inject(self, fault: int | str | None = None, **options: Any) -> None:
        """inject(500, times=2) | inject(429, retry_after=3) | inject("drop") |
        inject(latency_ms=50); options path=/method= narrow it. See tracker_git/fakes/faults.py."""
        self.server.faults.inject(fault, **options)

    def clear_faults(self) -> None:
        self.server.faults.clear()

    def stop(self) -> None:
        self.server.stop()


@contextmanager
def run_sandbox(
    *,
    token: str = DEFAULT_TOKEN,
    org_id: str = DEFAULT_ORG_ID,
    state_file: str | Path | None = None,
    state: SandboxState | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[SandboxHandle]:
    if state is None:
        state = SandboxState.open(Path(state_file) if state_file is not None else None)
    server = Sandbox(state, host=host, port=port, token=token, org_id=org_id).start()
    handle = SandboxHandle(server)
    try:
        yield handle
    finally:
        handle.stop()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Attacker:
    """A loopback HTTP server playing a host that must never receive a token: it records
    every request and answers with `answer(path) -> (status, headers, body)`."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)

    def saw(self, secret: str) -> bool:
        needle = secret.encode()
        return any(needle in s.path.encode() + s.body + repr(s.headers).encode() for s in self.seen)


Answer = Callable[[str], "tuple[int, dict[str, str], bytes]"]


def _ok(path: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, b"[]"


@contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A plain threaded HTTP server on 127.0.0.1 for a test's own handler (an attacker, a
    messenger receiver, a lossy proxy); yields its base URL, shuts down and joins on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def run_attacker(answer: Answer = _ok) -> Iterator[Attacker]:
    attacker = Attacker()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            attacker.seen.append(Seen(self.command, self.path, headers, body))
            status, extra, data = answer(self.path)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve_on_loopback(Handler) as attacker.url:
        yield attacker
