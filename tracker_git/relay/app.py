"""The relay's WSGI application: routes, body limit, verification, parsing, queueing.

    POST /webhook           the forge is told by the delivery's headers
    POST /webhook/<forge>   github | gitlab | bitbucket-cloud | bitbucket-dc
    GET  /healthz           200 "ok" when the queue database answers and the worker runs
    GET  /metrics           Prometheus text format

A delivery is verified on its raw bytes before anything parses it (401 and nothing stored if
a configured secret is missing or wrong), limited in size (413), parsed (400 for broken JSON),
and, if it is a review event with issue keys, committed to the queue before the answer
(202). Events the relay does not handle get a 2xx, so forges do not disable the hook.

Production: `gunicorn 'tracker_git.relay.app:create_app()'` with TRACKER_GIT_RELAY_CONFIG set
(see docs/relay.md). Each worker process starts its own worker thread; they share the queue.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tracker_git.core.errors import ConfigError
from tracker_git.relay import events, verify
from tracker_git.relay.config import FORGES, RelayConfig
from tracker_git.relay.config import load as load_config
from tracker_git.relay.queue import Queue
from tracker_git.relay.worker import Mover, Worker

log = logging.getLogger("tracker_git.relay")

CONFIG_VARIABLE = "TRACKER_GIT_RELAY_CONFIG"
StartResponse = Callable[..., Any]
_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Content Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_METRICS = (
    ("received", "counter", "webhook deliveries received"),
    (
        "rejected",
        "counter",
        "deliveries refused: bad signature, too large, broken JSON, unknown forge",
    ),
    (
        "ignored",
        "counter",
        "verified deliveries with nothing to do (other events, no key, no status)",
    ),
    ("duplicate", "counter", "deliveries already received under the same delivery id"),
    ("queued", "counter", "issue moves stored in the queue"),
    ("applied", "counter", "issue moves Tracker accepted"),
    ("retried", "counter", "tries that failed and were scheduled again"),
    ("failed", "counter", "issue moves given up"),
)


def tracker_client(config: RelayConfig) -> Mover:
    """The Tracker client the worker moves issues with (ConfigError if the settings are
    unusable: plain http to another host, an IAM token without a Cloud organization)."""
    from tracker_git.tracker.client import TrackerClient  # imports requests: only here

    t = config.tracker
    client: Mover = TrackerClient(
        t.api_url,
        t.token,
        org_id=t.org_id,
        cloud_org_id=t.cloud_org_id,
        token_kind=t.token_kind,
        api_version=t.api_version,
        timeout=t.timeout,
    )
    return client


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """Request headers with lower-case, dash-separated names."""
    headers = {
        name[5:].replace("_", "-").lower(): str(value)
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = str(environ[name])
    return headers


class Response(Exception):
    """An answer raised from deep inside handling (errors, mostly)."""

    def __init__(self, status: int, message: str, counter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.counter = counter


class RelayApp:
    def __init__(
        self,
        config: RelayConfig,
        make_mover: Callable[[], Mover] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.queue = Queue(config.database)
        self._make_mover = make_mover or (lambda: tracker_client(config))
        # Built once now so that a bad api_url or token kind stops the start, with its
        # message, instead of failing every event later. The worker builds its own.
        self._make_mover()
        self._lock = threading.Lock()
        self._worker: Worker | None = None
        self._worker_pid = 0
        self.ensure_worker()

    # -- the worker thread, one per process ------------------------------------------
    def ensure_worker(self) -> Worker:
        """The worker thread of this process, started if needed (also after a fork, e.g.
        gunicorn --preload, where the parent's thread does not exist in the child)."""
        with self._lock:
            if self._worker is None or self._worker_pid != os.getpid() or not self._worker.alive():
                self._worker = Worker(self.queue, self._make_mover, self.config.retry)
                self._worker.start()
                self._worker_pid = os.getpid()
            return self._worker

    def close(self) -> None:
        with self._lock:
            if self._worker is not None and self._worker_pid == os.getpid():
                self._worker.stop()
            self._worker = None

    # -- WSGI -----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", "")).rstrip("/") or "/"
        method = str(environ.get("REQUEST_METHOD", "GET"))
        try:
            if path == "/healthz":
                status, body, kind = self._health(method)
            elif path == "/metrics":
                status, body, kind = self._metrics(method)
            elif path == "/webhook" or path.startswith("/webhook/"):
                status, answer = self._webhook(method, path, environ)
                body, kind = json.dumps(answer).encode(), "application/json"
            else:
                raise Response(404, "not found; deliveries go to POST /webhook")
        except Response as exc:
            status, kind = exc.status, "application/json"
            body = json.dumps({"error": exc.message}).encode()
        except Exception:  # the database is gone or full, or a bug: the forge will retry
            log.exception("relay: %s %s failed", method, path)
            status, kind = 500, "application/json"
            body = b'{"error": "internal error; see the relay\'s log"}'
        headers = [("Content-Type", kind), ("Content-Length", str(len(body)))]
        if status == 405:
            headers.append(("Allow", "GET" if path in ("/healthz", "/metrics") else "POST"))
        start_response(f"{status} {_REASONS[status]}", headers)
        return [body]

    def _health(self, method: str) -> tuple[int, bytes, str]:
        if method not in ("GET", "HEAD"):
            raise Response(405, "use GET")
        try:
            self.queue.check()
        except Exception as exc:
            return 503, f"queue database unavailable: {exc}\n".encode(), "text/plain"
        if not self.ensure_worker().alive():
            return 503, b"worker thread not running\n", "text/plain"
        return 200, b"ok\n", "text/plain"

    def _metrics(self, method: str) -> tuple[int, bytes, str]:
        if method not in ("GET", "HEAD"):
            raise Response(405, "use GET")
        counters = self.queue.counters()
        lines: list[str] = []
        for name, kind, help_text in _METRICS:
            metric = f"tracker_git_relay_{name}_total"
            lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} {kind}"]
            lines.append(f"{metric} {counters.get(name, 0)}")
        lines += [
            "# HELP tracker_git_relay_pending issue moves waiting in the queue",
            "# TYPE tracker_git_relay_pending gauge",
            f"tracker_git_relay_pending {self.queue.pending()}",
        ]
        return 200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4"

    # -- deliveries -----------------------------------------------------------------
    def _read_body(self, environ: Mapping[str, Any]) -> bytes:
        limit = self.config.max_body
        stream = environ["wsgi.input"]
        length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
        if length_text:
            try:
                length = int(length_text)
            except ValueError:
                raise Response(400, "Content-Length is not a number", "rejected") from None
            if length > limit:
                raise Response(413, f"the body is larger than {limit} bytes", "rejected")
            body: bytes = stream.read(length)
            return body
        if environ.get("wsgi.input_terminated"):
            # The server (gunicorn) de-chunks and ends the stream with the body, so reading
            # one byte past the limit is safe and shows whether it was crossed. Elsewhere a
            # read without a length could wait for bytes that never come.
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise Response(413, f"the body is larger than {limit} bytes", "rejected")
            return body
        raise Response(411, "a Content-Length header is required", "rejected")

    def _webhook(
        self, method: str, path: str, environ: Mapping[str, Any]
    ) -> tuple[int, dict[str, object]]:
        if method != "POST":
            raise Response(405, "webhook deliveries are POSTed")
        try:
            return self._delivery(path, environ)
        except Response as exc:
            self.queue.count("received", *([exc.counter] if exc.counter else []))
            raise

    def _delivery(self, path: str, environ: Mapping[str, Any]) -> tuple[int, dict[str, object]]:
        headers = _headers(environ)
        named = path.removeprefix("/webhook").strip("/")
        if named:
            if named not in FORGES:
                raise Response(404, f"no forge '{named}'; use one of: {', '.join(FORGES)}")
            forge_name = named
        else:
            detected = events.detect_forge(headers)
            if detected is None:
                raise Response(
                    400,
                    "cannot tell which forge sent this; use /webhook/<forge> "
                    f"({', '.join(FORGES)})",
                    "rejected",
                )
            forge_name = detected
        forge = self.config.forges.get(forge_name)
        if forge is None:
            raise Response(
                403, f"{forge_name} is not enabled in the relay's configuration", "rejected"
            )
        body = self._read_body(environ)
        try:
            verify.verify(forge, headers, body, self.clock())
        except verify.Rejected as exc:
            log.warning("%s delivery rejected: %s", forge_name, exc)
            raise Response(401, str(exc), "rejected") from None
        try:
            payload = events.decode(headers, body)
        except events.BadPayload as exc:
            raise Response(400, str(exc), "rejected") from None
        delivery = events.delivery_id(forge_name, headers, body)
        event = events.review_event(forge_name, headers, payload, delivery, self.config.queues)
        if event is None:
            self.queue.count("received", "ignored")
            return 200, {"result": "ignored", "reason": "not a review event the relay handles"}
        status = self.config.statuses.get(event.kind, "")
        answer: dict[str, object] = {"event": event.kind, "keys": list(event.keys)}
        if not event.keys or not status:
            self.queue.count("received", "ignored")
            reason = "no issue key found" if not event.keys else f"no status for {event.kind}"
            return 200, {"result": "ignored", "reason": reason, **answer}
        moves = [(key, status) for key in event.keys]
        if not self.queue.enqueue(event, moves, self.clock(), counters=("received",)):
            return 200, {"result": "duplicate", "delivery": delivery, **answer}
        self.ensure_worker().wake()
        log.info(
            "%s %s %s: queued %s -> %s",
            forge_name,
            event.kind,
            event.pr,
            ", ".join(event.keys),
            status,
        )
        return 202, {"result": "queued", "delivery": delivery, "status": status, **answer}


def create_app(
    config_path: str | None = None, make_mover: Callable[[], Mover] | None = None
) -> RelayApp:
    """The WSGI application for the config file at `config_path` (default: the file named by
    $TRACKER_GIT_RELAY_CONFIG). Gunicorn: `gunicorn 'tracker_git.relay.app:create_app()'`."""
    path = config_path or os.environ.get(CONFIG_VARIABLE, "")
    if not path:
        raise ConfigError(f"no relay configuration; set {CONFIG_VARIABLE} to the relay's TOML file")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return RelayApp(load_config(path), make_mover)
