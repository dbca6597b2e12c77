"""The sandbox's HTTP server: Tracker's API under /v2 and /v3, and a control API under
/_sandbox (faults, the request log, the state) that needs no credentials, so tests in other
processes can drive it. It runs on the fakes' framework (tracker_git.fakes.server), like the
forge emulators."""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tracker_git.core import output
from tracker_git.fakes.faults import Faults
from tracker_git.fakes.server import Incoming, LoopbackServer, RequestLog
from tracker_git.sandbox import auth, events, routes
from tracker_git.sandbox.seed import DEFAULT_ORG_ID, DEFAULT_TOKEN, DEMO_QUEUE
from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import ApiError, Request, Response, error_response

LOG_LIMIT = 10000
_HIDDEN = ("authorization", "cookie")


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
        self.state = state if state is not None else SandboxState()
        if not self.state.hooks:
            self.state.hooks.extend(events.default_hooks())
        self.token = token
        self.org_id = org_id
        self.faults = Faults()
        self.log: RequestLog[dict[str, Any]] = RequestLog(LOG_LIMIT)
        self._http = LoopbackServer(
            self.handle, host, port, name="sandbox", server_version="TrackerSandbox/1.0"
        )
        self.host = host
        self.port: int = self._http.port

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> Sandbox:
        self._http.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._http.serve_forever()
        finally:
            self.close()

    def stop(self) -> None:
        self._http.stop()
        self.close()

    def close(self) -> None:
        self._http.close()
        self.state.save()

    # -- the request log ---------------------------------------------------------------
    @property
    def requests(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self.log.snapshot()]

    def clear_requests(self) -> None:
        self.log.clear()

    # -- answering ---------------------------------------------------------------------
    def handle(self, request: Incoming) -> Response | None:
        """The framework's entry: the control API, else a fault or Tracker's API, logged."""
        if request.path.startswith("/_sandbox/"):
            return self.control(request.method, request.path, request.body)
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.target,
            "headers": {k: v for k, v in request.sent_headers if k.lower() not in _HIDDEN},
            "body": _decode(request.body),
        }
        fault = self.faults.take(request.method, request.target)
        self.faults.wait()
        if fault is not None and fault.status is None:
            entry["status"] = None  # dropped
            self.log.add(entry)
            return None
        if fault is not None:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            message = "Too many requests" if fault.status == 429 else "Injected fault"
            response = error_response(fault.status or 500, message, headers=extra)
        else:
            response = self.api(
                request.method, request.path, request.query, request.headers, request.body
            )
        entry["status"] = response.status
        self.log.add(entry)
        return response

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
            output.info(f"sandbox: internal error on {method} {path}:\n{traceback.format_exc()}")
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


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def open_state(path: str | Path | None) -> SandboxState:
    return SandboxState.open(Path(path) if path is not None else None)
