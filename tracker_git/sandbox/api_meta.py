"""Everything around issues: /myself and users, fields (global and a queue's local ones),
queues, statuses and the other dictionaries, applications, queue triggers."""

from __future__ import annotations

from typing import Any

from tracker_git.sandbox import render, seed
from tracker_git.sandbox.api_issues import expected_version
from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import ApiError, Request, Response, obj

DICTIONARIES = ("statuses", "resolutions", "issuetypes", "priorities")


def myself(state: SandboxState, req: Request) -> Response:
    with state.lock:
        return Response(200, render.myself(state, req, state.myself))


def get_user(state: SandboxState, req: Request, uid: str) -> Response:
    with state.lock:
        user = state.user(uid)
        if user is None:
            raise ApiError(404, "User does not exist.")
        return Response(200, render.myself(state, req, user))


def fields(state: SandboxState, req: Request) -> Response:
    with state.lock:
        return Response(200, [render.global_field(req, f) for f in state.data["fields"]])


def get_field(state: SandboxState, req: Request, fid: str) -> Response:
    with state.lock:
        for f in state.data["fields"]:
            if f["id"] == fid:
                return Response(200, render.global_field(req, f))
    raise ApiError(404, "Field does not exist.")


def need_queue(state: SandboxState, key: str) -> dict[str, Any]:
    queue = state.queue(key)
    if queue is None:
        raise ApiError(404, "Queue does not exist.")
    return queue


def local_fields(state: SandboxState, req: Request, queue: str) -> Response:
    with state.lock:
        q = need_queue(state, queue)
        return Response(
            200, [render.local_field(state, req, q["key"], f) for f in q["localFields"]]
        )


def get_local_field(state: SandboxState, req: Request, queue: str, fkey: str) -> Response:
    with state.lock:
        q = need_queue(state, queue)
        for f in q["localFields"]:
            if fkey in (f["key"], f["id"]):
                return Response(200, render.local_field(state, req, q["key"], f))
    raise ApiError(404, "Field does not exist.")


def create_local_field(state: SandboxState, req: Request, queue: str) -> Response:
    body = obj(req.body)
    key, name, ftype = body.get("id"), body.get("name"), body.get("type")
    if isinstance(name, dict):
        name = name.get("en") or name.get("ru")
    errors = {
        f: "Required field"
        for f, v in (
            ("id", key),
            ("name", name),
            ("type", ftype),
            ("category", body.get("category")),
        )
        if not isinstance(v, str) or not v
    }
    if errors:
        raise ApiError(422, None, errors)
    with state.lock:
        q = need_queue(state, queue)
        if any(f["key"] == key for f in q["localFields"]):
            raise ApiError(409, f"Field {key} already exists in queue {q['key']}")
        field = seed.local_field(str(key), str(name), str(ftype), order=len(q["localFields"]) + 1)
        q["localFields"].append(field)
        state.changed()
        return Response(201, render.local_field(state, req, q["key"], field))


def get_queue(state: SandboxState, req: Request, queue: str) -> Response:
    with state.lock:
        q = need_queue(state, queue)
        return Response(200, render.queue(state, req, q, req.params.get("expand", "")))


def list_queues(state: SandboxState, req: Request) -> Response:
    with state.lock:
        queues = state.data["queues"].values()
        return Response(200, [render.queue(state, req, q, "") for q in queues])


def dictionary(name: str) -> Any:
    def list_all(state: SandboxState, req: Request) -> Response:
        with state.lock:
            return Response(200, [render.dictionary_entry(req, name, i) for i in state.data[name]])

    def get_one(state: SandboxState, req: Request, item: str) -> Response:
        with state.lock:
            found = state.lookup(name, item)
            if found is None:
                raise ApiError(404, "Object does not exist.")
            return Response(200, render.dictionary_entry(req, name, found))

    return list_all, get_one


def applications(state: SandboxState, req: Request) -> Response:
    with state.lock:
        return Response(200, [render.application(req, a) for a in state.data["applications"]])


# -- triggers ----------------------------------------------------------------------------


def _need_trigger(state: SandboxState, queue: str, tid: str) -> dict[str, Any]:
    for t in state.triggers(queue):
        if str(t["id"]) == tid:
            return t
    raise ApiError(404, "Trigger does not exist.")


def _trigger_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    errors = {}
    name = body.get("name")
    if (creating or "name" in body) and not (isinstance(name, str) and name.strip()):
        errors["name"] = "Required field"
    if creating or "actions" in body:
        if not isinstance(body.get("actions"), list) or not body["actions"]:
            errors["actions"] = "Required field: a non-empty array of actions"
        elif not all(
            isinstance(a, dict) and isinstance(a.get("type"), str) for a in body["actions"]
        ):
            errors["actions"] = "Every action is an object with a type"
        else:
            errors.update(_webhook_errors(body["actions"]))
    if "conditions" in body and not isinstance(body["conditions"], list):
        errors["conditions"] = "Expected an array"
    elif isinstance(body.get("conditions"), list):
        errors.update(_condition_errors(body["conditions"]))
    if "active" in body and not isinstance(body["active"], bool):
        errors["active"] = "Expected a boolean"
    unknown = set(body) - {"name", "actions", "conditions", "active", "before"}
    errors.update({u: "Unknown parameter" for u in sorted(unknown)})
    if errors:
        raise ApiError(422, None, errors)
    return {k: v for k, v in body.items() if k != "before"}


# What Tracker accepts (docs/design/tracker-api.md "Triggers"): a Webhook action's documented content types,
# and the text fields whose equality conditions must be FieldEqualsString.
_CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
_STRING_FIELDS = ("description", "emailFrom", "emailCreatedBy")


def _webhook_errors(actions: list[dict[str, Any]]) -> dict[str, str]:
    for action in actions:
        kind = str(action.get("contentType") or "application/json")
        if action["type"] == "Webhook" and kind.split(";")[0].strip().lower() not in _CONTENT_TYPES:
            return {"actions": f"Unsupported contentType: {kind}"}
    return {}


def _condition_errors(conditions: list[Any]) -> dict[str, str]:
    for condition in conditions:
        if not isinstance(condition, dict):
            return {"conditions": "Every condition is an object with a type"}
        inner = condition.get("conditions")
        if isinstance(inner, list) and (found := _condition_errors(inner)):
            return found
        if condition.get("type") == "FieldEquals" and condition.get("field") in _STRING_FIELDS:
            return {"conditions": f"Use FieldEqualsString for the field {condition['field']}"}
    return {}


def list_triggers(state: SandboxState, req: Request, queue: str) -> Response:
    with state.lock:
        q = need_queue(state, queue)
        return Response(
            200, [render.trigger(state, req, q["key"], t) for t in state.triggers(q["key"])]
        )


def create_trigger(state: SandboxState, req: Request, queue: str) -> Response:
    new = _trigger_fields(obj(req.body), creating=True)
    with state.lock:
        q = need_queue(state, queue)
        triggers = state.triggers(q["key"])
        tid = state.next_id("trigger")
        trigger = {"id": tid, "order": f"{(len(triggers) + 1) / 10000:.4f}", "version": 1,
                   "conditions": [], "active": True, **new}  # fmt: skip
        for i, a in enumerate(trigger["actions"], start=1):
            a.setdefault("id", i)
        triggers.append(trigger)
        state.changed()
        return Response(200, render.trigger(state, req, q["key"], trigger))  # docs: 200, not 201


def get_trigger(state: SandboxState, req: Request, queue: str, tid: str) -> Response:
    with state.lock:
        q = need_queue(state, queue)
        return Response(
            200, render.trigger(state, req, q["key"], _need_trigger(state, q["key"], tid))
        )


def patch_trigger(state: SandboxState, req: Request, queue: str, tid: str) -> Response:
    body = obj(req.body)
    new = _trigger_fields(body, creating=False)
    with state.lock:
        q = need_queue(state, queue)
        trigger = _need_trigger(state, q["key"], tid)
        wanted = expected_version(req)
        if wanted is not None and wanted != trigger["version"]:
            raise ApiError(
                409, f"Invalid update version: {wanted}, the trigger is at {trigger['version']}"
            )
        triggers = state.triggers(q["key"])
        before = body.get("before")
        if before is not None:
            target = _need_trigger(state, q["key"], str(before))
            triggers.remove(trigger)
            triggers.insert(triggers.index(target), trigger)
            for i, t in enumerate(triggers, start=1):
                t["order"] = f"{i / 10000:.4f}"
        if "actions" in new:
            for i, a in enumerate(new["actions"], start=1):
                a.setdefault("id", i)
        trigger.update(new)  # arrays are replaced whole, as the documented examples resend them
        trigger["version"] += 1
        state.changed()
        return Response(200, render.trigger(state, req, q["key"], trigger))


def delete_trigger(state: SandboxState, req: Request, queue: str, tid: str) -> Response:
    with state.lock:
        q = need_queue(state, queue)
        trigger = _need_trigger(state, q["key"], tid)
        state.triggers(q["key"]).remove(trigger)
        state.changed()
    return Response(204)
