"""`git tracker relay`'s own server: the standard library's WSGI server with a thread per
request. Enough for a small team; larger ones run the same app under gunicorn.

Bounded: at most `[server] max_connections` requests are served at once (one more gets
`503` and is closed at once, without a thread); each read from a client waits at most
`[server] read_timeout` seconds, and the request line and headers must all arrive within
that time from the connection (a watcher thread shuts the socket of one that drips them
byte by byte), so a client that sends headers and then nothing is dropped (or answered 408
by the app while it reads the body) instead of holding a thread forever.

Stopping: SIGTERM or SIGINT only sets a flag, which the serving loop reads after each wait
(at most its poll interval); the loop then ends by itself. The handler raises nothing: Python
runs a signal handler wherever the main thread is, and an exception raised there while a
finalizer runs (the garbage collector closing a socket, say) is printed and dropped, which
would leave the relay serving on after the signal, until systemd or Kubernetes kills it."""

from __future__ import annotations

import contextlib
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import cast
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tracker_git.core import output
from tracker_git.core.errors import OperationFailed
from tracker_git.relay import logs
from tracker_git.relay.app import RelayApp

log = logs.logger()
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_FULL = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n\r\ntoo many clients\n"
)


class _Stopped(Exception):
    """Ends `serve_forever` once a stop was asked for."""


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    max_connections = 64
    read_timeout = 10.0
    stop_requested = False  # set by serve()'s signal handler; read by the serving loop

    def service_actions(self) -> None:
        """Called by `serve_forever` after each wait: ends it once a stop was asked for."""
        super().service_actions()
        if self.stop_requested:
            raise _Stopped

    def server_activate(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_connections)
        # Connections still sending their headers, and when they must be done.
        self._reading: dict[socket.socket, float] = {}
        self._reading_lock = threading.Lock()
        self._closed = threading.Event()
        threading.Thread(target=self._watch, name="relay-header-deadline", daemon=True).start()
        super().server_activate()

    def server_close(self) -> None:
        self._closed.set()
        super().server_close()

    def headers_read(self, request: socket.socket) -> None:
        with self._reading_lock:
            self._reading.pop(request, None)

    def _watch(self) -> None:
        while not self._closed.wait(min(1.0, self.read_timeout / 4)):
            now = time.monotonic()
            with self._reading_lock:
                late = [s for s, deadline in self._reading.items() if now > deadline]
                for request in late:
                    del self._reading[request]
            for request in late:
                with contextlib.suppress(OSError):  # its thread's read ends at once
                    request.shutdown(socket.SHUT_RDWR)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1)
                request.sendall(_FULL)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        with self._reading_lock:
            self._reading[request] = time.monotonic() + self.read_timeout
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.headers_read(request)
            self._slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.headers_read(request)
            self._slots.release()


class _QuietHandler(WSGIRequestHandler):
    """Access lines go to the relay's logger at debug level, not to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def get_environ(self) -> dict[str, str]:
        """Called once the headers are in: from here the app's body deadline applies."""
        server = self.server
        if isinstance(server, _ThreadingServer):
            server.headers_read(self.connection)
        return super().get_environ()


def start_server(app: RelayApp, host: str, port: int) -> tuple[_ThreadingServer, str]:
    """A threaded WSGI server bound to host:port (0: any free port) and its base URL;
    the caller runs `serve_forever()`."""
    settings = {
        "max_connections": app.config.max_connections,
        "read_timeout": app.config.read_timeout,
    }
    server_class = type("RelayServer", (_ThreadingServer,), settings)
    # StreamRequestHandler.timeout: the socket timeout of every read from the client.
    handler = type("RelayHandler", (_QuietHandler,), {"timeout": app.config.read_timeout})
    try:
        server = cast(_ThreadingServer, make_server(host, port, app, server_class, handler))
    except OSError as exc:
        raise OperationFailed(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --host/--port"
        ) from None
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host!s}:{bound_port}"


def serve(
    app: RelayApp,
    host: str,
    port: int,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; `on_ready` gets the address actually bound."""
    server, address = start_server(app, host, port)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.stop_requested = True  # nothing else: see the module's docstring

    previous = {number: signal.signal(number, stop) for number in _STOP_SIGNALS}
    try:
        if on_ready:
            on_ready(address)
        server.serve_forever(poll_interval=0.5)
    except (_Stopped, KeyboardInterrupt):
        output.info("relay stopped")
    finally:
        server.server_close()
        app.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
