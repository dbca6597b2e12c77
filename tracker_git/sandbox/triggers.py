"""Trigger firing in the sandbox: on an issue event, every active trigger of the issue's queue
whose conditions hold runs its `Webhook` actions, sending the HTTP request Tracker would send.

Follows docs/design/tracker-api.md "Triggers": conditions (events, field values, Or/And groups), the Webhook
action (method, endpoint, contentType, headers, body, authContext) and the template variables
(`{{issue.<field>}}`, `{{issue.<field>.<param>}}`, `{{issue.local.<key>}}`,
`{{currentDateTime}}`, and the `.json` modifier that emits a JSON value, quotes included).

`on_event` is picked up by events.py as a default hook. Requests go out synchronously, in the
request's thread, so when the API call that caused the event returns, the messenger has been
called: tests need no waiting. Stdlib only; never imports tracker_git.tracker.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker_git.sandbox.events import Event
    from tracker_git.sandbox.state import SandboxState

TIMEOUT = 5.0  # seconds per webhook request; a dead receiver must not hang the sandbox long
_DICTIONARIES = {
    "status": "statuses",
    "previousStatus": "statuses",
    "type": "issuetypes",
    "priority": "priorities",
    "resolution": "resolutions",
}
_USERS = {
    "assignee": "assignee",
    "createdBy": "createdBy",
    "updatedBy": "updatedBy",
    "author": "createdBy",
}
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_.-]*?)\s*\}\}")
_SECRETS_IN_URL = re.compile(r"(/bot)[^/]+|(hooks\.slack\.com/services/).*")


@dataclass(frozen=True)
class Delivery:
    """One webhook request the sandbox sent (or tried to send)."""

    trigger_id: int
    trigger_name: str
    event: str
    issue: str
    method: str
    url: str
    status: int | None  # None when the request never got an answer
    error: str = ""


_log: weakref.WeakKeyDictionary[SandboxState, list[Delivery]] = weakref.WeakKeyDictionary()
_log_lock = threading.Lock()


def deliveries(state: SandboxState) -> list[Delivery]:
    """Every webhook request sent for `state`, oldest first (a copy)."""
    with _log_lock:
        return list(_log.get(state, []))


def on_event(state: SandboxState, event: Event) -> None:
    with state.lock:
        triggers = copy.deepcopy(state.triggers(str(event.issue["queue"])))
    triggers.sort(key=lambda t: (str(t.get("order", "")), t.get("id", 0)))
    for trigger in triggers:
        if not trigger.get("active", True) or not matches(
            state, trigger.get("conditions") or [], event
        ):
            continue
        for action in trigger.get("actions") or []:
            if isinstance(action, dict) and action.get("type") == "Webhook":
                delivery = send(state, trigger, action, event)
                with _log_lock:
                    _log.setdefault(state, []).append(delivery)


# -- conditions ------------------------------------------------------------------------------


def matches(state: SandboxState, conditions: list[Any], event: Event) -> bool:
    """The top-level array is AND-ed; an unknown condition never holds (fire less, not more)."""
    return all(_holds(state, c, event) for c in conditions)


def _holds(state: SandboxState, condition: Any, event: Event) -> bool:
    if not isinstance(condition, dict):
        return False
    kind = str(condition.get("type", ""))
    inner = condition.get("conditions") or []
    if kind.lower() == "or":
        return any(_holds(state, c, event) for c in inner)
    if kind.lower() == "and":
        return all(_holds(state, c, event) for c in inner)
    if kind.startswith("Event."):
        return kind == event.name
    name = str(condition.get("field", ""))
    now = event.issue.get(_field_key(event.issue, name))
    changed = _field_key(event.issue, name) in event.changes
    before = event.changes[_field_key(event.issue, name)][0] if changed else now
    wanted = condition.get("value")
    if kind in ("FieldEquals", "FieldEqualsString"):
        return _same(state, name, now, wanted)
    if kind == "FieldBecameEqual":
        return (
            changed and _same(state, name, now, wanted) and not _same(state, name, before, wanted)
        )
    if kind == "FieldChangedCondition":
        return changed and before != now
    if kind == "FieldIsEmpty":
        return _empty(now)
    if kind == "FieldIsNotEmpty":
        return not _empty(now)
    if kind == "FieldBecameEmpty":
        return changed and _empty(now) and not _empty(before)
    if kind == "FieldBecameNotEmpty":
        return changed and not _empty(now) and _empty(before)
    if kind in ("CommentStringMatchCondition", "CommentAnyMatchCondition"):
        return _comment_matches(condition, event)
    return False


def _field_key(issue: dict[str, Any], name: str) -> str:
    """A local field is stored as `<prefix>--<key>`; global fields under their own key."""
    if name in issue:
        return name
    return next((k for k in issue if k.endswith("--" + name)), name)


def _same(state: SandboxState, name: str, stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        wanted = wanted.get("key", wanted.get("id", wanted.get("display")))
    if stored is None or wanted is None:
        return stored is None and wanted is None
    if isinstance(stored, list):
        return any(_same(state, name, item, wanted) for item in stored)
    names = {str(stored)}
    if name in _DICTIONARIES:
        item = state.lookup(_DICTIONARIES[name], stored)
        if item:
            names |= {str(item["key"]), str(item["id"]), str(item["name"])}
    elif name in _USERS:
        user = state.user(stored)
        if user:
            names |= {str(user["login"]), str(user["uid"]), str(user["display"])}
    return str(wanted) in names


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _comment_matches(condition: dict[str, Any], event: Event) -> bool:
    if event.comment is None:
        return False
    text = str(event.comment.get("text", ""))
    words = condition.get("words", condition.get("word", []))
    words = [words] if isinstance(words, str) else list(words)
    if condition.get("ignoreCase"):
        text, words = text.lower(), [str(w).lower() for w in words]
    return any(str(w) in text for w in words)


# -- template variables ----------------------------------------------------------------------


def render(state: SandboxState, template: str, event: Event) -> str:
    """Fill `{{...}}` variables; a variable that names nothing becomes empty, as in Tracker."""

    def one(match: re.Match[str]) -> str:
        path = match.group(1)
        as_json = path.endswith(".json")
        value = resolve(state, path.removesuffix(".json") if as_json else path, event)
        if as_json:
            return json.dumps(value, ensure_ascii=False)
        return _text(value)

    return _VARIABLE.sub(one, template)


def resolve(state: SandboxState, path: str, event: Event) -> Any:
    """The value a variable names: a string, a number, a list of strings, or None."""
    parts = path.split(".")
    if parts[0] == "currentDateTime":
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    if parts[0] == "currentUser":
        return _user_value(state, event.issue.get("updatedBy"), parts[1:])
    if parts[0] != "issue" or len(parts) < 2:
        return None
    issue = event.issue
    if parts[1] == "local" and len(parts) >= 3:
        return issue.get(_field_key(issue, parts[2]))
    name, params = parts[1], parts[2:]
    if name in _DICTIONARIES:
        item = state.lookup(_DICTIONARIES[name], issue.get(name))
        if item is None:
            return None
        param = params[0] if params else "display"
        return {
            "display": item["name"],
            "name": item["name"],
            "key": item["key"],
            "id": str(item["id"]),
        }.get(param)
    if name in _USERS:
        return _user_value(state, issue.get(_USERS[name]), params)
    if name == "followers":
        return [_user_value(state, login, params) for login in issue.get("followers") or []]
    value = issue.get(_field_key(issue, name))
    return value if not params else None


def _user_value(state: SandboxState, login: Any, params: list[str]) -> Any:
    user = state.user(login) if login else None
    if user is None:
        return None
    param = params[0] if params else "display"
    if param == "id":
        return str(user["uid"])
    return user.get(param)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _render_body(state: SandboxState, body: Any, event: Event) -> str:
    """A string body is a template; an object body has templates in its strings."""
    if isinstance(body, str):
        return render(state, body, event)

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return render(state, node, event)
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        return node

    return json.dumps(walk(body), ensure_ascii=False) if body is not None else ""


# -- sending ---------------------------------------------------------------------------------


def send(
    state: SandboxState, trigger: dict[str, Any], action: dict[str, Any], event: Event
) -> Delivery:
    method = str(action.get("method") or "POST").upper()
    url = render(state, str(action.get("endpoint", "")), event)
    headers = {
        str(k): render(state, str(v), event) for k, v in (action.get("headers") or {}).items()
    }
    headers.setdefault("Content-Type", str(action.get("contentType") or "application/json"))
    headers.update(_auth_header(action.get("authContext") or {}))
    data = (
        _render_body(state, action.get("body"), event).encode("utf-8") if method != "GET" else None
    )
    shown = _SECRETS_IN_URL.sub(lambda m: (m.group(1) or m.group(2)) + "***", url)

    def done(status: int | None, error: str = "") -> Delivery:
        return Delivery(
            trigger_id=int(trigger.get("id", 0)),
            trigger_name=str(trigger.get("name", "")),
            event=event.name,
            issue=str(event.issue.get("key", "")),
            method=method,
            url=shown,
            status=status,
            error=error,
        )

    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    # No proxies: the sandbox talks to what the trigger names, as Tracker would.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            response.read()
            return done(response.status)
    except urllib.error.HTTPError as exc:
        return done(exc.code, str(exc.reason))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return done(None, str(exc))


def _auth_header(auth: dict[str, Any]) -> dict[str, str]:
    kind = str(auth.get("type", "noauth")).lower()
    if kind == "basic":
        pair = f"{auth.get('login', '')}:{auth.get('password', '')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    if kind == "oauth":
        name = str(auth.get("headerName") or "Authorization")
        return {name: f"{auth.get('tokenType') or 'OAuth'} {auth.get('accessToken', '')}".strip()}
    return {}
