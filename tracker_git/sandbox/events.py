"""The one place issue events leave the sandbox: after an issue is created, updated,
transitioned or commented, every hook in `state.hooks` gets an `Event`.

Event names are Tracker's trigger event condition types (docs/design/tracker-api.md "Triggers"):
`Event.create`, `Event.update` (a transition is an update whose `changes` hold `status`),
`Event.comment-create`. Hooks run in the request's thread after the change is stored and
the lock released; a hook that raises is recorded in `state.hook_errors`, never fails the
request. Every event also becomes an entry of the issue's changelog. Trigger firing plugs in through `tracker_git.sandbox.triggers.on_event` (if that
module exists it is a default hook), or by appending to `state.hooks`."""

from __future__ import annotations

import copy
import importlib
import traceback
from dataclasses import dataclass, field
from typing import Any

from tracker_git.core import output
from tracker_git.sandbox.state import Hook, SandboxState, now

CREATE = "Event.create"
UPDATE = "Event.update"
COMMENT_CREATE = "Event.comment-create"


@dataclass(frozen=True)
class Event:
    name: str
    issue: dict[str, Any]  # a copy of the stored issue after the change
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (old, new)
    comment: dict[str, Any] | None = None  # the stored comment, for comment events
    transition: str | None = None  # the executed transition id


def default_hooks() -> list[Hook]:
    try:
        module = importlib.import_module("tracker_git.sandbox.triggers")
    except ModuleNotFoundError as exc:
        if exc.name != "tracker_git.sandbox.triggers":
            raise
        return []
    hook = getattr(module, "on_event", None)
    return [hook] if callable(hook) else []


# Event -> the changelog entry type Tracker shows for it.
_CHANGELOG_TYPES = {
    CREATE: "IssueCreated",
    UPDATE: "IssueUpdated",
    COMMENT_CREATE: "IssueCommentAdded",
}


def record(state: SandboxState, name: str, key: str, changes: dict[str, tuple[Any, Any]]) -> None:
    """One changelog entry (read by api_history.changelog)."""
    with state.lock:
        entries = state.data.setdefault("changelog", {}).setdefault(key, [])
        state.data["counters"].setdefault("changelog", 5000)
        entries.append(
            {
                "id": state.next_id("changelog"),
                "type": _CHANGELOG_TYPES[name],
                "updatedAt": now(),
                "updatedBy": state.data["myself"],
                "fields": [[field, old, new] for field, (old, new) in changes.items()],
            }
        )
        state.changed()


def emit(state: SandboxState, name: str, issue: dict[str, Any], **details: Any) -> None:
    record(state, name, str(issue["key"]), details.get("changes") or {})
    if not state.hooks:
        return
    with state.lock:
        event = Event(name, copy.deepcopy(issue), **copy.deepcopy(details))
    for hook in list(state.hooks):
        try:
            hook(state, event)
        except Exception:
            text = traceback.format_exc()
            state.hook_errors.append(text)
            output.info(f"sandbox: an event hook failed on {name} {issue.get('key')}:\n{text}")
