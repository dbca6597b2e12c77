"""Stored data -> Tracker's JSON: references `{self, id, key, display}`, issues, comments,
transitions, fields, triggers. Empty fields are left out, as Tracker does."""

from __future__ import annotations

from typing import Any

from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import Request

# Stored issue field -> the dictionary its value is a key of.
REF_FIELDS = {
    "status": "statuses",
    "previousStatus": "statuses",
    "type": "issuetypes",
    "priority": "priorities",
    "resolution": "resolutions",
}
USER_FIELDS = ("assignee", "createdBy", "updatedBy")
INTERNAL = ("queue", "unique")
VERSION_FIELDS = ("fixVersions", "affectedVersions")  # lists of version ids


def dict_ref(state: SandboxState, req: Request, name: str, key: object) -> dict[str, Any] | None:
    item = state.lookup(name, key)
    if item is None:
        return None
    return {
        "self": req.url(name, item["id"]),
        "id": str(item["id"]),
        "key": item["key"],
        "display": item["name"],
    }


def user_ref(state: SandboxState, req: Request, login: object) -> dict[str, Any] | None:
    user = state.user(login)
    if user is None:
        return None
    uid = str(user["uid"])
    return {"self": req.url("users", uid), "id": uid, "display": user["display"]}


def version_ref(state: SandboxState, req: Request, vid: object) -> dict[str, Any]:
    stored = state.data.get("versions", {}).get(str(vid), {})
    return {"self": req.url("versions", vid), "id": str(vid), "display": stored.get("name", "")}


def version(state: SandboxState, req: Request, v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"self": req.url("versions", v["id"]), "id": v["id"]}
    out["version"] = v["version"]
    out["queue"] = queue_ref(state, req, v["queue"])
    out.update((k, v[k]) for k in ("name", "description", "startDate", "dueDate") if v.get(k))
    out.update(released=v["released"], archived=v["archived"])
    return out


def queue_ref(state: SandboxState, req: Request, key: str) -> dict[str, Any]:
    q = state.queue(key)
    assert q is not None
    return {
        "self": req.url("queues", q["key"]),
        "id": q["id"],
        "key": q["key"],
        "display": q["name"],
    }


def issue(
    state: SandboxState, req: Request, stored: dict[str, Any], expand: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {"self": req.url("issues", stored["key"])}
    for name, value in stored.items():
        if name in INTERNAL or value is None or (value == [] and name != "aliases"):
            continue
        if name in REF_FIELDS:
            out[name] = dict_ref(state, req, REF_FIELDS[name], value)
        elif name in USER_FIELDS:
            out[name] = user_ref(state, req, value)
        elif name == "followers":
            out[name] = [user_ref(state, req, login) for login in value]
        elif name in VERSION_FIELDS:
            out[name] = [version_ref(state, req, vid) for vid in value]
        else:
            out[name] = value
    out["queue"] = queue_ref(state, req, stored["queue"])
    out.setdefault("votes", 0)
    out.setdefault("favorite", False)
    if "transitions" in expand.split(","):
        out["transitions"] = transitions(state, req, stored)
    return out


def transition(
    state: SandboxState, req: Request, stored: dict[str, Any], t: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": t["id"],
        "self": req.url("issues", stored["key"], "transitions", t["id"]),
        "display": t["display"],
        "to": dict_ref(state, req, "statuses", t["to"]),
    }
    if t.get("screen"):
        out["screen"] = {"self": req.url("screens", t["screen"]), "id": t["screen"]}
    return out


def transitions(state: SandboxState, req: Request, stored: dict[str, Any]) -> list[dict[str, Any]]:
    return [transition(state, req, stored, t) for t in state.transitions_from(stored)]


def comment(state: SandboxState, req: Request, key: str, stored: dict[str, Any]) -> dict[str, Any]:
    out = dict(stored)
    out["self"] = req.url("issues", key, "comments", stored["id"])
    out["createdBy"] = user_ref(state, req, stored["createdBy"])
    out["updatedBy"] = user_ref(state, req, stored["updatedBy"])
    return out


def application(req: Request, app: dict[str, Any]) -> dict[str, Any]:
    return {"self": req.url("applications", app["id"]), **app}


def remotelink(
    state: SandboxState, req: Request, key: str, stored: dict[str, Any]
) -> dict[str, Any]:
    app = next(a for a in state.data["applications"] if a["id"] == stored["origin"])
    rel = stored["relationship"]
    return {
        "self": req.url("issues", key, "remotelinks", stored["id"]),
        "id": stored["id"],
        "type": {
            "self": req.url("linktypes", rel),
            "id": rel,
            "inward": "Linked",
            "outward": "Linked",
        },
        "direction": "outward",
        "object": {
            "self": req.url("applications", app["id"], "objects", stored["objectId"]),
            "id": stored["objectId"],
            "key": stored["key"],
            "application": application(req, app),
        },
        "createdBy": user_ref(state, req, stored["createdBy"]),
        "updatedBy": user_ref(state, req, stored["createdBy"]),
        "createdAt": stored["createdAt"],
        "updatedAt": stored["createdAt"],
    }


def category(req: Request, cid: str) -> dict[str, Any]:
    return {"self": req.url("fields", "categories", cid), "id": cid, "display": "System"}


def global_field(req: Request, f: dict[str, Any]) -> dict[str, Any]:
    return {**f, "self": req.url("fields", f["id"]), "category": category(req, f["category"])}


def local_field(state: SandboxState, req: Request, queue: str, f: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in f.items() if k != "fieldType"}
    out["self"] = req.url("queues", queue, "localFields", f["key"])
    out["category"] = category(req, f["category"])
    out["queue"] = queue_ref(state, req, queue)
    return out


def status(req: Request, s: dict[str, Any]) -> dict[str, Any]:
    return {"self": req.url("statuses", s["id"]), **s}


def dictionary_entry(req: Request, name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"self": req.url(name, item["id"]), **item}


def myself(state: SandboxState, req: Request, user: dict[str, Any]) -> dict[str, Any]:
    return {"self": req.url("users", user["uid"]), **user}


def queue(state: SandboxState, req: Request, q: dict[str, Any], expand: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "self": req.url("queues", q["key"]),
        "id": q["id"],
        "key": q["key"],
        "version": q["version"],
        "name": q["name"],
        "description": q["description"],
        "lead": user_ref(state, req, q["lead"]),
        "assignAuto": False,
        "defaultType": dict_ref(state, req, "issuetypes", q["defaultType"]),
        "defaultPriority": dict_ref(state, req, "priorities", q["defaultPriority"]),
        "denyVoting": False,
    }
    wanted = set(expand.split(","))
    types = [dict_ref(state, req, "issuetypes", t["key"]) for t in state.data["issuetypes"]]
    wf = {
        "self": req.url("workflows", q["workflow"]),
        "id": q["workflow"],
        "display": q["workflow"],
    }
    if wanted & {"all", "workflows"}:
        out["workflows"] = {q["workflow"]: types}
    if wanted & {"all", "issueTypesConfig"}:
        resolutions = [
            dict_ref(state, req, "resolutions", r["key"]) for r in state.data["resolutions"]
        ]
        out["issueTypesConfig"] = [
            {"issueType": t, "workflow": wf, "resolutions": resolutions} for t in types
        ]
    if wanted & {"all", "types"}:
        out["issueTypes"] = types
    return out


def trigger(state: SandboxState, req: Request, queue_key: str, t: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": t["id"],
        "self": req.url("queues", queue_key, "triggers", t["id"]),
        "queue": queue_ref(state, req, queue_key),
        "name": t["name"],
        "order": t["order"],
        "actions": t["actions"],
        "conditions": t["conditions"],
        "version": t["version"],
        "active": t["active"],
    }
