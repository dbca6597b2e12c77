"""The sandbox's HTTP server: ThreadingHTTPServer on a loopback address, Tracker's API under
/v2 and /v3, and a control API under /_sandbox (faults, the request log, the state) that
needs no credentials, so tests in other processes can drive it."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tracker_git.core.loopback import is_loopback
from tracker_git.sandbox import auth, events, routes
from tracker_git.sandbox.faults import Faults
from tracker_git.sandbox.seed import DEFAULT_ORG_ID, DEFAULT_TOKEN, DEMO_QUEUE
from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import ApiError, Request, Response, error_response

LOG_LIMIT = 10000
_HIDDEN = ("authorization", "cookie")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox


class Sandbox:
    """One running sandbox. `start()` serves in a thread; `serve_forever()` in this one."""

    def __init__(
        self,
        state: SandboxState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        org_id: str = DEFAULT_ORG_ID,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the sandbox serves only loopback addresses, not {host}")
        self.state = state if state is not None else SandboxState()
        if not self.state.hooks:
            self.state.hooks.extend(events.default_hooks())
        self.token = token
        self.org_id = org_id
        self.faults = Faults()
        self._log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        server_class = (
            type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
            if ":" in host
            else _Server
        )
        self._server = server_class((host, port), _Handler)
        self._server.sandbox = self
        self.host = host
        self.port: int = self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Sandbox:
        # A short poll interval keeps stop(), and so each test's fixture, fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self.close()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self.close()

    def close(self) -> None:
        self._server.server_close()
        self.state.save()

    # -- the request log ---------------------------------------------------------------
    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return [dict(e) for e in self._log]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            self._log.append(entry)
            del self._log[:-LOG_LIMIT]

    # -- answering ---------------------------------------------------------------------
    def api(
        self, method: str, path: str, query: str, headers: dict[str, str], raw: bytes
    ) -> Response:
        parts = path.split("/", 2)  # "", "v3", "issues/..."
        if len(parts) < 2 or parts[1] not in ("v2", "v3"):
            return error_response(404, f"Resource not found: {path}")
        try:
            auth.check(headers, self.token, self.org_id)
            try:
                body = json.loads(raw.decode("utf-8")) if raw.strip() else None
            except ValueError:
                raise ApiError(400, "The request body is not valid JSON") from None
            root = f"http://{headers.get('host') or self.url.removeprefix('http://')}"
            req = Request(
                method=method,
                path=(parts[2] if len(parts) > 2 else "").strip("/"),
                params=dict(parse_qsl(query, keep_blank_values=True)),
                headers=headers,
                body=body,
                version=parts[1],
                base=f"{root}/{parts[1]}",
                root=root,
            )
            return routes.dispatch(self.state, req)
        except ApiError as exc:
            return exc.response()
        except Exception:
            sys.stderr.write(
                f"sandbox: internal error on {method} {path}:\n{traceback.format_exc()}"
            )
            return error_response(500, "Internal sandbox error")

    def control(self, method: str, path: str, raw: bytes) -> Response:
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            return Response(400, {"error": "not JSON"})
        if path == "/_sandbox/faults":
            if method == "GET":
                return Response(200, self.faults.describe())
            if method == "DELETE":
                self.faults.clear()
                return Response(204)
            if method == "POST":
                try:
                    self.faults.inject_json(body)
                except (TypeError, ValueError) as exc:
                    return Response(400, {"error": str(exc)})
                return Response(200, self.faults.describe())
        if path == "/_sandbox/requests":
            if method == "GET":
                return Response(200, self.requests)
            if method == "DELETE":
                self.clear_requests()
                return Response(204)
        if path == "/_sandbox/state" and method == "GET":
            return Response(200, self.state.snapshot())
        if path == "/_sandbox/reset" and method == "POST":
            self.state.reset()
            return Response(204)
        if path == "/_sandbox/issues" and method == "POST":
            return self._seed_issue(body)
        return Response(404, {"error": f"no control endpoint {method} {path}"})

    def _seed_issue(self, body: Any) -> Response:
        """Stores an issue as given (any status, no workflow, no event): seeding for tests in
        other processes. {"summary": ..., "queue": "DEMO", "status": "inReview", ...}."""
        if not isinstance(body, dict) or not isinstance(body.get("summary"), str):
            return Response(400, {"error": 'expected {"summary": ..., other stored fields}'})
        fields = dict(body)
        summary, queue = fields.pop("summary"), str(fields.pop("queue", DEMO_QUEUE))
        with self.state.lock:
            if self.state.queue(queue) is None:
                return Response(400, {"error": f"no queue {queue}"})
            if "status" in fields and self.state.status(fields["status"]) is None:
                return Response(400, {"error": f"no status {fields['status']}"})
            key = self.state.add_issue(summary, queue, **fields)
            return Response(201, dict(self.state.issues[key]))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms
    # for a delayed ACK between them.
    disable_nagle_algorithm = True
    server_version = "TrackerSandbox/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log replaces stderr chatter

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if path.startswith("/_sandbox/"):
            self._send(sandbox.control(self.command, path, raw))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry: dict[str, Any] = {
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items() if k.lower() not in _HIDDEN},
            "body": _decode(raw),
        }
        fault = sandbox.faults.take(self.command, self.path)
        if sandbox.faults.latency:
            time.sleep(sandbox.faults.latency)
        if fault is not None and fault.status is None:
            entry["status"] = None  # dropped
            sandbox._record(entry)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            message = "Too many requests" if fault.status == 429 else "Injected fault"
            response = error_response(fault.status or 500, message, headers=extra)
        else:
            response = sandbox.api(self.command, path, query, headers, raw)
        entry["status"] = response.status
        sandbox._record(entry)
        self._send(response)

    def _send(self, response: Response) -> None:
        data = response.encode()
        self.send_response(response.status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def open_state(path: str | Path | None) -> SandboxState:
    return SandboxState.open(Path(path) if path is not None else None)
