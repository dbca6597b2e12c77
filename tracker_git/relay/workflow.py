"""The relay's moves checked against Tracker's workflow when it starts: a configured status
that closes an issue needs a resolution the configuration gives, and a configured resolution
must be one the queue allows.

Tracker sets an issue's resolution on the transitions into a status of type `done` or
`cancelled` (Closed, Resolved, Won't do) and its closing transitions require one in the
request (`resolution`, docs/design/tracker-api.md); the API shows no queue-wide list of which
transition screens require which fields, so the status's type is the rule. A move to such a
status without `[resolutions] <event>` would fail on every delivery; the check names each one
up front (`git tracker relay --check` fails; a starting relay logs them and runs on).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from tracker_git.relay.config import RelayConfig
from tracker_git.tracker.matching import matches

CLOSING = ("done", "cancelled")


class WorkflowReader(Protocol):
    def statuses(self) -> list[dict[str, Any]]: ...

    def queue_resolutions(self, queue: str) -> set[str]: ...


def _find(statuses: Iterable[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    for status in statuses:
        name = status.get("name")
        display = str(name.get("en") or "") if isinstance(name, dict) else str(name or "")
        if matches(wanted, str(status.get("key") or ""), display):
            return status
    return None


def problems(config: RelayConfig, reader: WorkflowReader) -> list[str]:
    """One line per configured move that cannot succeed as configured; [] when all can."""
    found: list[str] = []
    statuses = reader.statuses()
    for kind, status in config.statuses.items():
        if not status:
            continue
        known = _find(statuses, status)
        if known is None:
            found.append(f"[statuses] {kind} = {status!r}: Tracker has no such status")
        elif str(known.get("type")) in CLOSING and not config.resolutions.get(kind):
            found.append(
                f"[statuses] {kind} = {status!r} closes the issue, and Tracker's transitions "
                f'into it need a resolution; set [resolutions] {kind} (e.g. "fixed")'
            )
    for queue in config.queues:
        allowed = reader.queue_resolutions(queue)
        for kind, resolution in config.resolutions.items():
            if resolution not in allowed:
                found.append(
                    f"[resolutions] {kind} = {resolution!r}: queue {queue} has no such "
                    f"resolution (it has: {', '.join(sorted(allowed)) or 'none'})"
                )
    return found
