"""Operators' tools over the queue: `git tracker relay tasks`, `relay retry ID|--failed`,
`relay drop ID` (the command's module, tracker_git.commands.relay, only parses and prints).

Every value shown comes from the queue, where webhook bodies and Tracker's answers put it:
each is escaped (tracker_git.core.output.escape) before it reaches the terminal.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from tracker_git.core.errors import OperationFailed, UsageError
from tracker_git.core.output import escape
from tracker_git.relay.queue import SqlQueue

STATES = ("pending", "running", "done", "failed", "dropped")
_COLUMNS = ("ID", "STATE", "TRIES", "ISSUE", "STATUS", "EVENT", "FORGE", "AGE", "LAST ERROR")


def _age(seconds: float) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(max(seconds, 0))}s"


def table(
    queue: SqlQueue,
    *,
    state: str | None = None,
    issue: str | None = None,
    forge: str | None = None,
    limit: int = 50,
    now: float | None = None,
) -> list[str]:
    """The newest tasks as lines of a table (a header first), or one line saying none."""
    if state is not None and state not in STATES:
        raise UsageError(f"--state must be one of {', '.join(STATES)}, not {state!r}")
    rows = queue.recent(state=state, issue=issue, forge=forge, limit=limit)
    if not rows:
        return ["no tasks" + (" match" if state or issue or forge else " in the queue")]
    at = time.time() if now is None else now
    cells: list[tuple[str, ...]] = [_COLUMNS]
    for row in rows:
        shown = "running" if row["state"] == "pending" and row["claimed_by"] else row["state"]
        what = row["status"] if row["action"] == "transition" else row["action"]
        error = " ".join(str(row["last_error"] or "").split())
        values = (
            row["id"], shown, row["attempts"], row["issue"], what, row["kind"], row["forge"],
            _age(at - float(str(row["created"]))),
            error if len(error) <= 80 else error[:77] + "...",
        )  # fmt: skip
        cells.append(tuple(escape(str(value)) for value in values))
    widths = [max(len(line[i]) for line in cells) for i in range(len(_COLUMNS) - 1)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)).rstrip()
        + ("  " + line[-1] if line[-1] else "")
        for line in cells
    ]


def retry(queue: SqlQueue, ids: Sequence[int] | None) -> tuple[list[str], bool]:
    """Requeue failed tasks (`ids`, or all failed: None); lines to show, and whether every
    named task was requeued."""
    requeued, refused = queue.requeue(ids)
    lines = [f"task {task_id} queued again" for task_id in requeued]
    lines += [f"task {task_id} not queued: {escape(why)}" for task_id, why in refused]
    if not lines:
        lines = ["no failed tasks"]
    return lines, not refused


def drop(queue: SqlQueue, task_id: int) -> str:
    try:
        was = queue.drop(task_id, time.time())
    except ValueError as exc:
        raise OperationFailed(str(exc)) from None
    if not was:
        raise OperationFailed(
            f"no task {task_id} in the queue; `git tracker relay tasks` lists them"
        )
    return f"task {task_id} dropped (it was {was})"
