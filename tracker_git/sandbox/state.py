"""The sandbox's data: one JSON-shaped dict behind a lock, optionally kept in a file.

Tests read and seed it directly through the helpers here (`issue`, `add_issue`, `set_field`,
`comments`, `triggers`); handlers change it under `lock` and call `changed()`."""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker_git.sandbox import seed as seeds

Hook = Callable[["SandboxState", "Any"], None]


def now() -> str:
    """Tracker's timestamp format: 2017-06-11T05:16:01.339+0000 (UTC)."""
    t = datetime.now(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


class SandboxState:
    def __init__(self, data: dict[str, Any] | None = None, path: Path | None = None) -> None:
        self.data: dict[str, Any] = data if data is not None else seeds.seed()
        self.path = path
        self.lock = threading.RLock()
        # Called with (state, Event) after an issue is created, updated, transitioned or
        # commented; see events.py. Filled with the default hooks by the server.
        self.hooks: list[Hook] = []
        self.hook_errors: list[str] = []

    # -- persistence -------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | None) -> SandboxState:
        """Load `path` if it exists, otherwise start from the seed (and write it there)."""
        if path is None:
            return cls()
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ValueError(f"cannot read the sandbox state {path}: {exc}") from None
            if not isinstance(data, dict) or data.get("format") != 1:
                raise ValueError(f'{path} is not a sandbox state file (no "format": 1)')
            state = cls(data, path)
        else:
            state = cls(None, path)
        state.save()
        return state

    def save(self) -> None:
        if self.path is None:
            return
        # Under the lock: two threads saving at once would race on the temporary file.
        with self.lock:
            text = json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)

    def reset(self) -> None:
        """Back to the seed (the hooks stay)."""
        with self.lock:
            self.data = seeds.seed()
            self.hook_errors.clear()
            self.save()

    def changed(self) -> None:
        self.save()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self.data)

    # -- lookups -----------------------------------------------------------------------
    @property
    def issues(self) -> dict[str, dict[str, Any]]:
        issues: dict[str, dict[str, Any]] = self.data["issues"]
        return issues

    def issue(self, key_or_id: str) -> dict[str, Any] | None:
        """The stored issue (not a copy) by key, alias or id; None when there is none."""
        found = self.issues.get(key_or_id)
        if found is not None:
            return found
        for issue in self.issues.values():
            if issue["id"] == key_or_id or key_or_id in issue.get("aliases", ()):
                return issue
        return None

    def queue(self, key_or_id: str) -> dict[str, Any] | None:
        queues: dict[str, dict[str, Any]] = self.data["queues"]
        if key_or_id in queues:  # queue keys are case-sensitive in Tracker
            return queues[key_or_id]
        return next((q for q in queues.values() if q["id"] == key_or_id), None)

    def user(self, login_or_id: object) -> dict[str, Any] | None:
        users: dict[str, dict[str, Any]] = self.data["users"]
        text = str(login_or_id).removeprefix("login:")
        if text in users:
            return users[text]
        return next((u for u in users.values() if str(u["uid"]) == text), None)

    @property
    def myself(self) -> dict[str, Any]:
        me = self.user(self.data["myself"])
        assert me is not None
        return me

    def status(self, key_or_id: object) -> dict[str, Any] | None:
        return self._dictionary("statuses", key_or_id)

    def _dictionary(self, name: str, key_or_id: object) -> dict[str, Any] | None:
        for item in self.data[name]:
            if item["key"] == key_or_id or str(item["id"]) == str(key_or_id):
                return dict(item)
        return None

    def lookup(self, name: str, key_or_id: object) -> dict[str, Any] | None:
        """An entry of a dictionary: statuses, resolutions, issuetypes, priorities."""
        return self._dictionary(name, key_or_id)

    def workflow(self, queue_key: str) -> dict[str, Any]:
        queue = self.queue(queue_key)
        assert queue is not None
        wf: dict[str, Any] = self.data["workflows"][queue["workflow"]]
        return wf

    def transitions_from(self, issue: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            t for t in self.workflow(issue["queue"])["transitions"] if issue["status"] in t["from"]
        ]

    def local_fields(self, queue_key: str) -> list[dict[str, Any]]:
        queue = self.queue(queue_key)
        return list(queue["localFields"]) if queue else []

    @property
    def versions(self) -> dict[str, dict[str, Any]]:
        """Stored queue versions by id (a state file from before versions has none)."""
        stored: dict[str, dict[str, Any]] = self.data.setdefault("versions", {})
        return stored

    def version(self, queue: str, value: Any) -> dict[str, Any] | None:
        """A version of `queue` by id, name, or an object carrying one of them."""
        if isinstance(value, dict):
            value = value.get("id", value.get("name", value.get("key")))
        if not isinstance(value, str | int) or isinstance(value, bool):
            return None
        for v in self.versions.values():
            if v["queue"] == queue and (str(v["id"]) == str(value) or v["name"] == value):
                return v
        return None

    def comments(self, key: str) -> list[dict[str, Any]]:
        comments: list[dict[str, Any]] = self.data["comments"].setdefault(key, [])
        return comments

    def remotelinks(self, key: str) -> list[dict[str, Any]]:
        links: list[dict[str, Any]] = self.data["remotelinks"].setdefault(key, [])
        return links

    def triggers(self, queue_key: str) -> list[dict[str, Any]]:
        triggers: list[dict[str, Any]] = self.data["triggers"].setdefault(queue_key, [])
        return triggers

    def next_id(self, counter: str) -> int:
        with self.lock:
            self.data["counters"][counter] += 1
            value: int = self.data["counters"][counter]
            return value

    # -- seeding helpers for tests ----------------------------------------------------
    def add_issue(self, summary: str, queue: str = seeds.DEMO_QUEUE, **fields: Any) -> str:
        """Create an issue directly (no request, no event); returns its key."""
        with self.lock:
            q = self.queue(queue)
            if q is None:
                raise KeyError(f"no queue {queue}")
            number = q["nextNumber"]
            q["nextNumber"] = number + 1
            fields.setdefault("status", self.workflow(queue)["initial"])
            stamp = now()
            issue = seeds.new_issue(
                q["key"], number, summary, createdAt=stamp, updatedAt=stamp, **fields
            )
            self.issues[issue["key"]] = issue
            self.changed()
            return str(issue["key"])

    def set_field(self, key: str, field: str, value: Any) -> None:
        """Write a stored field directly (status included), bumping the version."""
        with self.lock:
            issue = self.issue(key)
            if issue is None:
                raise KeyError(key)
            issue[field] = value
            issue["version"] += 1
            self.changed()

    def add_queue(self, key: str, name: str | None = None) -> dict[str, Any]:
        """A second queue with the demo workflow and its own (empty) local fields."""
        with self.lock:
            queues = self.data["queues"]
            queue = {
                "id": str(len(queues) + 1),
                "key": key,
                "version": 1,
                "name": name or key.title(),
                "description": "",
                "lead": self.data["myself"],
                "defaultType": "task",
                "defaultPriority": "normal",
                "workflow": seeds.WORKFLOW_ID,
                "localFields": [],
                "nextNumber": 1,
            }
            queues[key] = queue
            self.changed()
            return queue
