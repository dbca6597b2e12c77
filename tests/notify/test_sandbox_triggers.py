"""The sandbox fires triggers as Tracker does: conditions, Webhook actions (method, headers,
auth, object or string bodies), variables and the `.json` modifier; over real sockets."""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import requests

from testing.servers import SandboxHandle
from tests.notify.helpers import Receiver
from tracker_git.sandbox.triggers import deliveries


def call(sb: SandboxHandle, method: str, path: str, body: object | None = None) -> Any:
    response = requests.request(
        method, f"{sb.url}/v2/{path}", json=body, headers=sb.headers, timeout=10
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def hook(url: str, body: object, **extra: object) -> dict[str, object]:
    return {"type": "Webhook", "endpoint": url, "method": "POST", "body": body, **extra}


def test_comment_event_object_body_basic_auth_and_json_lists(
    sandbox: SandboxHandle, slack: Receiver
) -> None:
    call(sandbox, "POST", "queues/DEMO/triggers", {
        "name": "comments",
        "conditions": [{"type": "Event.comment-create"}, {"type": "CommentStringMatchCondition", "word": "deploy"}],
        "actions": [hook(
            slack.url + "/c/{{issue.key}}",
            {"key": "{{issue.key}}", "status": "{{issue.status}} ({{issue.status.key}})", "who": "{{issue.assignee.login}}",
             "none": "{{issue.nothing}}", "stand": "{{issue.local.standLink}}"},
            authContext={"type": "basic", "login": "robot", "password": "pw"},
            headers={"X-Issue": "{{issue.key}}"},
        )],
    })  # fmt: skip
    call(sandbox, "POST", "queues/DEMO/triggers", {
        "name": "tags as json",
        "conditions": [{"type": "Or", "conditions": [{"type": "Event.create"}, {"type": "Event.comment-create"}]},
                       {"type": "FieldEquals", "field": "tags", "value": "ui"}],
        "actions": [hook(slack.url + "/tags", '{"tags": {{issue.tags.json}}, "s": {{issue.summary.json}}}')],
    })  # fmt: skip
    call(sandbox, "POST", "issues/DEMO-3/comments", {"text": "no keyword here"})
    assert slack.got == []
    call(sandbox, "POST", "issues/DEMO-3/comments", {"text": "please deploy it"})
    (got,) = slack.got
    assert got.path == "/c/DEMO-3"
    assert got.headers["x-issue"] == "DEMO-3"
    assert got.headers["authorization"] == "Basic " + base64.b64encode(b"robot:pw").decode()
    assert got.json() == {
        "key": "DEMO-3", "status": "In review (inReview)", "who": "sandbox.user", "none": "",
        "stand": "https://stand-3.example.com",
    }  # fmt: skip
    call(
        sandbox, "POST", "issues", {"queue": "DEMO", "summary": 'a "ui" bug', "tags": ["ui", 'x"y']}
    )
    assert slack.got[-1].path == "/tags"
    assert slack.got[-1].json() == {"tags": ["ui", 'x"y'], "s": 'a "ui" bug'}


def test_inactive_unknown_and_unreachable(sandbox: SandboxHandle, slack: Receiver) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/gone"
    call(sandbox, "POST", "queues/DEMO/triggers", {
        "name": "off", "active": False, "conditions": [{"type": "Event.create"}],
        "actions": [hook(slack.url + "/off", "{}")],
    })  # fmt: skip
    call(sandbox, "POST", "queues/DEMO/triggers", {
        "name": "unknown condition", "conditions": [{"type": "Event.create"}, {"type": "SomethingNew"}],
        "actions": [hook(slack.url + "/unknown", "{}")],
    })  # fmt: skip
    call(sandbox, "POST", "queues/DEMO/triggers", {
        "name": "dead", "conditions": [{"type": "Event.create"}], "actions": [hook(dead, "{}")],
    })  # fmt: skip
    created = call(sandbox, "POST", "issues", {"queue": "DEMO", "summary": "still created"})
    assert created["key"].startswith("DEMO-")  # a dead receiver does not fail the API call
    assert slack.got == []
    (sent,) = deliveries(sandbox.state)
    assert sent.trigger_name == "dead" and sent.status is None and sent.error


def test_became_fires_once_per_transition(sandbox: SandboxHandle, slack: Receiver) -> None:
    call(sandbox, "POST", "queues/DEMO/triggers", {
        "name": "to review",
        "conditions": [{"type": "Event.update"}, {"type": "FieldBecameEqual", "field": "status", "value": "inReview"}],
        "actions": [hook(slack.url + "/review", json.dumps({"k": "{{issue.key}}"}))],
    })  # fmt: skip
    call(sandbox, "POST", "issues/DEMO-2/transitions/send_to_review/_execute", {})
    call(sandbox, "PATCH", "issues/DEMO-2", {"summary": "renamed while in review"})
    assert [r.json() for r in slack.got] == [{"k": "DEMO-2"}]


def test_refuses_what_tracker_refuses(sandbox: SandboxHandle, slack: Receiver) -> None:
    """An undocumented contentType, and FieldEquals on a text field, answer 422 as Tracker."""
    url = f"{sandbox.url}/v2/queues/DEMO/triggers"
    multipart = hook(slack.url, "x", contentType="multipart/form-data; boundary=b")
    wrong = [
        ({"name": "m", "actions": [multipart]}, "contentType"),
        ({"name": "d", "actions": [hook(slack.url, "{}")],
          "conditions": [{"type": "FieldEquals", "field": "description", "value": "x"}]}, "FieldEqualsString"),
        ({"name": "e", "actions": [hook(slack.url, "{}")], "conditions": [{"type": "Or", "conditions": [
            {"type": "FieldEquals", "field": "emailFrom", "value": "a@b.c"}]}]}, "FieldEqualsString"),
    ]  # fmt: skip
    for body, said in wrong:
        answer = requests.post(url, json=body, headers=sandbox.headers, timeout=10)
        assert answer.status_code == 422 and said in answer.text, answer.text
    form = hook(slack.url, "a=b", contentType="application/x-www-form-urlencoded")
    call(sandbox, "POST", "queues/DEMO/triggers", {
        "name": "ok", "actions": [form, hook(slack.url, "{}", contentType="application/json; charset=UTF-8")],
        "conditions": [{"type": "FieldEqualsString", "field": "emailCreatedBy", "value": "a@b.c"}],
    })  # fmt: skip
