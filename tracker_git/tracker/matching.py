"""How the client decides what a request would change: which status a name means, which
transition leads there, and whether an edit would leave a field as it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker_git.core.output import escape
from tracker_git.tracker.models import Issue, Transition


def _fold(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def matches(wanted: str, status_key: str, status_display: str) -> bool:
    """A status key matches exactly; a display name ignoring case, spaces and punctuation."""
    if not wanted:
        return False
    return wanted == status_key or (bool(status_display) and _fold(wanted) == _fold(status_display))


def pick(wanted: str, options: list[Transition]) -> Transition | None:
    for t in options:  # keys first: a display name could collide with another status's key
        if t.to_key == wanted:
            return t
    for t in options:
        if matches(wanted, "", t.to_display) or _fold(wanted) == _fold(t.to_key):
            return t
    return None


def unreachable(key: str, wanted: str, issue: Issue, options: list[Transition]) -> str:
    """The one-line error; Tracker's names escaped, so none can start a line of its own."""
    here = f"{escape(issue.status_display)} ({escape(issue.status_key)})"
    if not options:
        return f"{key} is in {here}, and no transition leaves it for you; nothing was changed"
    reachable = ", ".join(
        dict.fromkeys(f"{escape(t.to_key)} ({escape(t.to_display)})" for t in options if t.to_key)
    )
    return (
        f"{key} cannot go from {here} to {wanted!r} in one step; reachable from here: {reachable}"
    )


def same_value(current: Any, wanted: Any) -> bool:
    """Whether writing `wanted` would leave `current` as it is. A reference (`{"key": ..,
    "id": .., "display": ..}`) equals a string naming its key or id; operators (`{"add": ..}`)
    and anything unsure count as a change."""
    if current == wanted:
        return True
    if isinstance(wanted, Mapping):
        if set(wanted) & {"add", "remove", "set", "replace"}:
            if set(wanted) == {"set"}:
                return same_value(current, wanted["set"])
            return False
        if isinstance(current, Mapping):
            return all(_ref_equal(current.get(k), v) for k, v in wanted.items())
        return False
    if isinstance(current, Mapping) and isinstance(wanted, str | int):
        return str(wanted) in (str(current.get("key")), str(current.get("id")))
    if wanted is None:
        return current in (None, "", [])
    return False


def _ref_equal(a: Any, b: Any) -> bool:
    return a == b or (a is not None and str(a) == str(b))
