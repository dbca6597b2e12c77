"""Fields, queues, statuses and the other dictionaries, users, triggers, and unknown paths."""

from __future__ import annotations

from testing.servers import SandboxHandle
from tracker_git.sandbox import STAND_FIELD_ID

TRIGGER = {
    "name": "Telegram: ready for test",
    "active": True,
    "conditions": [
        {"type": "Event.update"},
        {"type": "FieldBecameEqual", "field": "status", "value": "readyForTest"},
    ],
    "actions": [
        {
            "type": "Webhook",
            "endpoint": "https://api.telegram.org/bot<token>/sendMessage",
            "method": "POST",
            "contentType": "application/json",
            "authContext": {"type": "noauth"},
            "headers": {},
            "body": '{"chat_id": "-100", "text": {{issue.summary.json}}}',
        }
    ],
}


def test_global_fields(sandbox: SandboxHandle) -> None:
    fields = {f["id"]: f for f in sandbox.call("GET", "/v3/fields").json()}
    assert fields["summary"]["schema"]["type"] == "string"
    assert fields["followers"]["schema"] == {"type": "array", "items": "user", "required": False}
    assert fields["status"]["readonly"] is True
    assert fields["summary"]["self"] == f"{sandbox.url}/v3/fields/summary"
    assert sandbox.call("GET", "/v3/fields/tags").json()["id"] == "tags"
    assert sandbox.call("GET", "/v3/fields/nope").status_code == 404


def test_local_fields(sandbox: SandboxHandle) -> None:
    (stand,) = sandbox.call("GET", "/v3/queues/DEMO/localFields").json()
    assert stand["id"] == STAND_FIELD_ID
    assert stand["key"] == "standLink"
    assert stand["type"] == "local"
    assert stand["queue"]["key"] == "DEMO"
    assert (
        sandbox.call("GET", "/v3/queues/DEMO/localFields/standLink").json()["id"] == STAND_FIELD_ID
    )
    body = {"id": "buildUrl", "name": {"en": "Build", "ru": "Сборка"}, "category": "000000000000000000000001",
            "type": "ru.yandex.startrek.core.fields.UriFieldType"}  # fmt: skip
    created = sandbox.call("POST", "/v3/queues/DEMO/localFields", json=body)
    assert created.status_code == 201
    new_id = created.json()["id"]
    assert new_id.endswith("--buildUrl")
    assert sandbox.call("POST", "/v3/queues/DEMO/localFields", json=body).status_code == 409
    assert (
        sandbox.call("PATCH", "/v3/issues/DEMO-1", json={new_id: "https://ci/1"}).json()[new_id]
        == "https://ci/1"
    )
    assert sandbox.call("GET", "/v3/queues/NOPE/localFields").status_code == 404


def test_local_field_of_another_queue_is_rejected(sandbox: SandboxHandle) -> None:
    sandbox.state.add_queue("OPS")
    key = sandbox.state.add_issue("ops work", queue="OPS")
    r = sandbox.call("PATCH", f"/v3/issues/{key}", json={STAND_FIELD_ID: "https://x"})
    assert r.status_code == 422
    assert STAND_FIELD_ID in r.json()["errors"]


def test_queue(sandbox: SandboxHandle) -> None:
    queue = sandbox.call("GET", "/v3/queues/DEMO?expand=workflows,issueTypesConfig").json()
    assert queue["key"] == "DEMO"
    assert queue["defaultType"]["key"] == "task"
    assert list(queue["workflows"]) == ["demoReview"]
    assert {r["key"] for r in queue["issueTypesConfig"][0]["resolutions"]} >= {"fixed", "wontFix"}
    assert sandbox.call("GET", "/v3/queues/demo").status_code == 404  # keys are case-sensitive
    assert [q["key"] for q in sandbox.call("GET", "/v3/queues").json()] == ["DEMO"]


def test_statuses_and_dictionaries(sandbox: SandboxHandle) -> None:
    statuses = sandbox.call("GET", "/v3/statuses").json()
    assert [(s["key"], s["name"]) for s in statuses] == [
        ("open", "Open"), ("inProgress", "In progress"), ("inReview", "In review"),
        ("readyForTest", "Ready for test"), ("needsRework", "Needs rework"), ("closed", "Closed"),
    ]  # fmt: skip
    assert statuses[-1]["type"] == "done"
    assert sandbox.call("GET", "/v3/statuses/closed").json()["id"] == 6
    assert "fixed" in [r["key"] for r in sandbox.call("GET", "/v3/resolutions").json()]
    assert "bug" in [t["key"] for t in sandbox.call("GET", "/v2/issuetypes").json()]
    assert "normal" in [p["key"] for p in sandbox.call("GET", "/v2/priorities").json()]
    assert sandbox.call("GET", "/v3/statuses/nope").status_code == 404


def test_users(sandbox: SandboxHandle) -> None:
    assert sandbox.call("GET", "/v3/users/petrov").json()["display"] == "Ivan Petrov"
    assert sandbox.call("GET", "/v3/users/1130000000000002").json()["login"] == "petrov"
    assert sandbox.call("GET", "/v3/users/nobody").status_code == 404


def test_trigger_crud_with_versions(sandbox: SandboxHandle) -> None:
    created = sandbox.call("POST", "/v3/queues/DEMO/triggers", json=TRIGGER)
    assert created.status_code == 200  # the docs say 200, not 201
    trigger = created.json()
    assert trigger["version"] == 1
    assert trigger["queue"]["key"] == "DEMO"
    assert trigger["actions"][0]["body"] == TRIGGER["actions"][0]["body"]  # type: ignore[index]
    assert trigger["conditions"] == TRIGGER["conditions"]
    url = f"/v3/queues/DEMO/triggers/{trigger['id']}"
    assert trigger["self"] == sandbox.url + url
    assert sandbox.call("GET", "/v3/queues/DEMO/triggers").json() == [trigger]
    stale = sandbox.call("PATCH", f"{url}?version=7", json={"active": False})
    assert stale.status_code == 409
    patched = sandbox.call("PATCH", f"{url}?version=1", json={"active": False, "name": "renamed"})
    assert patched.status_code == 200
    assert (patched.json()["version"], patched.json()["active"], patched.json()["name"]) == (
        2,
        False,
        "renamed",
    )
    assert sandbox.call("GET", url).json()["name"] == "renamed"
    assert sandbox.call("DELETE", url).status_code == 204
    assert sandbox.call("GET", url).status_code == 404
    assert sandbox.call("GET", "/v3/queues/DEMO/triggers").json() == []


def test_trigger_validation(sandbox: SandboxHandle) -> None:
    url = "/v3/queues/DEMO/triggers"
    no_actions = sandbox.call("POST", url, json={"name": "x"})
    assert no_actions.status_code == 422
    assert "actions" in no_actions.json()["errors"]
    assert sandbox.call("POST", url, json={**TRIGGER, "name": ""}).status_code == 422
    assert sandbox.call("POST", url, json={**TRIGGER, "color": "red"}).status_code == 422
    assert sandbox.call("POST", "/v3/queues/NOPE/triggers", json=TRIGGER).status_code == 404


def test_trigger_order_with_before(sandbox: SandboxHandle) -> None:
    url = "/v3/queues/DEMO/triggers"
    first = sandbox.call("POST", url, json={**TRIGGER, "name": "one"}).json()
    second = sandbox.call("POST", url, json={**TRIGGER, "name": "two"}).json()
    sandbox.call("PATCH", f"{url}/{second['id']}?version=1", json={"before": first["id"]})
    assert [t["name"] for t in sandbox.call("GET", url).json()] == ["two", "one"]


def test_unknown_paths_and_methods(sandbox: SandboxHandle) -> None:
    assert sandbox.call("GET", "/v3/whatever").status_code == 404
    assert sandbox.call("GET", "/v1/myself").status_code == 404
    assert sandbox.call("GET", "/v3/whatever").json()["statusCode"] == 404
    wrong = sandbox.call("DELETE", "/v3/myself")
    assert wrong.status_code == 405
    assert wrong.json()["statusCode"] == 405
