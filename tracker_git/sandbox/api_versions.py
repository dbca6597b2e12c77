"""Queue versions (Tracker's versions API, docs/sandbox.md "Versions"): list a queue's
(`GET /queues/<queue>/versions`), create one (`POST /versions/` with `queue` and `name`,
optionally `description`, `startDate`, `dueDate` as YYYY-MM-DD), read one
(`GET /versions/<id>`). Issues refer to them in `fixVersions` and `affectedVersions`
(edits.py), rendered as references `{self, id, display}`.

Where the documentation is silent the sandbox chooses, and docs/sandbox.md says so: a second
version of the same name in a queue is refused (409), creating one needs the queue's
administration rights (403 when the queue's stored `"versionAdmin": false`)."""

from __future__ import annotations

import re

from tracker_git.sandbox import render
from tracker_git.sandbox.api_meta import need_queue
from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import ApiError, Request, Response, obj

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def list_versions(state: SandboxState, req: Request, queue: str) -> Response:
    with state.lock:
        q = need_queue(state, queue)
        found = [v for v in state.versions.values() if v["queue"] == q["key"]]
        return Response(200, [render.version(state, req, v) for v in found])


def get_version(state: SandboxState, req: Request, vid: str) -> Response:
    with state.lock:
        found = state.versions.get(vid)
        if found is None:
            raise ApiError(404, "Version does not exist.")
        return Response(200, render.version(state, req, found))


def create_version(state: SandboxState, req: Request) -> Response:
    body = obj(req.body)
    queue_value, name = body.get("queue"), body.get("name")
    if isinstance(queue_value, dict):
        queue_value = queue_value.get("key", queue_value.get("id"))
    errors = {}
    if not isinstance(queue_value, str | int) or isinstance(queue_value, bool):
        errors["queue"] = "Required field"
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "Required field"
    for field in ("description", "startDate", "dueDate"):
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[field] = "Expected a string"
        elif field != "description" and not _DATE.fullmatch(value):
            errors[field] = "Expected a date as YYYY-MM-DD"
    unknown = set(body) - {"queue", "name", "description", "startDate", "dueDate"}
    errors.update({f: "Field not found" for f in unknown})
    if errors:
        raise ApiError(422, None, errors)
    with state.lock:
        q = need_queue(state, str(queue_value))
        if not q.get("versionAdmin", True):
            raise ApiError(403, "You do not have permission to manage versions of this queue")
        if state.version(q["key"], name) is not None:
            raise ApiError(409, f"Version {name} already exists in queue {q['key']}")
        state.data["counters"].setdefault("version", 49650)  # a state file from before versions
        vid = str(state.next_id("version"))
        stored = {
            "id": int(vid),
            "version": 1,
            "queue": q["key"],
            "name": name,
            "description": body.get("description"),
            "startDate": body.get("startDate"),
            "dueDate": body.get("dueDate"),
            "released": False,
            "archived": False,
        }
        state.versions[vid] = stored
        state.changed()
        return Response(201, render.version(state, req, stored))
