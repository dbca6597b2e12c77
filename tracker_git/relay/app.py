"""The relay's WSGI application: routes, body limit, verification, parsing, queueing.

    POST /webhook           the forge is told by the delivery's headers
    POST /webhook/<forge>   github | gitlab | bitbucket-cloud | bitbucket-dc
    GET  /healthz           200 "ok" when the queue database answers and can take a write
                            and the worker runs, else 503 "not ok" (why: in the log)
    GET  /metrics           Prometheus text format (the built-in server's metrics_listen:
                            on an address of its own)

A delivery must say its Content-Length (411), no more than max_body (413, decided before a
byte of the body is read), and send its body within read_timeout seconds (408). It is
verified on its raw bytes before anything parses it (401 and nothing stored if a configured
secret is missing or wrong), parsed (400 for JSON of any brokenness, a Bitbucket body that
contradicts its event header), and, if it is a review event with issue keys, committed to the
queue before the answer (202). Events the relay does not handle get a 2xx, so forges do not
disable the hook; so do outsiders' pull requests (events.outsider: no move, no status). A
delivery whose signed body is older than replay_window is 400 (events.too_old). Storage
trouble (the queue's `errors`: down, full, read-only) is 503 with Retry-After, never 500. Each delivery is one log line (with log_format = "json", one JSON object
with its forge, event, delivery id, keys and result).

Production: `gunicorn 'tracker_git.relay.app:create_app()'` with TRACKER_GIT_RELAY_CONFIG set
(see docs/relay.md). Each worker process starts its own worker thread; they share the queue.
With `[server] worker = false` it only accepts deliveries, and `git tracker relay --worker-only`
(tracker_git.relay.workeronly) applies them in a process of its own.
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
from tracker_git.forges.registry import parts
from tracker_git.relay import commitstatus, events, logs, verify
from tracker_git.relay.config import FORGES, RelayConfig
from tracker_git.relay.config import load as load_config
from tracker_git.relay.queue import (
    Delivery,
    NewTask,
    SqlQueue,
    holder_id,
    open_queue,
    transitions,
)
from tracker_git.relay.worker import REMEMBERED, Mover, Worker, beat, keep

log = logs.logger()

CONFIG_VARIABLE = "TRACKER_GIT_RELAY_CONFIG"
# Set by the built-in server (tracker_git.relay.serve) in each request's environ: when the
# whole request must have arrived (time.monotonic()), and which of its addresses it came to.
DEADLINE = "tracker-git.deadline"
LISTENER = "tracker-git.listener"
RETRY_AFTER = 30  # seconds, in a 503 for storage trouble
StartResponse = Callable[..., Any]
_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
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
        "deliveries refused: bad signature, too large or slow, broken JSON, unknown forge",
    ),
    (
        "ignored",
        "counter",
        "verified deliveries with nothing to do (other events, no key, no status)",
    ),
    ("duplicate", "counter", "deliveries already received (same delivery id or same body)"),
    (
        "outsider",
        "counter",
        "deliveries about pull requests of outsiders or from forks: no move, no status",
    ),
    ("queued", "counter", "issue moves stored in the queue"),
    ("applied", "counter", "issue moves Tracker accepted"),
    ("retried", "counter", "tries that failed and were scheduled again"),
    ("failed", "counter", "issue moves given up"),
    ("fenced", "counter", "results dropped: the task's claim had passed to another worker"),
)


def tracker_client(config: RelayConfig) -> Mover:
    """The Tracker client the worker moves issues with (ConfigError if the settings are
    unusable: plain http to another host, an IAM token without a Cloud organization)."""
    from tracker_git.http import RetryPolicy
    from tracker_git.tracker import connect  # imports requests: only here

    # One try per request: the queue is the relay's retry (a backoff per task, and a 429
    # pauses the whole pool at once instead of after the client's own tries).
    client: Mover = connect.client(
        config.tracker, config.tracker.token, policy=RetryPolicy(attempts=1)
    )
    return client


def _label_value(text: str) -> str:
    """A Prometheus label value: backslash, double quote and newline escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


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


def _reason(exc: BaseException) -> str:
    """An error's first line (psycopg's carry the server's details on the next ones)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
        self.queue = open_queue(config.database)
        self._make_mover = make_mover or (lambda: tracker_client(config))
        # Built once now so that a bad api_url or token kind stops the start, with its
        # message, instead of failing every event later. The worker builds its own.
        self._make_mover()
        self._lock = threading.Lock()
        self._worker: Worker | None = None
        self._flusher: threading.Thread | None = None
        self._closing = threading.Event()
        self._pid = 0
        self._identity = (0, "")  # (pid, holder id) for /metrics' process label
        self.ensure_worker()

    # -- the worker thread, one per process ------------------------------------------
    def ensure_worker(self) -> Worker | None:
        """The worker thread of this process, started if needed (also after a fork, e.g.
        gunicorn --preload, where the parent's thread does not exist in the child). With
        `[server] worker = false` there is none (None): a thread of this process only adds
        its counts to the shared ones, and another process does the tasks."""
        worker = self._worker
        if self._pid == os.getpid() and (worker.alive() if worker else self._flusher):
            return worker  # the common case, without the lock
        with self._lock:
            if not self.config.worker:
                if self._flusher is None or self._pid != os.getpid():
                    self._flusher = threading.Thread(
                        target=self._flush_counters, name="tracker-git-relay-counters", daemon=True
                    )
                    self._flusher.start()
                    self._pid = os.getpid()
                return None
            if self._worker is None or self._pid != os.getpid() or not self._worker.alive():
                self._worker = new_worker(self.config, self.queue, self._make_mover)
                self._worker.start()
                self._pid = os.getpid()
            return self._worker

    def _flush_counters(self) -> None:
        """An intake-only process: its counts reach the database at every beat, as a worker's
        keeper adds them."""
        keep(self._closing, beat(self.config.retry), (self.queue.flush_counters,), "intake")

    def close(self) -> None:
        """Stop this process's worker (it finishes or gives back its task) and disconnect."""
        with self._lock:
            mine = self._pid == os.getpid()
            if self._worker is not None and mine:
                # Long enough for the try in hand to finish; else its claim is given back.
                self._worker.stop(timeout=self.config.tracker.timeout + 1)
            self._closing.set()
            if self._flusher is not None and mine:
                self._flusher.join(5)
                try:
                    self.queue.flush_counters()
                except Exception:
                    log.warning("relay: could not add the last counts to the queue")
            self._worker = self._flusher = None
            self.queue.close()

    # -- WSGI -----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", "")).rstrip("/") or "/"
        method = str(environ.get("REQUEST_METHOD", "GET"))
        listener = environ.get(LISTENER)
        try:
            if path == "/healthz":
                status, body, kind = self._health(method)
            elif path == "/metrics" and (listener == "metrics" or not self._metrics_apart(environ)):
                status, body, kind = self._metrics(method)
            elif listener == "metrics":
                raise Response(404, "not found; this address serves /metrics and /healthz")
            elif path == "/webhook" or path.startswith("/webhook/"):
                status, answer = self._webhook(method, path, environ)
                body, kind = json.dumps(answer).encode(), "application/json"
            else:
                raise Response(404, "not found; deliveries go to POST /webhook")
        except Response as exc:
            status, kind = exc.status, "application/json"
            body = json.dumps({"error": exc.message}).encode()
        except self.queue.errors as exc:  # down, full, read-only: not ours to fix, say so
            log.warning("relay: %s %s: the queue database failed: %s", method, path, _reason(exc))
            status, kind = 503, "application/json"
            body = b'{"error": "the queue database is unavailable; try again later"}'
        except Exception:  # a bug: the forge will retry
            log.exception("relay: %s %s failed", method, path)
            status, kind = 500, "application/json"
            body = b'{"error": "internal error; see the relay\'s log"}'
        headers = [("Content-Type", kind), ("Content-Length", str(len(body)))]
        if status == 503:
            headers.append(("Retry-After", str(RETRY_AFTER)))
        if status == 405:
            headers.append(("Allow", "GET" if path in ("/healthz", "/metrics") else "POST"))
        start_response(f"{status} {_REASONS[status]}", headers)
        return [body]

    def _metrics_apart(self, environ: Mapping[str, Any]) -> bool:
        """/metrics is served on an address of its own (the built-in server's
        metrics_listen), not on this one."""
        return bool(self.config.metrics_listen) and environ.get(LISTENER) == "main"

    def _health(self, method: str) -> tuple[int, bytes, str]:
        if method not in ("GET", "HEAD"):
            raise Response(405, "use GET")
        try:
            self.queue.check()
        except Exception as exc:  # the reason goes to the log, not to whoever asks
            log.warning("relay: /healthz: the queue database does not answer: %s", _reason(exc))
            return 503, b"not ok\n", "text/plain"
        worker = self.ensure_worker()
        if worker is None:
            return 200, b"ok\n", "text/plain"
        if not worker.alive():
            log.warning("relay: /healthz: the worker thread is not running")
            return 503, b"not ok\n", "text/plain"
        return 200, b"ok\n", "text/plain"

    def _process(self) -> str:
        """This process (host:pid:start), worked out once per process (gunicorn forks)."""
        pid = os.getpid()
        if self._identity[0] != pid:
            self._identity = (pid, holder_id())
        return self._identity[1]

    def _metrics(self, method: str) -> tuple[int, bytes, str]:
        """This process's counters, labelled with the process (host:pid:start), so that sums
        over scraped instances count each delivery once; beside them the queue's gauges, the
        same on every instance (aggregate them with max): moves waiting, and every process's
        counts as added to the database (worker-only processes included)."""
        if method not in ("GET", "HEAD"):
            raise Response(405, "use GET")
        mine = self.queue.local.since_start()
        shared = self.queue.counters()
        label = '{process="' + _label_value(self._process()) + '"}'
        lines: list[str] = []
        for name, kind, help_text in _METRICS:
            metric = f"tracker_git_relay_{name}_total"
            lines += [f"# HELP {metric} {help_text}, by this process", f"# TYPE {metric} {kind}"]
            lines.append(f"{metric}{label} {mine.get(name, 0)}")
        for name, _, help_text in _METRICS:
            metric = f"tracker_git_relay_queue_{name}"
            lines += [
                f"# HELP {metric} {help_text}, by every process of the queue (same on all)",
                f"# TYPE {metric} gauge",
                f"{metric} {shared.get(name, 0)}",
            ]
        lines += [
            "# HELP tracker_git_relay_pending issue moves waiting in the queue (same on all)",
            "# TYPE tracker_git_relay_pending gauge",
            f"tracker_git_relay_pending {self.queue.pending()}",
        ]
        return 200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4"

    # -- deliveries -----------------------------------------------------------------
    def _read_body(self, environ: Mapping[str, Any]) -> bytes:
        """The body, whose Content-Length (ASCII digits) must be given and within max_body
        before a byte is read, received within read_timeout seconds (408; under the built-in
        server, of the connection's start), in pieces of at most 64 KiB."""
        limit = self.config.max_body
        length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
        if not length_text:
            raise Response(411, "a Content-Length header is required", "rejected")
        if not (length_text.isascii() and length_text.isdigit()):
            raise Response(400, "Content-Length is not a number of bytes", "rejected")
        length = int(length_text)
        if length > limit:
            raise Response(413, f"the body is larger than {limit} bytes", "rejected")
        stream = environ["wsgi.input"]
        read = getattr(stream, "read1", None) or stream.read  # read1: whatever has come
        deadline = min(
            time.monotonic() + self.config.read_timeout, float(environ.get(DEADLINE, "inf"))
        )
        late = Response(
            408, f"the body did not arrive within {self.config.read_timeout:g} s", "rejected"
        )
        parts: list[bytes] = []
        left = length
        while left > 0:
            try:
                if time.monotonic() > deadline:
                    raise TimeoutError
                part: bytes = read(min(left, 65536))
            except TimeoutError:  # ours, or the server's socket timeout
                raise late from None
            except ConnectionError:  # the sender went away (a reset): no answer reaches it
                raise Response(
                    400, "the connection was reset inside the body", "rejected"
                ) from None
            if not part:
                if time.monotonic() >= deadline:  # the server cut the late request short
                    raise late
                raise Response(400, "the body is shorter than its Content-Length", "rejected")
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def _webhook(
        self, method: str, path: str, environ: Mapping[str, Any]
    ) -> tuple[int, dict[str, object]]:
        if method != "POST":
            raise Response(405, "webhook deliveries are POSTed")
        known: dict[str, object] = {}  # what is known of the delivery, for its log line
        try:
            status, answer = self._delivery(path, environ, known)
        except Response as exc:
            if exc.counter:
                self.queue.local.add("received", exc.counter)
            self._log_delivery(exc.status, {**known, "result": "rejected", "error": exc.message})
            raise
        self._log_delivery(status, {**known, **answer})
        return status, answer

    @staticmethod
    def _log_delivery(status: int, about: dict[str, object]) -> None:
        """One line per delivery (a JSON object with log_format = "json")."""
        about["answer"] = status
        level = logging.WARNING if status >= 400 else logging.INFO
        if not log.isEnabledFor(level):
            return
        text = " ".join(
            f"{name}={value}" for name, value in about.items() if value not in ("", [], None)
        )
        log.log(level, "delivery %s", text, extra=logs.fields(**about))

    def _delivery(
        self, path: str, environ: Mapping[str, Any], known: dict[str, object]
    ) -> tuple[int, dict[str, object]]:
        """A delivery's way: route (which forge), verify (its signature, on the raw body),
        parse (the event), plan (the tasks it asks for), enqueue (durably, before the 202).
        `known` gathers what the log line shows as each step learns it."""
        headers = _headers(environ)
        forge_name = self._route(path, headers)
        known["forge"] = forge_name
        forge = self.config.forges.get(forge_name)
        if forge is None:
            raise Response(
                403, f"{forge_name} is not enabled in the relay's configuration", "rejected"
            )
        body = self._read_body(environ)
        try:
            verify.verify(forge, headers, body, self.clock())
        except verify.Rejected as exc:
            raise Response(401, str(exc), "rejected") from None
        delivery = events.delivery_id(forge_name, headers, body)
        known["delivery"] = delivery
        payload, event = self._parse(forge_name, headers, body, delivery)
        stranger = events.outsider(forge_name, headers, payload, forge.allow_forks)
        if stranger:
            self.queue.local.add("received", "outsider")
            known["pr"] = event.pr if event is not None else ""
            return 200, {"result": "outsider", "reason": stranger}
        if event is not None:
            known.update(event=event.kind, pr=event.pr)
        status_task = self._status_task(forge_name, headers, payload)
        tasks, answer, status = self._plan(event, status_task)
        if not tasks:
            return self._ignored(forge_name, delivery, body, answer)
        accepted = Delivery(
            id=delivery,
            forge=forge_name,
            kind=event.kind if event is not None else "updated",
            body_hash=events.body_hash(forge_name, body),
            pr=event.pr
            if event is not None
            else str(status_task.data["link"] if status_task else ""),
        )
        return self._enqueue(accepted, tasks, answer, status)

    def _route(self, path: str, headers: Mapping[str, str]) -> str:
        """The forge: named by the path (/webhook/<forge>, 404 if unknown), else told by the
        delivery's headers (400 if they tell none)."""
        named = path.removeprefix("/webhook").strip("/")
        if named:
            if named not in FORGES:
                raise Response(404, f"no forge '{named}'; use one of: {', '.join(FORGES)}")
            return named
        detected = events.detect_forge(headers)
        if detected is None:
            raise Response(
                400,
                f"cannot tell which forge sent this; use /webhook/<forge> ({', '.join(FORGES)})",
                "rejected",
            )
        return detected

    def _parse(
        self, forge: str, headers: Mapping[str, str], body: bytes, delivery: str
    ) -> tuple[dict[str, object], events.ReviewEvent | None]:
        """The verified body's JSON and the review event it is, if any (400: broken JSON, a
        body older than replay_window, a Bitbucket body its event header cannot name)."""
        try:
            payload = events.decode(headers, body)
            age = events.too_old(forge, payload, self.config.replay_window, self.clock())
            if age is not None:
                raise Response(
                    400,
                    f"the delivery is {age / 86400:.0f} days old, older than replay_window "
                    f"({self.config.replay_window / 86400:g} days): refused as a possible replay",
                    "rejected",
                )
            event = events.review_event(
                forge,
                headers,
                payload,
                delivery,
                self.config.queues,
                max_keys=self.config.max_keys,
                branch_keys=self.config.branch_keys,
            )
        except events.BadPayload as exc:
            raise Response(400, str(exc), "rejected") from None
        return payload, event

    def _plan(
        self, event: events.ReviewEvent | None, status_task: NewTask | None
    ) -> tuple[list[NewTask], dict[str, object], str]:
        """The tasks a delivery asks for (its issues' moves, then its commit status), the
        answer's fields, and the status its event moves to; no tasks: the answer says why."""
        tasks: list[NewTask] = [] if status_task is None else [status_task]
        answer: dict[str, object] = {}
        status = ""
        if event is not None:
            status = self.config.statuses.get(event.kind, "")
            answer = {"event": event.kind, "keys": list(event.keys)}
            if event.more_keys:
                answer["keys_not_acted_on"] = event.more_keys
            if event.keys and status:
                tasks = transitions((key, status) for key in event.keys) + tasks
        if status_task is not None:
            answer["commit_status"] = str(status_task.data["sha"])
        if not tasks:
            if event is None:
                reason = "not a review event the relay handles"
            elif not event.keys:
                reason = "no issue key found"
            else:
                reason = f"no status for {event.kind}"
            answer = {"reason": reason, **answer}
        return tasks, answer, status

    def _enqueue(
        self, accepted: Delivery, tasks: list[NewTask], answer: dict[str, object], status: str
    ) -> tuple[int, dict[str, object]]:
        """Commit the delivery and its tasks (202), or tell it was seen before (200)."""
        if not self.queue.enqueue(accepted, tasks, self.clock()):
            return 200, {"result": "duplicate", "delivery": accepted.id, **answer}
        worker = self.ensure_worker()
        if worker is not None:
            worker.wake()  # other processes' workers: NOTIFY, or SQLite's data_version
        queued: dict[str, object] = {"result": "queued", "delivery": accepted.id, **answer}
        if status:
            queued["status"] = status
        return 202, queued

    def _ignored(
        self, forge: str, delivery: str, body: bytes, answer: dict[str, object]
    ) -> tuple[int, dict[str, object]]:
        """A verified delivery with nothing to do. Where the forge does not sign its event
        header (Bitbucket Cloud) the body is remembered all the same, so that the same body
        under another header (an "updated" sent again as "created") is a duplicate."""
        if not parts(forge).unsigned_event:
            self.queue.local.add("received", "ignored")
            return 200, {"result": "ignored", **answer}
        seen = Delivery(delivery, forge, "ignored", events.body_hash(forge, body))
        if not self.queue.enqueue(seen, [], self.clock()):
            return 200, {"result": "duplicate", "delivery": delivery, **answer}
        self.queue.local.add("ignored")  # enqueue counted it received
        return 200, {"result": "ignored", **answer}

    def _status_task(
        self, forge: str, headers: Mapping[str, str], payload: dict[str, object]
    ) -> NewTask | None:
        """The commit status task a delivery asks for, where the forge has a token."""
        settings = self.config.forges.get(forge)
        if settings is None or not settings.token:
            return None
        head = parts(forge).head(headers, payload)
        if head is None:
            return None
        keys = events.keys_in(
            head.title, head.description, head.branch, self.config.queues, self.config.branch_keys
        )
        return commitstatus.task_for(forge, head, keys[: self.config.max_keys])


def new_worker(config: RelayConfig, queue: SqlQueue, make_mover: Callable[[], Mover]) -> Worker:
    """A worker (not started) for the queue, doing issue moves and commit statuses."""
    worker = Worker(
        queue,
        make_mover,
        config.retry,
        concurrency=config.concurrency,
        resolutions=config.resolutions,
        on_start=lambda: check_workflow(config, make_mover()),
    )
    worker.remember = max(config.replay_window, REMEMBERED) + 86400  # a day for clock skew
    worker.handlers[commitstatus.ACTION] = commitstatus.StatusSetter(config, worker.mover)
    return worker


def check_workflow(config: RelayConfig, client: object) -> list[str]:
    """Log each configured move Tracker's workflow would refuse (tracker_git.relay.workflow);
    what was found."""
    from tracker_git.relay import workflow

    if not (hasattr(client, "statuses") and hasattr(client, "queue_resolutions")):
        return []
    found = workflow.problems(config, client)
    for line in found:
        log.error("relay: %s", line)
    return found


def configured() -> RelayConfig:
    """The relay configuration $TRACKER_GIT_RELAY_CONFIG names (gunicorn's way to pass it)."""
    path = os.environ.get(CONFIG_VARIABLE, "")
    if not path:
        raise ConfigError(f"no relay configuration; set {CONFIG_VARIABLE} to the relay's TOML file")
    return load_config(path)


def create_app(
    config_path: str | None = None, make_mover: Callable[[], Mover] | None = None
) -> RelayApp:
    """The WSGI application for the config file at `config_path` (default: the file named by
    $TRACKER_GIT_RELAY_CONFIG). Gunicorn: `gunicorn 'tracker_git.relay.app:create_app()'`."""
    config = load_config(config_path) if config_path else configured()
    logs.setup(config.log_format)
    return RelayApp(config, make_mover)
