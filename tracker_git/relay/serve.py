"""`git tracker relay`'s own server: the standard library's WSGI server with a thread per
request. Enough for a small team; larger ones run the same app under gunicorn."""

from __future__ import annotations

import logging
import signal
import socketserver
import sys
from collections.abc import Callable
from types import FrameType
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tracker_git.core.errors import OperationFailed
from tracker_git.relay.app import RelayApp

log = logging.getLogger("tracker_git.relay")


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """Access lines go to the relay's logger at debug level, not to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def start_server(app: RelayApp, host: str, port: int) -> tuple[WSGIServer, str]:
    """A threaded WSGI server bound to host:port (0: any free port) and its base URL;
    the caller runs `serve_forever()`."""
    try:
        server = make_server(host, port, app, _ThreadingServer, _QuietHandler)
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
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    if on_ready:
        on_ready(address)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        sys.stderr.write("relay stopped\n")
    finally:
        server.server_close()
        app.close()
        signal.signal(signal.SIGTERM, previous)
