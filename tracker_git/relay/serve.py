"""`git tracker relay`'s own server: the standard library's WSGI server with a thread per
request. Enough for a small team; larger ones run the same app under gunicorn. Exposed to the
internet, either sits behind a reverse proxy (docs/relay.md names one and its settings).

Bounded:
- at most `[server] max_connections` requests are served at once, and at most
  `[server] max_per_client` from one address: one more gets `503` and is closed at once,
  without a thread, so a client holding idle connections cannot take every slot;
- a whole request (request line, headers and body) must arrive within `[server]
  read_timeout` seconds of the connection's start, however it trickles: a watcher thread
  shuts the reading side of one that is late, and it is answered `408` (nothing read yet,
  part of its headers, or part of its body), then closed;
- the listen backlog is 128 (a burst of senders waits in the kernel, not reset);
- a client that goes away or stalls is a debug line, never a traceback.

The address is taken before anything else: a busy port is "cannot listen on HOST:PORT (in
use)" before the app opens its queue or starts its worker (`run`).

`[server] metrics_listen = "HOST:PORT"` serves /metrics (and /healthz) on a second address
of its own, and the main one answers 404 for /metrics.

Stopping: SIGTERM or SIGINT only sets a flag, which the serving loop reads after each wait
(at most its poll interval); the loop then ends by itself. The handler raises nothing: Python
runs a signal handler wherever the main thread is, and an exception raised there while a
finalizer runs (the garbage collector closing a socket, say) is printed and dropped, which
would leave the relay serving on after the signal, until systemd or Kubernetes kills it."""

from __future__ import annotations

import contextlib
import errno
import signal
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from tracker_git.core.errors import OperationFailed
from tracker_git.relay import logs
from tracker_git.relay.app import DEADLINE, LISTENER, RelayApp
from tracker_git.relay.config import RelayConfig

log = logs.logger()
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
BACKLOG = 128


def _refusal(status: str, text: str, retry: bool = True) -> bytes:
    body = text.encode()
    retry_after = "Retry-After: 1\r\n" if retry else ""
    return (
        f"HTTP/1.0 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        f"{retry_after}Connection: close\r\n\r\n"
    ).encode() + body


_FULL = _refusal("503 Service Unavailable", "too many clients\n")
_YOURS = _refusal("503 Service Unavailable", "too many connections from this address\n")
_LATE = _refusal("408 Request Timeout", "the request did not arrive in time\n", retry=False)


class _Stopped(Exception):
    """Ends `serve_forever` once a stop was asked for."""


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG  # socketserver's default is 5: a burst got resets
    max_connections = 64
    max_per_client = 16
    read_timeout = 10.0
    listener = "main"  # or "metrics": what the app may serve here
    stop_requested = False  # set by serve()'s signal handler; read by the serving loop

    def service_actions(self) -> None:
        """Called by `serve_forever` after each wait: ends it once a stop was asked for."""
        super().service_actions()
        if self.stop_requested:
            raise _Stopped

    def server_activate(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_connections)
        # Connections being served, and when their request must have arrived.
        self._deadlines: dict[socket.socket, float] = {}
        self._clients: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        threading.Thread(target=self._watch, name="relay-request-deadline", daemon=True).start()
        super().server_activate()

    def server_close(self) -> None:
        # Also called by TCPServer.__init__ when binding failed, before server_activate.
        closed: threading.Event | None = getattr(self, "_closed", None)
        if closed is not None:
            closed.set()
        super().server_close()

    def deadline(self, request: socket.socket) -> float:
        with self._lock:
            return self._deadlines.get(request, float("inf"))

    def late(self, request: socket.socket) -> bool:
        return time.monotonic() >= self.deadline(request)

    def _watch(self) -> None:
        shut: set[socket.socket] = set()
        while not self._closed.wait(min(0.25, self.read_timeout / 4)):
            now = time.monotonic()
            with self._lock:
                late = [s for s, deadline in self._deadlines.items() if now >= deadline]
                shut &= set(self._deadlines)
            for request in late:
                if request in shut:
                    continue
                shut.add(request)
                with contextlib.suppress(OSError):  # its thread's read ends at once
                    request.shutdown(socket.SHUT_RD)  # the answer (408) can still go out

    def _refuse(self, request: socket.socket, answer: bytes) -> None:
        try:
            request.settimeout(1)
            request.sendall(answer)
        except OSError:
            pass
        self.shutdown_request(request)

    def process_request(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        client = str(client_address[0]) if isinstance(client_address, tuple) else ""
        with self._lock:
            if self._clients.get(client, 0) >= self.max_per_client:
                refused: bytes | None = _YOURS
            elif not self._slots.acquire(blocking=False):
                refused = _FULL
            else:
                refused = None
                self._clients[client] = self._clients.get(client, 0) + 1
                self._deadlines[request] = time.monotonic() + self.read_timeout
        if refused is not None:
            self._refuse(request, refused)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._done(request, client)
            raise

    def _done(self, request: socket.socket, client: str) -> None:
        with self._lock:
            self._deadlines.pop(request, None)
            left = self._clients.get(client, 1) - 1
            if left > 0:
                self._clients[client] = left
            else:
                self._clients.pop(client, None)
        self._slots.release()

    def process_request_thread(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            client = str(client_address[0]) if isinstance(client_address, tuple) else ""
            self._done(request, client)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """socketserver prints a traceback to stderr; a client that went away or stalled is
        normal here, anything else is logged as what it is."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("relay: %s: %s", client_address, type(error).__name__)
            return
        log.error("relay: serving %s failed: %s", client_address, type(error).__name__)
        log.debug("relay: details", exc_info=True)


class _QuietHandler(WSGIRequestHandler):
    """Access lines go to the relay's logger at debug level, not to stderr; a request that
    does not arrive in time is answered 408."""

    server: _ThreadingServer

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _answer_late(self) -> None:
        log.debug("%s request not complete within read_timeout: 408", self.address_string())
        with contextlib.suppress(OSError):
            self.wfile.write(_LATE)
        self.close_connection = True

    def handle(self) -> None:
        try:
            super().handle()
        except TimeoutError:  # one read waited read_timeout: the client stalled
            self._answer_late()
        except ConnectionError:  # the client went away: nobody to answer
            log.debug("%s went away", self.address_string())

    def parse_request(self) -> bool:
        """The request line and headers, unless the deadline cut them short (408)."""
        if self.server.late(self.connection):
            self._answer_late()
            return False
        parsed = super().parse_request()
        if parsed and self.server.late(self.connection):
            self._answer_late()
            return False
        return parsed

    def get_stderr(self) -> logs.ErrorStream:
        """wsgi.errors, and where wsgiref writes an application error's traceback: the log."""
        return logs.ErrorStream()

    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        environ[DEADLINE] = self.server.deadline(self.connection)
        environ[LISTENER] = self.server.listener
        return environ


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen(
    config: RelayConfig, host: str, port: int, listener: str = "main"
) -> tuple[_ThreadingServer, str]:
    """A threaded WSGI server bound to host:port (0: any free port), without its app yet,
    and its base URL; OperationFailed (one line) if the address cannot be had."""
    settings = {
        "max_connections": config.max_connections,
        "max_per_client": config.max_per_client,
        "read_timeout": config.read_timeout,
        "listener": listener,
    }
    server_class = type("RelayServer", (_ThreadingServer,), settings)
    # StreamRequestHandler.timeout: the socket timeout of every read from the client.
    handler = type("RelayHandler", (_QuietHandler,), {"timeout": config.read_timeout})
    try:
        server = server_class((host, port), handler)
    except OSError as exc:
        reason = "in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise OperationFailed(
            f"cannot listen on {_address(host, port)} ({reason}); choose another --host/--port"
        ) from None
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{_address(str(bound_host), int(bound_port))}"


def start_server(app: RelayApp, host: str, port: int) -> tuple[_ThreadingServer, str]:
    """A threaded WSGI server for `app` bound to host:port (0: any free port) and its base
    URL; the caller runs `serve_forever()`."""
    server, url = listen(app.config, host, port)
    server.set_app(app)
    return server, url


def _metrics_address(config: RelayConfig) -> tuple[str, int] | None:
    if not config.metrics_listen:
        return None
    host, _, port = config.metrics_listen.rpartition(":")
    return host.strip("[]"), int(port)


def run(
    config: RelayConfig,
    host: str,
    port: int,
    on_ready: Callable[[str, str], None] | None = None,
    make_app: Callable[[RelayConfig], RelayApp] = RelayApp,
) -> None:
    """Take the address(es) first, then make the app (its queue, its worker), then serve
    until SIGINT or SIGTERM; `on_ready` gets the addresses actually bound (the metrics one
    "" when there is none)."""
    servers = [listen(config, host, port)]
    metrics = _metrics_address(config)
    try:
        if metrics is not None:
            servers.append(listen(config, *metrics, listener="metrics"))
    except BaseException:
        servers[0][0].server_close()
        raise
    try:
        app = make_app(config)
    except BaseException:
        for server, _ in servers:
            server.server_close()
        raise
    for server, _ in servers:
        server.set_app(app)
    ready = None
    if on_ready:
        urls = [url for _, url in servers] + [""]

        def ready(url: str) -> None:
            on_ready(urls[0], urls[1])

    _serve(app, [server for server, _ in servers], servers[0][1], ready)


def serve(
    app: RelayApp,
    host: str,
    port: int,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve `app` until SIGINT or SIGTERM; `on_ready` gets the address actually bound."""
    server, address = start_server(app, host, port)
    _serve(app, [server], address, on_ready)


def _serve(
    app: RelayApp,
    servers: Iterable[_ThreadingServer],
    address: str,
    on_ready: Callable[[str], None] | None,
) -> None:
    main, *others = servers

    def stop(signum: int, frame: FrameType | None) -> None:
        main.stop_requested = True  # nothing else: see the module's docstring

    previous = {number: signal.signal(number, stop) for number in _STOP_SIGNALS}
    threads = [
        threading.Thread(target=other.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True)
        for other in others
    ]
    try:
        for thread in threads:
            thread.start()
        if on_ready:
            on_ready(address)
        main.serve_forever(poll_interval=0.5)
    except (_Stopped, KeyboardInterrupt):
        logs.announce("relay stopped")
    finally:
        for other in others:
            other.shutdown()
            other.server_close()
        main.server_close()
        app.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
