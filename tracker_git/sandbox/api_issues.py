"""Issues: get, edit (with `?version=` optimistic locking), create, search, count."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from tracker_git.sandbox import edits, events, query, render
from tracker_git.sandbox.state import SandboxState, now
from tracker_git.sandbox.wire import ApiError, Request, Response, obj

# New-docs error-codes: edits stop at version 11100 for users (10100 for robots).
VERSION_CAP = 11100


def need_issue(state: SandboxState, key: str) -> dict[str, Any]:
    issue = state.issue(key)
    if issue is None:
        raise ApiError(404, "Issue does not exist.")
    return issue


def touch(state: SandboxState, issue: dict[str, Any]) -> None:
    issue["version"] += 1
    issue["updatedAt"] = now()
    issue["updatedBy"] = state.data["myself"]


def expected_version(req: Request) -> int | None:
    """`?version=N` (documented) or `If-Match: "N"` (what the official client sends)."""
    raw = req.params.get("version")
    if raw is None:
        raw = req.headers.get("if-match", "").removeprefix("W/").strip('"') or None
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid version: {raw}") from None


def get_issue(state: SandboxState, req: Request, key: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        return Response(200, render.issue(state, req, issue, req.params.get("expand", "")))


def patch_issue(state: SandboxState, req: Request, key: str) -> Response:
    body = obj(req.body)
    with state.lock:
        issue = need_issue(state, key)
        wanted = expected_version(req)
        if wanted is not None and wanted != issue["version"]:
            # A failed If-Match is HTTP's failed precondition (412); ?version= is 409.
            status = 409 if "version" in req.params else 412
            raise ApiError(
                status, f"Invalid update version: {wanted}, the issue is at {issue['version']}"
            )
        if issue["version"] >= VERSION_CAP:
            raise ApiError(423, "The issue has reached the maximum number of changes")
        changes = edits.apply(issue, edits.validate(state, issue, body))
        if changes:  # an edit that changes nothing is not a new version
            touch(state, issue)
            state.changed()
        out = render.issue(state, req, issue)
    if changes:
        events.emit(state, events.UPDATE, issue, changes=changes)
    return Response(200, out)


def create_issue(state: SandboxState, req: Request) -> Response:
    body = obj(req.body)
    queue_value = body.get("queue")
    if isinstance(queue_value, dict):
        queue_value = queue_value.get("key", queue_value.get("id"))
    errors = {}
    if not isinstance(queue_value, str | int) or isinstance(queue_value, bool):
        errors["queue"] = "Required field"
    if not isinstance(body.get("summary"), str) or not body["summary"].strip():
        errors["summary"] = "Required field"
    if errors:
        raise ApiError(422, None, errors)
    with state.lock:
        queue = state.queue(str(queue_value))
        if queue is None:
            raise ApiError(404, f"Queue does not exist: {queue_value}")
        unique = body.get("unique")
        if unique is not None and any(i.get("unique") == unique for i in state.issues.values()):
            raise ApiError(409, f"Issue with unique {unique} already exists")
        draft = {"key": "", "queue": queue["key"], "followers": [], "tags": []}
        fields = {k: v for k, v in body.items() if k not in ("queue", "unique")}
        new = edits.validate(state, draft, fields, creating=True)
        new.setdefault("type", queue["defaultType"])
        new.setdefault("priority", queue["defaultPriority"])
        key = state.add_issue(
            new.pop("summary"), queue["key"], createdBy=state.data["myself"], **new
        )
        issue = state.issues[key]
        issue["unique"] = unique
        issue["updatedBy"] = state.data["myself"]
        state.changed()
        out = render.issue(state, req, issue)
    events.emit(state, events.CREATE, issue)
    return Response(201, out)


def find_by_unique(state: SandboxState, req: Request) -> Response:
    unique = req.params.get("unique")
    with state.lock:
        for issue in state.issues.values():
            if unique is not None and issue.get("unique") == unique:
                return Response(200, render.issue(state, req, issue))
    raise ApiError(404, "Issue does not exist.")


def _matches(state: SandboxState, issue: dict[str, Any], field: str, wanted: Any) -> bool:
    values = wanted if isinstance(wanted, list) else [wanted]
    have = issue.get(field)
    if field in ("assignee", "createdBy", "followers"):
        logins = have if isinstance(have, list) else [have]
        users = [state.user(v) for v in values]
        return any(u is not None and u["login"] in logins for u in users)
    if field in render.REF_FIELDS:
        refs = [state.lookup(render.REF_FIELDS[field], v) for v in values]
        return any(r is not None and r["key"] == have for r in refs)
    if field in ("queue", "key"):
        return have in [str(v) for v in values]
    if field in render.VERSION_FIELDS:
        found = [state.version(issue["queue"], v) for v in values]
        return any(v is not None and v["id"] in (have or []) for v in found)
    if isinstance(have, str):
        return any(str(v).lower() in have.lower() for v in values)
    return have in values


def _selector(body: dict[str, Any]) -> str | None:
    """Which of queue, keys, filter and query chooses the issues (None: all of them)."""
    present = [
        k for k in ("queue", "keys", "filter", "query") if body.get(k) not in (None, "", [], {})
    ]
    if len({"queue", "keys", "query"} & set(present)) > 1:
        raise ApiError(400, "You can only use keys, a queue, or a search query")
    # Documented priority when several are given: queue > keys > filter > query (only a
    # filter goes with another one; keys, a queue and a query exclude each other).
    return present[0] if present else None


def _select(state: SandboxState, body: dict[str, Any]) -> list[dict[str, Any]]:
    issues = list(state.issues.values())
    what = _selector(body)
    if what is None:
        return issues
    if what == "queue":
        return [i for i in issues if i["queue"] == body["queue"]]
    if what == "keys":
        keys = body["keys"] if isinstance(body["keys"], list) else [body["keys"]]
        found = [state.issue(str(k)) for k in keys]
        return [i for i in found if i is not None]
    if what == "filter":
        if not isinstance(body["filter"], dict):
            raise ApiError(400, "filter must be an object")
        return [
            i for i in issues if all(_matches(state, i, f, v) for f, v in body["filter"].items())
        ]
    parsed = query.parse(str(body["query"]))
    return [i for i in issues if query.matches(state, i, parsed)]


def _order(issues: list[dict[str, Any]], order: Any) -> list[dict[str, Any]]:
    def number(i: dict[str, Any]) -> tuple[str, int]:
        queue, _, n = i["key"].rpartition("-")
        return queue, int(n)

    result = sorted(issues, key=number)
    spec = order[0] if isinstance(order, list) and order else order
    if isinstance(spec, str) and spec.strip("+-"):
        name = spec.strip("+-")
        result.sort(key=lambda i: str(i.get(name) or ""), reverse=spec.startswith("-"))
    return result


def _int_param(req: Request, name: str, default: int) -> int:
    try:
        value = int(req.params.get(name, default))
    except ValueError:
        raise ApiError(400, f"Invalid value of {name}: {req.params[name]}") from None
    if value < 1:
        raise ApiError(400, f"Invalid value of {name}: {value}")
    return value


def search(state: SandboxState, req: Request) -> Response:
    body = obj(req.body)
    per_page = _int_param(req, "perPage", 50)
    page = _int_param(req, "page", 1)
    with state.lock:
        found = _order(_select(state, body), body.get("order"))
        if _selector(body) == "query":
            found = query.ordered(found, query.parse(str(body["query"])))
        total = len(found)
        pages = max(1, math.ceil(total / per_page))
        chunk = found[(page - 1) * per_page : page * per_page]
        out = [render.issue(state, req, i, req.params.get("expand", "")) for i in chunk]
    keep = {k: v for k, v in req.params.items() if k not in ("page", "perPage")}

    def link(n: int) -> str:
        return (
            f"{req.url('issues', '_search')}?{urlencode({**keep, 'perPage': per_page, 'page': n})}"
        )

    links = [f'<{link(1)}>; rel="first"']
    if page < pages:
        links.append(f'<{link(page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{link(page - 1)}>; rel="prev"')
    links.append(f'<{link(pages)}>; rel="last"')
    seek = f"{req.url('issues', '_search')}?{urlencode({**keep, 'perPage': per_page})}{{&page}}"
    links.append(f'<{seek}>; rel="seek"')
    headers = {"X-Total-Count": str(total), "X-Total-Pages": str(pages), "Link": ", ".join(links)}
    return Response(200, out, headers)


def count(state: SandboxState, req: Request) -> Response:
    with state.lock:
        return Response(200, len(_select(state, obj(req.body))))
