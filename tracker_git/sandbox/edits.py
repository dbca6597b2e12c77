"""Applying an issue edit body (PATCH, create, a transition screen) to a stored issue, with
Tracker's value forms (docs/design/tracker-api.md "Issues"): plain values, references by key/id/name or as an
object, `{"set"|"add"|"remove"|"replace": ...}` for arrays, `null` to clear.

Everything is validated before anything is written, so a 422 leaves the issue unchanged."""

from __future__ import annotations

from typing import Any

from tracker_git.sandbox.render import REF_FIELDS
from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import ApiError

STRING_FIELDS = ("summary", "description")
USER_FIELDS = ("assignee",)
ARRAY_FIELDS = {
    "followers": "user",
    "tags": "string",
    "fixVersions": "version",
    "affectedVersions": "version",
}
READONLY = (
    "id", "key", "self", "queue", "status", "previousStatus", "version", "createdAt", "updatedAt",
    "createdBy", "updatedBy", "aliases", "votes", "favorite", "lastCommentUpdatedAt",
)  # fmt: skip


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"set"}:
        return value["set"]
    return value


def _ref_key(state: SandboxState, name: str, value: Any) -> tuple[str | None, str | None]:
    """(stored key, error)."""
    if isinstance(value, dict):
        value = value.get("key", value.get("id", value.get("name")))
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None, "Expected a key, an id or an object with one"
    for item in state.data[name]:
        if value in (item["key"], item["name"]) or str(item["id"]) == str(value):
            return str(item["key"]), None
    return None, f"Unknown value: {value}"


def _user_login(state: SandboxState, value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, dict):
        value = value.get("login", value.get("id", value.get("uid")))
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None, "Expected a login, a user id or an object with one"
    user = state.user(value)
    if user is None:
        return None, f"User not found: {value}"
    return str(user["login"]), None


def _version_id(state: SandboxState, queue: str, value: Any) -> tuple[int | None, str | None]:
    """A version of the issue's own queue, by id, name or object; stored as its id."""
    found = state.version(queue, value)
    if found is None:
        return None, f"Version not found in queue {queue}: {value}"
    return int(found["id"]), None


def _array(
    state: SandboxState, kind: str, old: list[Any], value: Any, queue: str = ""
) -> tuple[list[Any], str | None]:
    def item(v: Any) -> tuple[Any, str | None]:
        if kind == "user":
            return _user_login(state, v)
        if kind == "version":
            return _version_id(state, queue, v)
        return (v, None) if isinstance(v, str) else (None, "Expected a string")

    def items(vs: Any) -> tuple[list[Any], str | None]:
        out = []
        for v in vs if isinstance(vs, list) else [vs]:
            got, err = item(v)
            if err:
                return [], err
            out.append(got)
        return out, None

    if value is None:
        return [], None
    if isinstance(value, list):
        return items(value)
    if not isinstance(value, dict) or len(value) != 1:
        return [], "Expected an array or one of set, add, remove, replace"
    ((op, arg),) = value.items()
    if op == "set":
        return items(arg)
    if op == "add":
        new, err = items(arg)
        return old + [v for v in new if v not in old], err
    if op == "remove":
        gone, err = items(arg)
        return [v for v in old if v not in gone], err
    if op == "replace" and isinstance(arg, list):
        result = list(old)
        for pair in arg:
            if not isinstance(pair, dict) or "target" not in pair or "replacement" not in pair:
                return [], 'replace takes [{"target": ..., "replacement": ...}]'
            (target, e1), (repl, e2) = item(pair["target"]), item(pair["replacement"])
            if e1 or e2:
                return [], e1 or e2
            result = [repl if v == target else v for v in result]
        return result, None
    return [], f"Unknown operation: {op}"


def validate(
    state: SandboxState, issue: dict[str, Any], body: dict[str, Any], *, creating: bool = False
) -> dict[str, Any]:
    """The new stored values for `body`, or ApiError 422 naming each bad field."""
    errors: dict[str, str] = {}
    new: dict[str, Any] = {}
    local_ids = {f["id"] for f in state.local_fields(issue["queue"])}
    for name, raw in body.items():
        value = _unwrap(raw)
        err: str | None = None
        if name in READONLY and not (creating and name == "queue"):
            err = "Status is changed by transitions only" if name == "status" else "Read-only field"
        elif name in STRING_FIELDS:
            if value is not None and not isinstance(value, str):
                err = "Expected a string"
            elif name == "summary" and not (value or "").strip():
                err = "Required field"
            else:
                new[name] = value
        elif name in REF_FIELDS:
            if value is None:
                new[name] = None
            else:
                new[name], err = _ref_key(state, REF_FIELDS[name], value)
        elif name in USER_FIELDS:
            if value is None:
                new[name] = None
            else:
                new[name], err = _user_login(state, value)
        elif name in ARRAY_FIELDS:
            old = list(issue.get(name) or [])
            new[name], err = _array(state, ARRAY_FIELDS[name], old, raw, issue["queue"])
        elif name in local_ids:
            if value is not None and not isinstance(value, str):
                err = "Expected a string"
            else:
                new[name] = value
        elif "--" in name:
            err = f"Local field not found in queue {issue['queue']}"
        elif name not in ("queue",):
            err = "Field not found"
        if err:
            errors[name] = err
    if errors:
        raise ApiError(422, None, errors)
    return new


def apply(issue: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Writes `new` into `issue`; returns what actually changed."""
    changes = {}
    for name, value in new.items():
        old = issue.get(name)
        if old != value:
            changes[name] = (old, value)
            issue[name] = value
    return changes
