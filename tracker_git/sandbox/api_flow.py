"""The parts of an issue that move: transitions (with a screen that requires `resolution`
when closing), comments, remote links."""

from __future__ import annotations

from typing import Any

from tracker_git.sandbox import edits, events, render
from tracker_git.sandbox.api_issues import need_issue, touch
from tracker_git.sandbox.seed import hex_id
from tracker_git.sandbox.state import SandboxState, now
from tracker_git.sandbox.wire import ApiError, Request, Response, obj

RELATIONSHIPS = ("relates", "is dependent by", "depends on", "is subtask for", "is parent task for",
                 "duplicates", "is duplicated by", "is epic of", "has epic")  # fmt: skip


def _workflow_transition(state: SandboxState, issue: dict[str, Any], tid: str) -> dict[str, Any]:
    """The transition if it leaves the issue's status; 404 if the workflow has no such id,
    409 if it exists but not from here (the API does not document this case; tracker-api §6)."""
    found: list[dict[str, Any]] = state.workflow(issue["queue"])["transitions"]
    for t in found:
        if t["id"] == tid:
            if issue["status"] not in t["from"]:
                current = state.status(issue["status"])
                name = current["name"] if current else issue["status"]
                raise ApiError(409, f"Transition {tid} is not available from status {name}")
            return t
    raise ApiError(404, f"Transition does not exist: {tid}")


def list_transitions(state: SandboxState, req: Request, key: str) -> Response:
    with state.lock:
        return Response(200, render.transitions(state, req, need_issue(state, key)))


def get_transition(state: SandboxState, req: Request, key: str, tid: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        t = next((t for t in state.transitions_from(issue) if t["id"] == tid), None)
        if t is None:
            raise ApiError(404, f"Transition does not exist: {tid}")
        return Response(200, render.transition(state, req, issue, t))


def execute(state: SandboxState, req: Request, key: str, tid: str) -> Response:
    body = dict(obj(req.body))
    text = body.pop("comment", None)
    if text is not None and not isinstance(text, str):
        raise ApiError(422, None, {"comment": "Expected a string"})
    with state.lock:
        issue = need_issue(state, key)
        t = _workflow_transition(state, issue, tid)
        missing = {f: "Required field" for f in t.get("required", []) if body.get(f) in (None, "")}
        if missing:
            raise ApiError(422, None, missing)
        new = edits.validate(state, issue, body)
        target = t["to"]
        if target != "closed":  # leaving a done status clears the resolution
            new.setdefault("resolution", None)
        old_status = issue["status"]
        changes = edits.apply(issue, new)
        changes["status"] = (old_status, target)
        issue["previousStatus"], issue["status"] = old_status, target
        touch(state, issue)
        comment = _add_comment(state, issue, text) if text else None
        state.changed()
        out = render.transitions(state, req, issue)
    events.emit(state, events.UPDATE, issue, changes=changes, transition=tid)
    if comment is not None:
        events.emit(state, events.COMMENT_CREATE, issue, comment=comment)
    return Response(200, out)


def _add_comment(state: SandboxState, issue: dict[str, Any], text: str) -> dict[str, Any]:
    cid = state.next_id("comment")
    stamp = now()
    me = state.data["myself"]
    comment = {
        "id": cid,
        "longId": hex_id(f"comment{cid}"),
        "text": text,
        "createdBy": me,
        "updatedBy": me,
        "createdAt": stamp,
        "updatedAt": stamp,
        "summonees": [],
        "version": 1,
        "type": "standard",
        "transport": "internal",
    }
    state.comments(issue["key"]).append(comment)
    issue["lastCommentUpdatedAt"] = stamp
    return comment


def list_comments(state: SandboxState, req: Request, key: str) -> Response:
    try:
        per_page = int(req.params.get("perPage", 50))
        after = int(req.params["id"]) if "id" in req.params else None
    except ValueError:
        raise ApiError(400, "perPage and id must be numbers") from None
    with state.lock:
        issue = need_issue(state, key)
        comments = [c for c in state.comments(issue["key"]) if after is None or c["id"] > after]
        page = comments[: max(per_page, 1)]
        out = [render.comment(state, req, issue["key"], c) for c in page]
    headers = {}
    if len(comments) > len(page):
        url = req.url("issues", issue["key"], "comments")
        headers["Link"] = f'<{url}?perPage={per_page}&id={page[-1]["id"]}>; rel="next"'
    return Response(200, out, headers)


def create_comment(state: SandboxState, req: Request, key: str) -> Response:
    body = obj(req.body)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(422, None, {"text": "Required field"})
    with state.lock:
        issue = need_issue(state, key)
        comment = _add_comment(state, issue, text)
        me = state.data["myself"]
        if req.params.get("isAddToFollowers", "true") != "false" and me not in issue["followers"]:
            issue["followers"].append(me)
        state.changed()
        out = render.comment(state, req, issue["key"], comment)
    events.emit(state, events.COMMENT_CREATE, issue, comment=comment)
    return Response(201, out)


def _need_comment(state: SandboxState, key: str, cid: str) -> dict[str, Any]:
    for c in state.comments(key):
        if str(c["id"]) == cid or c["longId"] == cid:
            return c
    raise ApiError(404, "Comment does not exist.")


def get_comment(state: SandboxState, req: Request, key: str, cid: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        return Response(
            200, render.comment(state, req, issue["key"], _need_comment(state, issue["key"], cid))
        )


def patch_comment(state: SandboxState, req: Request, key: str, cid: str) -> Response:
    text = obj(req.body).get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(422, None, {"text": "Required field"})
    with state.lock:
        issue = need_issue(state, key)
        comment = _need_comment(state, issue["key"], cid)
        comment.update(
            text=text,
            updatedAt=now(),
            updatedBy=state.data["myself"],
            version=comment["version"] + 1,
        )
        state.changed()
        return Response(200, render.comment(state, req, issue["key"], comment))


def delete_comment(state: SandboxState, req: Request, key: str, cid: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        comment = _need_comment(state, issue["key"], cid)
        state.comments(issue["key"]).remove(comment)
        state.changed()
    return Response(204)


def list_remotelinks(state: SandboxState, req: Request, key: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        links = state.remotelinks(issue["key"])
        return Response(200, [render.remotelink(state, req, issue["key"], link) for link in links])


def create_remotelink(state: SandboxState, req: Request, key: str) -> Response:
    body = obj(req.body)
    errors = {}
    rel = body.get("relationship")
    if not isinstance(rel, str) or rel.lower() not in RELATIONSHIPS:
        errors["relationship"] = f"Expected one of: {', '.join(RELATIONSHIPS)}"
    if not isinstance(body.get("key"), str) or not body["key"]:
        errors["key"] = "Required field"
    if not isinstance(body.get("origin"), str):
        errors["origin"] = "Required field"
    if errors:
        raise ApiError(422, None, errors)
    with state.lock:
        issue = need_issue(state, key)
        if all(a["id"] != body["origin"] for a in state.data["applications"]):
            raise ApiError(422, None, {"origin": f"Unknown application: {body['origin']}"})
        link = {
            "id": state.next_id("remotelink"),
            "relationship": rel.lower(),  # type: ignore[union-attr]
            "key": body["key"],
            "origin": body["origin"],
            "objectId": hex_id(f"{body['origin']}/{body['key']}"),
            "createdBy": state.data["myself"],
            "createdAt": now(),
        }
        state.remotelinks(issue["key"]).append(link)
        state.changed()
        return Response(201, render.remotelink(state, req, issue["key"], link))


def delete_remotelink(state: SandboxState, req: Request, key: str, lid: str) -> Response:
    with state.lock:
        issue = need_issue(state, key)
        links = state.remotelinks(issue["key"])
        link = next((x for x in links if str(x["id"]) == lid), None)
        if link is None:
            raise ApiError(404, "Remote link does not exist.")
        links.remove(link)
        state.changed()
    return Response(204)
