"""The sandbox's starting data: queue DEMO with a review workflow, a few issues (one titled in
Cyrillic), the local URL field `standLink`, one registered application and the /myself user.

Everything is plain JSON so a state file is just this, changed."""

from __future__ import annotations

import hashlib
from typing import Any

DEFAULT_TOKEN = "sandbox-token"
DEFAULT_ORG_ID = "sandbox-org"
DEMO_QUEUE = "DEMO"
# Local fields are named `<24 hex>--<key>` in issue JSON (docs/design/tracker-api.md "Local fields").
LOCAL_PREFIX = "6054ae3a2b6b2c7f80bb9a93"
STAND_FIELD_KEY = "standLink"
STAND_FIELD_ID = f"{LOCAL_PREFIX}--{STAND_FIELD_KEY}"
WORKFLOW_ID = "demoReview"
SEED_TIME = "2026-01-15T09:00:00.000+0000"
URI_TYPE = "ru.yandex.startrek.core.fields.UriFieldType"


def hex_id(text: str) -> str:
    """A stable 24-hex id, the shape of Tracker's object ids."""
    return hashlib.sha1(text.encode()).hexdigest()[:24]


def _user(uid: int, login: str, first: str, last: str) -> dict[str, Any]:
    return {
        "uid": uid,
        "login": login,
        "trackerUid": uid,
        "passportUid": uid,
        "cloudUid": hex_id("cloud" + login)[:20],
        "firstName": first,
        "lastName": last,
        "display": f"{first} {last}",
        "email": f"{login}@example.com",
        "external": False,
        "hasLicense": True,
        "dismissed": False,
        "useNewFilters": True,
        "disableNotifications": False,
        "firstLoginDate": SEED_TIME,
        "lastLoginDate": SEED_TIME,
    }


_STATUSES = [
    # key, display, type
    ("open", "Open", "new"),
    ("inProgress", "In progress", "inProgress"),
    ("inReview", "In review", "inProgress"),
    ("readyForTest", "Ready for test", "inProgress"),
    ("needsRework", "Needs rework", "paused"),
    ("closed", "Closed", "done"),
]

_TRANSITIONS = [
    # id, display, from statuses, to status, required screen fields
    ("start_progress", "Start progress", ["open", "needsRework"], "inProgress", []),
    ("send_to_review", "Send to review", ["inProgress"], "inReview", []),
    ("ready_for_test", "Ready for test", ["inReview"], "readyForTest", []),
    ("needs_rework", "Needs rework", ["inReview", "readyForTest"], "needsRework", []),
    ("close", "Close", ["readyForTest"], "closed", ["resolution"]),
    ("reopen", "Reopen", ["closed"], "open", []),
]

_GLOBAL_FIELDS = [
    # id, name, schema type, items, readonly
    ("summary", "Summary", "string", None, False),
    ("description", "Description", "string", None, False),
    ("type", "Type", "issuetype", None, False),
    ("priority", "Priority", "priority", None, False),
    ("status", "Status", "status", None, True),
    ("previousStatus", "Previous status", "status", None, True),
    ("resolution", "Resolution", "resolution", None, False),
    ("assignee", "Assignee", "user", None, False),
    ("createdBy", "Created by", "user", None, True),
    ("updatedBy", "Updated by", "user", None, True),
    ("followers", "Followers", "array", "user", False),
    ("tags", "Tags", "array", "string", False),
    ("queue", "Queue", "queue", None, True),
    ("key", "Key", "string", None, True),
    ("fixVersions", "Fix versions", "array", "version", False),
    ("affectedVersions", "Affected versions", "array", "version", False),
    ("createdAt", "Created", "datetime", None, True),
    ("updatedAt", "Updated", "datetime", None, True),
]

_ISSUES = [
    # summary, type, status, resolution, assignee
    ("Sign in with SSO", "task", "open", None, None),
    ("Исправить падение при пустом ответе сервера", "bug", "inProgress", None, "sandbox.user"),
    ("Speed up the search page", "task", "inReview", None, "sandbox.user"),
    ("Update the onboarding guide", "task", "readyForTest", None, "petrov"),
    ("Remove the legacy export", "task", "closed", "fixed", "petrov"),
]


def global_field(
    fid: str, name: str, stype: str, items: str | None, readonly: bool
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": stype, "required": fid in ("summary", "queue")}
    if items:
        schema["items"] = items
    return {
        "id": fid,
        "key": fid,
        "name": name,
        "version": 1,
        "schema": schema,
        "readonly": readonly,
        "options": False,
        "suggest": False,
        "order": 100,
        "category": "000000000000000000000001",
        "type": "standard",
    }


def local_field(key: str, name: str, ftype: str, order: int = 1) -> dict[str, Any]:
    return {
        "id": f"{LOCAL_PREFIX}--{key}",
        "key": key,
        "name": name,
        "version": 1,
        "fieldType": ftype,
        "schema": {"type": "string", "required": False},
        "readonly": False,
        "options": False,
        "suggest": False,
        "queryProvider": {"type": "StringOptionalQueryProvider"},
        "order": order,
        "category": "000000000000000000000001",
        "type": "local",
    }


def new_issue(queue: str, number: int, summary: str, **fields: Any) -> dict[str, Any]:
    key = f"{queue}-{number}"
    issue: dict[str, Any] = {
        "id": hex_id("issue" + key),
        "key": key,
        "queue": queue,
        "version": 1,
        "summary": summary,
        "description": None,
        "type": "task",
        "priority": "normal",
        "status": "open",
        "previousStatus": None,
        "resolution": None,
        "assignee": None,
        "createdBy": "sandbox.user",
        "updatedBy": "sandbox.user",
        "createdAt": SEED_TIME,
        "updatedAt": SEED_TIME,
        "followers": [],
        "tags": [],
        "aliases": [],
    }
    issue.update(fields)
    return issue


def seed() -> dict[str, Any]:
    users = {
        u["login"]: u
        for u in (
            _user(1130000000000001, "sandbox.user", "Sandbox", "User"),
            _user(1130000000000002, "petrov", "Ivan", "Petrov"),
        )
    }
    statuses = [
        {"id": i, "version": 1, "key": k, "name": n, "description": n, "order": i * 100, "type": t}
        for i, (k, n, t) in enumerate(_STATUSES, start=1)
    ]
    transitions = [
        {
            "id": tid,
            "display": d,
            "from": src,
            "to": to,
            "screen": hex_id("screen" + tid) if req else None,
            "required": req,
        }
        for tid, d, src, to, req in _TRANSITIONS
    ]
    issues = {}
    for n, (summary, itype, status, resolution, assignee) in enumerate(_ISSUES, start=1):
        issue = new_issue(DEMO_QUEUE, n, summary, type=itype, status=status)
        issue.update(resolution=resolution, assignee=assignee)
        issues[issue["key"]] = issue
    issues["DEMO-3"][STAND_FIELD_ID] = "https://stand-3.example.com"
    issues["DEMO-2"]["description"] = "Приложение падает, если сервер вернул пустое тело."
    return {
        "format": 1,
        "myself": "sandbox.user",
        "users": users,
        "statuses": statuses,
        "resolutions": [
            {"id": 1, "key": "fixed", "name": "Fixed", "order": 1},
            {"id": 2, "key": "wontFix", "name": "Won't fix", "order": 2},
            {"id": 3, "key": "duplicate", "name": "Duplicate", "order": 3},
            {"id": 4, "key": "invalid", "name": "Invalid", "order": 4},
        ],
        "issuetypes": [
            {"id": 1, "key": "bug", "name": "Bug", "order": 1},
            {"id": 2, "key": "task", "name": "Task", "order": 2},
        ],
        "priorities": [
            {"id": 1, "key": "trivial", "name": "Trivial", "order": 1},
            {"id": 2, "key": "minor", "name": "Minor", "order": 2},
            {"id": 3, "key": "normal", "name": "Normal", "order": 3},
            {"id": 4, "key": "critical", "name": "Critical", "order": 4},
            {"id": 5, "key": "blocker", "name": "Blocker", "order": 5},
        ],
        "applications": [
            {"id": "ru.yandex.bitbucket", "type": "ru.yandex.bitbucket", "name": "Bitbucket"}
        ],
        "fields": [global_field(*f) for f in _GLOBAL_FIELDS],
        "workflows": {WORKFLOW_ID: {"initial": "open", "transitions": transitions}},
        "queues": {
            DEMO_QUEUE: {
                "id": "1",
                "key": DEMO_QUEUE,
                "version": 1,
                "name": "Demo",
                "description": "The sandbox's demo queue",
                "lead": "sandbox.user",
                "defaultType": "task",
                "defaultPriority": "normal",
                "workflow": WORKFLOW_ID,
                "localFields": [local_field(STAND_FIELD_KEY, "Stand link", URI_TYPE)],
                "nextNumber": len(issues) + 1,
            }
        },
        "issues": issues,
        "comments": {},
        "remotelinks": {},
        "triggers": {},
        "versions": {},
        "counters": {"comment": 100, "remotelink": 1000, "trigger": 10, "version": 49650},
    }
