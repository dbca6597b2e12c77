"""An issue's changelog and its links to other issues (docs/design/tracker-api.md "Links and changelog").

The changelog is written by events.emit (every create, edit, transition and comment), so it
holds what the sandbox did; `GET …/changelog` answers Tracker's entries
`{id, self, issue, updatedAt, updatedBy, type, transport, fields: [{field, from, to}]}`,
oldest first, `perPage` and `id` (after that entry) as Tracker pages them.
Links: `POST …/links {"relationship", "issue"}`, `GET …/links`, `DELETE …/links/<id>`; each
link is seen from both issues, with the direction and the relationship's name turned round.
"""

from __future__ import annotations

from typing import Any

from tracker_git.sandbox import render
from tracker_git.sandbox.api_issues import need_issue
from tracker_git.sandbox.state import SandboxState, now
from tracker_git.sandbox.wire import ApiError, Request, Response, obj

# Link type id -> (outward name, inward name), as Tracker names them.
LINK_TYPES = {
    "relates": ("relates", "relates"),
    "depends": ("depends on", "is dependent by"),
    "subtask": ("is parent task for", "is subtask for"),
    "duplicates": ("duplicates", "is duplicated by"),
    "epic": ("is epic of", "has epic"),
}
# The relationship a POST names -> (type id, seen from the posting issue: outward?).
_RELATIONSHIPS = {
    name: (tid, name == names[0]) for tid, names in LINK_TYPES.items() for name in names
}


def _value(state: SandboxState, req: Request, name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in render.REF_FIELDS:
        return render.dict_ref(state, req, render.REF_FIELDS[name], value)
    if name in render.USER_FIELDS:
        return render.user_ref(state, req, value)
    return value


def changelog(state: SandboxState, req: Request, key: str) -> Response:
    try:
        per_page = max(int(req.params.get("perPage", 50)), 1)
        after = int(req.params["id"]) if "id" in req.params else None
    except ValueError:
        raise ApiError(400, "perPage and id must be numbers") from None
    with state.lock:
        issue = need_issue(state, key)
        entries = state.data.get("changelog", {}).get(issue["key"], [])
        rest = [e for e in entries if after is None or e["id"] > after]
        page = rest[:per_page]
        ref = {"self": req.url("issues", issue["key"]), "id": issue["id"], "key": issue["key"],
               "display": issue["summary"]}  # fmt: skip
        out = [
            {
                "id": str(e["id"]),
                "self": req.url("issues", issue["key"], "changelog", e["id"]),
                "issue": ref,
                "updatedAt": e["updatedAt"],
                "updatedBy": render.user_ref(state, req, e["updatedBy"]),
                "type": e["type"],
                "transport": "front",
                "fields": [
                    {
                        "field": {"self": req.url("fields", name), "id": name, "display": name},
                        "from": _value(state, req, name, old),
                        "to": _value(state, req, name, new),
                    }
                    for name, old, new in e["fields"]
                ],
            }
            for e in page
        ]
    headers = {}
    if len(rest) > len(page):
        url = req.url("issues", issue["key"], "changelog")
        headers["Link"] = f'<{url}?perPage={per_page}&id={page[-1]["id"]}>; rel="next"'
    return Response(200, out, headers)


def _links(state: SandboxState) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = state.data.setdefault("issuelinks", [])
    return links


def _link(state: SandboxState, req: Request, key: str, stored: dict[str, Any]) -> dict[str, Any]:
    outward = stored["from"] == key
    other = state.issue(stored["to"] if outward else stored["from"]) or {}
    names = LINK_TYPES[stored["type"]]
    return {
        "self": req.url("issues", key, "links", stored["id"]),
        "id": stored["id"],
        "type": {
            "self": req.url("linktypes", stored["type"]),
            "id": stored["type"],
            "inward": names[1],
            "outward": names[0],
        },
        "direction": "outward" if outward else "inward",
        "object": {
            "self": req.url("issues", other.get("key")),
            "id": other.get("id"),
            "key": other.get("key"),
            "display": other.get("summary"),
        },
        "createdBy": render.user_ref(state, req, stored["createdBy"]),
        "updatedBy": render.user_ref(state, req, stored["createdBy"]),
        "createdAt": stored["createdAt"],
        "updatedAt": stored["createdAt"],
    }


def list_links(state: SandboxState, req: Request, key: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        mine = [x for x in _links(state) if issue["key"] in (x["from"], x["to"])]
        return Response(200, [_link(state, req, issue["key"], x) for x in mine])


def create_link(state: SandboxState, req: Request, key: str) -> Response:
    body = obj(req.body)
    relationship, target = body.get("relationship"), body.get("issue")
    errors = {}
    if relationship not in _RELATIONSHIPS:
        errors["relationship"] = f"Unknown relationship; one of: {', '.join(_RELATIONSHIPS)}"
    if not isinstance(target, str) or not target:
        errors["issue"] = "Required field"
    if errors:
        raise ApiError(422, None, errors)
    with state.lock:
        issue = need_issue(state, key)
        other = state.issue(str(target))
        if other is None:
            raise ApiError(404, f"Issue {target} does not exist.")
        if other["key"] == issue["key"]:
            raise ApiError(422, None, {"issue": "An issue cannot be linked to itself"})
        tid, outward = _RELATIONSHIPS[str(relationship)]
        ends = (issue["key"], other["key"]) if outward else (other["key"], issue["key"])
        for x in _links(state):
            if {x["from"], x["to"]} == set(ends):
                raise ApiError(409, "These issues are already linked.")
        state.data["counters"].setdefault("issuelink", 2000)
        stored = {"id": state.next_id("issuelink"), "type": tid, "from": ends[0], "to": ends[1],
                  "createdBy": state.data["myself"], "createdAt": now()}  # fmt: skip
        _links(state).append(stored)
        state.changed()
        return Response(201, _link(state, req, issue["key"], stored))


def delete_link(state: SandboxState, req: Request, key: str, lid: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        links = _links(state)
        for i, x in enumerate(links):
            if str(x["id"]) == lid and issue["key"] in (x["from"], x["to"]):
                del links[i]
                state.changed()
                return Response(204, None)
    raise ApiError(404, "Link does not exist.")
