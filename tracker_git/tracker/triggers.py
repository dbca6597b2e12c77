"""Queue triggers over Tracker's API (docs/design/tracker-api.md "Triggers"): list, create, change, delete.

Kept apart from client.py: it sends through TrackerClient.request (its session, timeout and
retry policy) and words the answers that mean something for triggers (403: not a queue
administrator, 409/412: someone else changed the trigger). Only GETs are retried: a create
that got no answer may have happened, and the next `notify apply` finds it by name instead
of making a second; a change carries `?version=`, so it can never apply twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tracker_git.core.errors import OperationFailed
from tracker_git.http import describe

if TYPE_CHECKING:
    from tracker_git.tracker.client import TrackerClient


class Triggers:
    def __init__(self, client: TrackerClient) -> None:
        self.client = client

    def _call(
        self,
        method: str,
        queue: str,
        trigger_id: int | None,
        what: str,
        *,
        body: Mapping[str, object] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        path = ("queues", queue, "triggers", *([str(trigger_id)] if trigger_id is not None else []))
        return self.client.request(
            method, path, what=what, body=body, params=params, explain=explain
        )

    def list(self, queue: str) -> list[dict[str, Any]]:
        what = f"read the triggers of queue {queue}"
        found = self._call("GET", queue, None, what)
        if not isinstance(found, list):
            raise OperationFailed(f"cannot {what}: Tracker answered something else than a list")
        return [t for t in found if isinstance(t, dict)]

    def create(self, queue: str, body: Mapping[str, object]) -> dict[str, Any]:
        made = self._call("POST", queue, None, f"create a trigger in queue {queue}", body=body)
        return made if isinstance(made, dict) else {}

    def update(
        self, queue: str, trigger_id: int, version: int, body: Mapping[str, object]
    ) -> dict[str, Any]:
        what = f"change trigger {trigger_id} in queue {queue}"
        params = {"version": str(version)}
        changed = self._call("PATCH", queue, trigger_id, what, body=body, params=params)
        return changed if isinstance(changed, dict) else {}

    def delete(self, queue: str, trigger_id: int) -> None:
        self._call("DELETE", queue, trigger_id, f"delete trigger {trigger_id} in queue {queue}")


def explain(status: int, errors: Mapping[str, str], messages: tuple[str, ...], said: str) -> str:
    """Why, and what to do, for the answers that mean something special for triggers."""
    quoted = f" ({said})" if said else ""
    if status == 403 and not any("organization" in m.lower() for m in messages):
        return (
            f"no permission (403){quoted}: managing triggers needs queue administrator rights; "
            "ask the queue's owner"
        )
    if status == 404:
        return f"not found (404){quoted}: check the queue key (it is case-sensitive) and the organization"
    if status in (409, 412):
        return (
            f"the trigger was changed by someone else meanwhile ({status}){quoted}; "
            "run 'git tracker notify plan' to see it now, then apply again"
        )
    return describe(status, errors, messages, said)
