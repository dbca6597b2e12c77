"""Issues over HTTP with plain `requests`: edit (value forms, local fields, version conflicts),
create, search with pagination headers, count."""

from __future__ import annotations

import re

import pytest

from testing.servers import SandboxHandle
from tracker_git.sandbox import STAND_FIELD_ID


def test_patch_plain_and_set_values_bump_the_version(sandbox: SandboxHandle) -> None:
    before = sandbox.call("GET", "/v3/issues/DEMO-1").json()
    r = sandbox.call(
        "PATCH",
        "/v3/issues/DEMO-1",
        json={"summary": "Renamed", "type": {"set": "bug"}, "priority": {"key": "critical"}},
    )
    assert r.status_code == 200
    after = r.json()
    assert after["summary"] == "Renamed"
    assert after["type"]["key"] == "bug"
    assert after["priority"]["key"] == "critical"
    assert after["version"] == before["version"] + 1
    assert sandbox.state.issue("DEMO-1")["summary"] == "Renamed"  # type: ignore[index]


def test_patch_local_field_by_full_id(sandbox: SandboxHandle) -> None:
    r = sandbox.call(
        "PATCH", "/v2/issues/DEMO-1", json={STAND_FIELD_ID: "https://stand-1.example.com"}
    )
    assert r.status_code == 200
    assert r.json()[STAND_FIELD_ID] == "https://stand-1.example.com"
    cleared = sandbox.call("PATCH", "/v2/issues/DEMO-1", json={STAND_FIELD_ID: None}).json()
    assert STAND_FIELD_ID not in cleared


def test_array_operations(sandbox: SandboxHandle) -> None:
    url = "/v3/issues/DEMO-1"
    assert sandbox.call("PATCH", url, json={"tags": ["a", "b"]}).json()["tags"] == ["a", "b"]
    assert sandbox.call("PATCH", url, json={"tags": {"add": ["c"]}}).json()["tags"] == [
        "a",
        "b",
        "c",
    ]
    assert sandbox.call("PATCH", url, json={"tags": {"remove": "a"}}).json()["tags"] == ["b", "c"]
    replaced = sandbox.call(
        "PATCH", url, json={"tags": {"replace": [{"target": "b", "replacement": "x"}]}}
    )
    assert replaced.json()["tags"] == ["x", "c"]
    followers = sandbox.call("PATCH", url, json={"followers": {"add": ["petrov"]}}).json()[
        "followers"
    ]
    assert [f["display"] for f in followers] == ["Ivan Petrov"]
    assert "tags" not in sandbox.call("PATCH", url, json={"tags": None}).json()


def test_unchanged_patch_keeps_the_version(sandbox: SandboxHandle) -> None:
    version = sandbox.call("GET", "/v3/issues/DEMO-1").json()["version"]
    again = sandbox.call("PATCH", "/v3/issues/DEMO-1", json={"summary": "Sign in with SSO"}).json()
    assert again["version"] == version


def test_version_conflict_is_409_and_a_failed_if_match_412(sandbox: SandboxHandle) -> None:
    version = sandbox.call("GET", "/v3/issues/DEMO-1").json()["version"]
    stale = sandbox.call("PATCH", f"/v3/issues/DEMO-1?version={version + 5}", json={"summary": "x"})
    assert stale.status_code == 409
    assert stale.json()["statusCode"] == 409
    assert sandbox.state.issue("DEMO-1")["summary"] == "Sign in with SSO"  # type: ignore[index]
    ok = sandbox.call("PATCH", f"/v3/issues/DEMO-1?version={version}", json={"summary": "x"})
    assert ok.status_code == 200
    # The official client sends If-Match instead: a failed precondition, 412 in Tracker's list.
    by_header = sandbox.call(
        "PATCH", "/v3/issues/DEMO-1", json={"summary": "y"}, headers={"If-Match": f'"{version}"'}
    )
    assert by_header.status_code == 412
    assert by_header.json()["statusCode"] == 412
    current = sandbox.call("GET", "/v3/issues/DEMO-1").json()["version"]
    matched = sandbox.call(
        "PATCH", "/v3/issues/DEMO-1", json={"summary": "y"}, headers={"If-Match": f'"{current}"'}
    )
    assert matched.status_code == 200


def test_version_cap_is_423(sandbox: SandboxHandle) -> None:
    sandbox.state.set_field("DEMO-1", "version", 11100)
    r = sandbox.call("PATCH", "/v3/issues/DEMO-1", json={"summary": "x"})
    assert r.status_code == 423


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"noSuchField": 1}, "noSuchField"),
        ({"ffffffffffffffffffffffff--other": "x"}, "ffffffffffffffffffffffff--other"),
        ({"summary": ""}, "summary"),
        ({"summary": 5}, "summary"),
        ({"type": "epic"}, "type"),
        ({"assignee": "nobody"}, "assignee"),
        ({STAND_FIELD_ID: 42}, STAND_FIELD_ID),
    ],
)
def test_invalid_edits_are_422_naming_the_field(
    sandbox: SandboxHandle, body: dict[str, object], field: str
) -> None:
    r = sandbox.call("PATCH", "/v3/issues/DEMO-1", json=body)
    assert r.status_code == 422
    assert field in r.json()["errors"]
    assert sandbox.state.issue("DEMO-1")["version"] == 1  # type: ignore[index]


def test_bad_bodies(sandbox: SandboxHandle) -> None:
    r = sandbox.call(
        "PATCH", "/v3/issues/DEMO-1", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["statusCode"] == 400
    assert sandbox.call("PATCH", "/v3/issues/DEMO-1", json=[1]).status_code == 400
    assert sandbox.call("PATCH", "/v3/issues/NOPE-1", json={}).status_code == 404


def test_create_issue(sandbox: SandboxHandle) -> None:
    r = sandbox.call(
        "POST", "/v3/issues/", json={"queue": "DEMO", "summary": "New one", "assignee": "petrov"}
    )
    assert r.status_code == 201
    issue = r.json()
    assert issue["key"] == "DEMO-6"
    assert issue["status"]["key"] == "open"
    assert issue["type"]["key"] == "task"
    assert issue["assignee"]["display"] == "Ivan Petrov"
    assert sandbox.call("GET", "/v3/issues/DEMO-6").status_code == 200


def test_create_errors_and_unique(sandbox: SandboxHandle) -> None:
    missing = sandbox.call("POST", "/v3/issues", json={"queue": "DEMO"})
    assert missing.status_code == 422
    assert "summary" in missing.json()["errors"]
    assert (
        sandbox.call("POST", "/v3/issues", json={"queue": "demo", "summary": "x"}).status_code
        == 404
    )
    body = {"queue": {"key": "DEMO"}, "summary": "once", "unique": "u-1"}
    assert sandbox.call("POST", "/v3/issues", json=body).status_code == 201
    assert sandbox.call("POST", "/v3/issues", json=body).status_code == 409
    found = sandbox.call("POST", "/v3/issues/_findByUnique?unique=u-1")
    assert found.json()["summary"] == "once"


def test_search_by_keys_skips_missing(sandbox: SandboxHandle) -> None:
    r = sandbox.call("POST", "/v3/issues/_search", json={"keys": ["DEMO-2", "DEMO-404", "DEMO-1"]})
    assert r.status_code == 200
    assert [i["key"] for i in r.json()] == ["DEMO-1", "DEMO-2"]
    assert r.headers["X-Total-Count"] == "2"


def test_search_filter_and_query(sandbox: SandboxHandle) -> None:
    by_filter = sandbox.call("POST", "/v3/issues/_search", json={"filter": {"status": "inReview"}})
    assert [i["key"] for i in by_filter.json()] == ["DEMO-3"]
    by_query = sandbox.call(
        "POST", "/v3/issues/_search", json={"query": 'Queue: DEMO Assignee: "petrov"'}
    )
    assert [i["key"] for i in by_query.json()] == ["DEMO-4", "DEMO-5"]
    count = sandbox.call("POST", "/v3/issues/_count", json={"queue": "DEMO"})
    assert count.json() == 5


def _found(sandbox: SandboxHandle, query: str) -> list[str]:
    r = sandbox.call("POST", "/v3/issues/_search", json={"query": query})
    assert r.status_code == 200, r.text
    count = sandbox.call("POST", "/v3/issues/_count", json={"query": query})
    assert count.json() == len(r.json())
    return [i["key"] for i in r.json()]


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ('Status: "In progress"', ["DEMO-2"]),  # a status by its display name
        ("status: inReview", ["DEMO-3"]),  # by its key; field names in any case
        ("Assignee: me()", ["DEMO-2", "DEMO-3"]),
        ('Assignee: "Ivan Petrov"', ["DEMO-4", "DEMO-5"]),
        ("Resolution: empty()", ["DEMO-1", "DEMO-2", "DEMO-3", "DEMO-4"]),
        ("Resolution: notEmpty()", ["DEMO-5"]),
        ("Key: DEMO-1, DEMO-3, DEMO-404", ["DEMO-1", "DEMO-3"]),
        ("Queue: DEMO AND Type: bug", ["DEMO-2"]),
        ('Queue: DEMO Status: open, closed "Sort by": Key DESC', ["DEMO-5", "DEMO-1"]),
        ('Summary: "search page"', ["DEMO-3"]),
        ('Assignee: petrov "Sort by": Summary ASC', ["DEMO-5", "DEMO-4"]),
    ],
)
def test_search_by_query_language(sandbox: SandboxHandle, query: str, keys: list[str]) -> None:
    assert _found(sandbox, query) == keys


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("Queue: DEMO OR Queue: OTHER", "OR"),
        ("(Queue: DEMO)", "'('"),
        ("Status: !closed", "'!'"),
        ("Created: > 2026-01-01", "'>'"),
        ("Updated: 2026-01-01..2026-02-01", "the range '2026-01-01..2026-02-01'"),
        ("Updated: 2026-01-01", "the field 'Updated'"),
        ("Assignee: currentUser()", "the function currentUser()"),
        ("Components: Backend", "the field 'Components'"),
        ('Summary: #"Sign in with SSO"', "'#'"),
        ('"Sort by": Votes DESC', "sorting by 'Votes'"),
    ],
)
def test_search_query_beyond_the_sandbox_is_400_not_empty(
    sandbox: SandboxHandle, query: str, named: str
) -> None:
    """Real Tracker answers these; an empty 200 would look like a true answer."""
    r = sandbox.call("POST", "/v3/issues/_search", json={"query": query})
    assert r.status_code == 400
    message = r.json()["errorMessages"][0]
    assert message.startswith(f"the sandbox does not support {named}")


@pytest.mark.parametrize("query", ["Queue DEMO", "Queue:", "Summary: two words", "Key: A-1,"])
def test_search_query_that_does_not_parse_is_400(sandbox: SandboxHandle, query: str) -> None:
    r = sandbox.call("POST", "/v3/issues/_search", json={"query": query})
    assert r.status_code == 400
    assert r.json()["errorMessages"] == [f"Cannot parse the query: {query}"]


def test_search_pagination_headers(sandbox: SandboxHandle) -> None:
    r = sandbox.call("POST", "/v3/issues/_search?perPage=2&page=2", json={"queue": "DEMO"})
    assert [i["key"] for i in r.json()] == ["DEMO-3", "DEMO-4"]
    assert r.headers["X-Total-Count"] == "5"
    assert r.headers["X-Total-Pages"] == "3"
    links = {m[1]: m[0] for m in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["Link"])}
    assert links["next"] == f"{sandbox.url}/v3/issues/_search?perPage=2&page=3"
    assert links["prev"].endswith("page=1")
    assert "{&page}" in links["seek"]
    last = sandbox.call("POST", "/v3/issues/_search?perPage=2&page=3", json={"queue": "DEMO"})
    assert [i["key"] for i in last.json()] == ["DEMO-5"]
    assert 'rel="next"' not in last.headers["Link"]
    assert sandbox.call("POST", "/v3/issues/_search?perPage=0", json={}).status_code == 400


def test_expand_transitions(sandbox: SandboxHandle) -> None:
    issue = sandbox.call("GET", "/v3/issues/DEMO-4?expand=transitions").json()
    assert {t["id"] for t in issue["transitions"]} == {"close", "needs_rework"}
