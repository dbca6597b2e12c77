"""What `apply` would change: the file's alerts against the triggers the queues hold.

Only triggers named with build.PREFIX are looked at; a trigger made by hand is never in a plan.
Tracker's API documents no way to delete a trigger, so one that left the file is switched
off (`active: false`), which `apply` can switch on again if the alert comes back.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker_git.core.loopback import server
from tracker_git.notify import message
from tracker_git.notify.build import Desired, alert_name, hide

CREATE, UPDATE, SWITCH_OFF, UNCHANGED = "create", "update", "switch off", "unchanged"
_OURS = ("Or", "And", "or", "and", "FieldEquals", "FieldBecameEqual", "FieldChangedCondition")
_EVENTS = {
    "Event.create": "issue created",
    "Event.update": "issue updated",
    "Event.comment-create": "comment added",
}


@dataclass(frozen=True)
class Change:
    kind: str  # CREATE, UPDATE, SWITCH_OFF or UNCHANGED
    queue: str
    name: str  # the alert's name
    desired: Desired | None  # None for SWITCH_OFF
    existing: dict[str, Any] | None  # the trigger as Tracker returned it; None for CREATE
    lines: tuple[str, ...]  # what changes, readable, secrets hidden

    @property
    def changes_anything(self) -> bool:
        return self.kind != UNCHANGED


def plan(desired: list[Desired], existing: Mapping[str, list[dict[str, Any]]]) -> list[Change]:
    """`existing`: queue key -> the triggers GET …/triggers returned, for every queue of the file."""
    secrets = {k: v for d in desired for k, v in d.secrets.items()}
    changes: list[Change] = []
    for queue in sorted({d.alert.queue for d in desired} | set(existing)):
        ours: dict[str, list[dict[str, Any]]] = {}
        for trigger in sorted(existing.get(queue, []), key=lambda t: int(t.get("id", 0))):
            name = alert_name(str(trigger.get("name", "")))
            if name is not None:
                ours.setdefault(name, []).append(trigger)
        for want in (d for d in desired if d.alert.queue == queue):
            found = ours.pop(want.alert.name, [])
            changes.append(_compare(queue, want, found[0] if found else None, secrets))
            # A second trigger of the same name (a copy made in the UI) would send twice.
            changes += [
                _switch_off(queue, want.alert.name, t, secrets) for t in found[1:] if _active(t)
            ]
        for name, triggers in sorted(ours.items()):
            changes += [_switch_off(queue, name, t, secrets) for t in triggers if _active(t)]
    return changes


def _active(trigger: Mapping[str, Any]) -> bool:
    return bool(trigger.get("active", True))


def _compare(
    queue: str, want: Desired, found: dict[str, Any] | None, secrets: Mapping[str, str]
) -> Change:
    new = describe(want.trigger, secrets)
    if found is None:
        return Change(
            CREATE, queue, want.alert.name, want, None, tuple("+ " + line for line in new)
        )
    if canonical(found) == canonical(want.trigger):
        return Change(UNCHANGED, queue, want.alert.name, want, found, ())
    old = describe(found, secrets)
    return Change(UPDATE, queue, want.alert.name, want, found, tuple(diff(old, new)))


def _switch_off(
    queue: str, name: str, trigger: dict[str, Any], secrets: Mapping[str, str]
) -> Change:
    return Change(SWITCH_OFF, queue, name, None, trigger, ("- active: yes", "+ active: no"))


def diff(old: list[str], new: list[str]) -> list[str]:
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out += ["  " + line for line in old[a1:a2]]
            continue
        out += ["- " + line for line in old[a1:a2]]
        out += ["+ " + line for line in new[b1:b2]]
    return out


# -- comparing ---------------------------------------------------------------------------------


def canonical(trigger: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a trigger we set, in one form whether we built it or Tracker returned it."""
    conditions = [_condition(c) for c in trigger.get("conditions") or []]
    if len(conditions) == 1 and conditions[0].get("type") == "And":
        conditions = conditions[0]["conditions"]
    return {
        "name": trigger.get("name"),
        "active": bool(trigger.get("active", True)),
        "conditions": conditions,
        "actions": [_action(a) for a in trigger.get("actions") or []],
    }


def _condition(condition: Any) -> dict[str, Any]:
    if not isinstance(condition, dict):
        return {"value": condition}
    kind = str(condition.get("type", ""))
    if kind.startswith("Event.") or kind in _OURS:
        # Only what we set: Tracker may answer with extra keys (defaults) we never send.
        out = {k: v for k, v in condition.items() if k in ("type", "field", "value", "conditions")}
    else:
        out = {k: v for k, v in condition.items() if k not in ("id", "self")}
    if kind.lower() in ("or", "and"):
        out["type"] = kind.capitalize()
        out["conditions"] = [_condition(c) for c in out.get("conditions") or []]
    value = out.get("value")
    if isinstance(value, dict):  # Tracker may answer a key with a reference object
        out["value"] = str(value.get("key", value.get("id", value.get("display"))))
    return out


def _action(action: Any) -> dict[str, Any]:
    if not isinstance(action, dict):
        return {"value": action}
    if action.get("type") != "Webhook":
        return {k: v for k, v in action.items() if k not in ("id", "self")}
    body = action.get("body")
    auth = {k: v for k, v in (action.get("authContext") or {"type": "noauth"}).items() if k != "id"}
    return {
        "type": "Webhook",
        "endpoint": action.get("endpoint"),
        "method": str(action.get("method") or "").upper(),
        "contentType": action.get("contentType"),
        "authContext": {**auth, "type": str(auth.get("type", "noauth")).lower()},
        "headers": action.get("headers") or {},
        "body": body if isinstance(body, str) or body is None else json.dumps(body, sort_keys=True),
    }


# -- describing ----------------------------------------------------------------------------------


def describe(trigger: Mapping[str, Any], secrets: Mapping[str, str]) -> list[str]:
    """A trigger in a few readable lines, secrets hidden; used for plans and `list`."""
    lines = [f"active: {'yes' if trigger.get('active', True) else 'no'}"]
    when = [describe_condition(c) for c in trigger.get("conditions") or []]
    lines += _labelled("when", when or ["always"])
    for action in trigger.get("actions") or []:
        lines += _describe_action(action, secrets)
    return lines


def describe_condition(condition: Any) -> str:
    if not isinstance(condition, dict):
        return json.dumps(condition, ensure_ascii=False)
    kind = str(condition.get("type", ""))
    field, value = condition.get("field"), _condition(condition).get("value")
    if kind.lower() in ("or", "and"):
        inner = [describe_condition(c) for c in condition.get("conditions") or []]
        if all(c.startswith(("issue ", "comment ")) for c in inner) and kind.lower() == "or":
            return " or ".join(inner)
        return "(" + f" {kind.lower()} ".join(inner) + ")"
    if kind in _EVENTS:
        return _EVENTS[kind]
    if kind in ("FieldEquals", "FieldEqualsString"):
        return f"{field} = {value}"
    if kind == "FieldBecameEqual":
        return f"{field} becomes {value}"
    if kind == "FieldChangedCondition":
        return f"{field} changes"
    rest = {k: v for k, v in condition.items() if k not in ("id", "self")}
    return json.dumps(rest, ensure_ascii=False)


def _describe_action(action: Any, secrets: Mapping[str, str]) -> list[str]:
    if not isinstance(action, dict) or action.get("type") != "Webhook":
        return [f"do: {hide(json.dumps(action, ensure_ascii=False), secrets)}"]
    url = hide(str(action.get("endpoint", "")), secrets)
    content_type = str(action.get("contentType") or "")
    body = action.get("body")
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    ours = content_type in (message.SLACK_CONTENT_TYPE, message.TELEGRAM_CONTENT_TYPE)
    said = message.slack_message(text) if ours else None
    if said is not None and "$" not in url:
        # A Slack webhook URL is a secret as a whole; we do not know its variable here.
        url = server(url) + "/***"
    lines = [f"send: {str(action.get('method') or 'POST').upper()} {url}"]
    chat = message.telegram_part(text, "chat_id") if ours and said is None else None
    if chat is not None:
        said = message.telegram_part(text, "text")
        lines.append(f"chat: {chat}")
    if said is None:
        lines.append(f"type: {content_type}")
        return lines + _labelled("body", hide(text, secrets).split("\n"))
    return lines + _labelled("message", said.split("\n"))


def _labelled(label: str, values: list[str]) -> list[str]:
    pad = " " * (len(label) + 2)
    return [f"{label}: {values[0]}", *(pad + v for v in values[1:])]
