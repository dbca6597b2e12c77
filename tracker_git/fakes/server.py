"""The one fake-HTTP-server framework: the sandbox Tracker and the forge emulators run on it.

A fake is a function `handle(request: Incoming) -> Answer | None` (None: drop the connection
without an answer). `LoopbackServer` does the rest: a ThreadingHTTPServer on a loopback
address (IPv4 or IPv6) in a daemon thread (`start`, `stop`) or in the caller's (`serve_forever`),
reading each request, and writing JSON answers; `RequestLog` keeps what was asked, bounded and
thread-safe; tracker_git.fakes.faults injects errors, dropped connections and latency.

Stdlib only, and nothing of ours above core: the sandbox imports it, and the sandbox never
imports our Tracker client.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

from tracker_git.core.loopback import is_loopback

T = TypeVar("T")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """One request as read off the socket. target: the path and query as sent; path and
    query: split at the first "?"; headers: lower-case names; sent_headers: the names as sent,
    in order."""

    method: str
    target: str
    path: str
    query: str
    headers: dict[str, str]
    sent_headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass
class Answer:
    """What a fake answers: a status, a JSON body (None: no body), extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


Handle = Callable[[Incoming], "Answer | None"]


class RequestLog(Generic[T]):
    """The requests a fake saw, oldest first, at most `limit` (the oldest go first). `lock`:
    the lock to hold while changing it (a fake may share its state's lock)."""

    def __init__(self, limit: int = 10000, lock: threading.RLock | None = None) -> None:
        self.limit = limit
        self.lock = lock or threading.RLock()
        self.entries: list[T] = []

    def add(self, entry: T) -> T:
        with self.lock:
            self.entries.append(entry)
            del self.entries[: -self.limit]
        return entry

    def snapshot(self) -> list[T]:
        with self.lock:
            return list(self.entries)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    handle_request_with: Handle

    def server_activate(self) -> None:
        super().server_activate()
        # The TCP connections clients made, and those still open: what shows whether a
        # client reuses its connection and closes it.
        self.counts_lock = threading.Lock()
        self.opened = self.open = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.counts_lock:
            self.opened += 1
            self.open += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self.counts_lock:
            self.open -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away mid-request (a relay killed while it waits, a client's
        timeout) is normal: a debug line, no traceback. Anything else as socketserver says it."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):  # BrokenPipeError, ConnectionResetError, ...
            _log.debug("%s: the client %s went away: %s", self, client_address, error)
            return
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms
    # for a delayed ACK between them.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # each fake keeps its own request log instead

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        request = Incoming(
            method=self.command,
            target=self.path,
            path=path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            sent_headers=tuple(self.headers.items()),
            body=body,
        )
        answer = self.server.handle_request_with(request)
        if answer is None:  # drop: no answer at all
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = answer.encode()
        self.send_response(answer.status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class LoopbackServer:
    """`handle` served on a loopback address (ValueError for any other); port 0 takes a
    free one. `server_version` is what the Server header says."""

    def __init__(
        self,
        handle: Handle,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        name: str = "fake",
        server_version: str = "",
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the {name} serves only loopback addresses, not {host}")
        handler = (
            type("_NamedHandler", (_Handler,), {"server_version": server_version})
            if server_version
            else _Handler
        )
        self._server = (_Server6 if ":" in host else _Server)((host, port), handler)
        self._server.handle_request_with = handle
        self._thread: threading.Thread | None = None
        self.name = name
        self.host = host
        self.port: int = self._server.server_address[1]

    def connections(self) -> tuple[int, int]:
        """(the TCP connections accepted so far, those still open)."""
        with self._server.counts_lock:
            return self._server.opened, self._server.open

    @property
    def url(self) -> str:
        """http://HOST:PORT (an IPv6 host in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread. The short poll interval keeps `stop`, and so each
        test's fixture, fast."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name=self.name, daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in this thread until shut down (Ctrl-C); then `close`."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving (waiting for the thread) and close the socket; idempotent."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self.close()

    def close(self) -> None:
        self._server.server_close()
