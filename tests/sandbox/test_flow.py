"""Transitions (the DEMO workflow and its close screen), comments, remote links, and the
event hook other parts plug into."""

from __future__ import annotations

from typing import Any

from testing.servers import SandboxHandle
from tracker_git.sandbox import events

EXECUTE = "/v3/issues/{key}/transitions/{tid}/_execute"


def _status(sandbox: SandboxHandle, key: str) -> str:
    return str(sandbox.call("GET", f"/v3/issues/{key}").json()["status"]["key"])


def test_the_whole_review_workflow(sandbox: SandboxHandle) -> None:
    steps = [("start_progress", "inProgress"), ("send_to_review", "inReview"),
             ("needs_rework", "needsRework"), ("start_progress", "inProgress"),
             ("send_to_review", "inReview"), ("ready_for_test", "readyForTest"),
             ("needs_rework", "needsRework")]  # fmt: skip
    for tid, status in steps:
        r = sandbox.call("POST", EXECUTE.format(key="DEMO-1", tid=tid))
        assert r.status_code == 200, (tid, r.text)
        assert _status(sandbox, "DEMO-1") == status


def test_closing_requires_a_resolution(sandbox: SandboxHandle) -> None:
    listed = sandbox.call("GET", "/v3/issues/DEMO-4/transitions").json()
    close = next(t for t in listed if t["id"] == "close")
    assert close["to"]["key"] == "closed"
    assert close["screen"]["id"]
    missing = sandbox.call(
        "POST", EXECUTE.format(key="DEMO-4", tid="close"), json={"comment": "done"}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"resolution": "Required field"}
    assert _status(sandbox, "DEMO-4") == "readyForTest"
    assert sandbox.state.comments("DEMO-4") == []
    ok = sandbox.call(
        "POST",
        EXECUTE.format(key="DEMO-4", tid="close"),
        json={"resolution": "fixed", "comment": "Merged"},
    )
    assert ok.status_code == 200
    assert [t["id"] for t in ok.json()] == ["reopen"]
    issue = sandbox.call("GET", "/v3/issues/DEMO-4").json()
    assert (issue["status"]["key"], issue["resolution"]["key"]) == ("closed", "fixed")
    assert [c["text"] for c in sandbox.call("GET", "/v3/issues/DEMO-4/comments").json()] == [
        "Merged"
    ]
    reopened = sandbox.call("POST", EXECUTE.format(key="DEMO-4", tid="reopen"))
    assert reopened.status_code == 200
    assert "resolution" not in sandbox.call("GET", "/v3/issues/DEMO-4").json()


def test_unknown_and_unavailable_transitions(sandbox: SandboxHandle) -> None:
    unknown = sandbox.call("POST", EXECUTE.format(key="DEMO-1", tid="teleport"))
    assert unknown.status_code == 404
    unavailable = sandbox.call(
        "POST", EXECUTE.format(key="DEMO-1", tid="close"), json={"resolution": "fixed"}
    )
    assert unavailable.status_code == 409
    assert unavailable.json()["errorMessages"]
    assert _status(sandbox, "DEMO-1") == "open"
    assert sandbox.call("GET", "/v3/issues/DEMO-1/transitions/close").status_code == 404
    one = sandbox.call("GET", "/v2/issues/DEMO-1/transitions/start_progress").json()
    assert one["self"] == f"{sandbox.url}/v2/issues/DEMO-1/transitions/start_progress"
    assert sandbox.call("GET", "/v3/issues/DEMO-77/transitions").status_code == 404


def test_comments_pagination_and_errors(sandbox: SandboxHandle) -> None:
    url = "/v3/issues/DEMO-2/comments"
    ids = [sandbox.call("POST", url, json={"text": f"c{n}"}).json()["id"] for n in range(3)]
    first = sandbox.call("GET", f"{url}?perPage=2")
    assert [c["text"] for c in first.json()] == ["c0", "c1"]
    assert first.links["next"]["url"] == f"{sandbox.url}{url}?perPage=2&id={ids[1]}"
    rest = sandbox.call("GET", f"{url}?perPage=2&id={ids[1]}")
    assert [c["text"] for c in rest.json()] == ["c2"]
    assert "next" not in rest.links
    assert sandbox.call("POST", url, json={"text": "  "}).status_code == 422
    assert (
        sandbox.call("POST", "/v3/issues/DEMO-99/comments", json={"text": "x"}).status_code == 404
    )
    edited = sandbox.call("PATCH", f"{url}/{ids[0]}", json={"text": "edited"})
    assert edited.json()["text"] == "edited"
    assert sandbox.call("DELETE", f"{url}/{ids[0]}").status_code == 204
    assert sandbox.call("GET", f"{url}/{ids[0]}").status_code == 404


def test_commenting_adds_a_follower_unless_told_not_to(sandbox: SandboxHandle) -> None:
    sandbox.call("POST", "/v3/issues/DEMO-1/comments?isAddToFollowers=false", json={"text": "bot"})
    assert sandbox.state.issue("DEMO-1")["followers"] == []  # type: ignore[index]
    sandbox.call("POST", "/v3/issues/DEMO-1/comments", json={"text": "person"})
    assert sandbox.state.issue("DEMO-1")["followers"] == ["sandbox.user"]  # type: ignore[index]


def test_remote_links_point_at_registered_applications(sandbox: SandboxHandle) -> None:
    apps = sandbox.call("GET", "/v3/applications").json()
    assert [a["id"] for a in apps] == ["ru.yandex.bitbucket"]
    url = "/v3/issues/DEMO-1/remotelinks"
    body = {"relationship": "relates", "key": "PR-7", "origin": "ru.yandex.bitbucket"}
    created = sandbox.call("POST", url, json=body)
    assert created.status_code == 201
    link = created.json()
    assert link["object"]["key"] == "PR-7"
    assert link["object"]["application"]["id"] == "ru.yandex.bitbucket"
    assert link["type"]["id"] == "relates"
    assert [x["id"] for x in sandbox.call("GET", url).json()] == [link["id"]]
    bad = sandbox.call("POST", url, json={**body, "origin": "com.github"})
    assert bad.status_code == 422
    assert "origin" in bad.json()["errors"]
    assert sandbox.call("POST", url, json={"key": "x"}).status_code == 422
    assert sandbox.call("DELETE", f"{url}/{link['id']}").status_code == 204
    assert sandbox.call("DELETE", f"{url}/{link['id']}").status_code == 404


def test_events_reach_the_hooks(sandbox: SandboxHandle) -> None:
    seen: list[Any] = []
    sandbox.state.hooks.append(lambda state, event: seen.append(event))
    sandbox.call("POST", "/v3/issues", json={"queue": "DEMO", "summary": "hooked"})
    sandbox.call("PATCH", "/v3/issues/DEMO-6", json={"summary": "hooked again"})
    sandbox.call(
        "PATCH", "/v3/issues/DEMO-6", json={"summary": "hooked again"}
    )  # no change, no event
    sandbox.call("POST", EXECUTE.format(key="DEMO-6", tid="start_progress"), json={"comment": "go"})
    sandbox.call("POST", "/v3/issues/DEMO-6/comments", json={"text": "note"})
    names = [e.name for e in seen]
    assert names == [
        events.CREATE,
        events.UPDATE,
        events.UPDATE,
        events.COMMENT_CREATE,
        events.COMMENT_CREATE,
    ]
    assert seen[1].changes == {"summary": ("hooked", "hooked again")}
    assert seen[2].changes["status"] == ("open", "inProgress")
    assert seen[2].transition == "start_progress"
    assert seen[2].issue["status"] == "inProgress"
    assert seen[4].comment["text"] == "note"


def test_a_failing_hook_does_not_fail_the_request(sandbox: SandboxHandle) -> None:
    def broken(state: object, event: object) -> None:
        raise RuntimeError("boom")

    sandbox.state.hooks.append(broken)
    r = sandbox.call("PATCH", "/v3/issues/DEMO-1", json={"summary": "still fine"})
    assert r.status_code == 200
    assert "boom" in sandbox.state.hook_errors[-1]
