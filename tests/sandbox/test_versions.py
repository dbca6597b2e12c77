"""Queue versions and the fixVersions field, over real sockets with plain `requests`: the
shapes of Tracker's versions API, its errors, and array edits that keep what was there."""

from __future__ import annotations

from typing import Any

import requests

from testing.servers import SandboxHandle


def post_version(sb: SandboxHandle, body: Any, version: str = "v3") -> requests.Response:
    return requests.post(f"{sb.url}/{version}/versions/", json=body, headers=sb.headers)


def test_a_version_is_created_listed_and_read(sandbox: SandboxHandle) -> None:
    r = post_version(sandbox, {"queue": "DEMO", "name": "2.4.0", "dueDate": "2026-12-31"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert isinstance(made["id"], int)
    assert made["self"] == f"{sandbox.url}/v3/versions/{made['id']}"
    assert made["queue"]["key"] == "DEMO" and made["queue"]["display"] == "Demo"
    assert (made["name"], made["dueDate"], made["released"], made["archived"]) == (
        "2.4.0", "2026-12-31", False, False,
    )  # fmt: skip
    listed = requests.get(f"{sandbox.url}/v2/queues/DEMO/versions", headers=sandbox.headers)
    assert [v["name"] for v in listed.json()] == ["2.4.0"]
    assert listed.json()[0]["self"].startswith(f"{sandbox.url}/v2/versions/")
    one = requests.get(f"{sandbox.url}/v3/versions/{made['id']}", headers=sandbox.headers)
    assert one.json() == made


def test_version_errors(sandbox: SandboxHandle) -> None:
    missing = post_version(sandbox, {"queue": "DEMO"})
    assert missing.status_code == 422 and missing.json()["errors"] == {"name": "Required field"}
    bad_date = post_version(sandbox, {"queue": "DEMO", "name": "1", "startDate": "03.10.2026"})
    assert bad_date.status_code == 422 and "startDate" in bad_date.json()["errors"]
    assert post_version(sandbox, {"queue": "NOPE", "name": "1"}).status_code == 404
    assert post_version(sandbox, {"queue": "DEMO", "name": "1"}).status_code == 201
    assert post_version(sandbox, {"queue": "DEMO", "name": "1"}).status_code == 409
    r = requests.get(f"{sandbox.url}/v3/versions/1", headers=sandbox.headers)
    assert r.status_code == 404 and r.json()["statusCode"] == 404
    r = requests.get(f"{sandbox.url}/v3/queues/NOPE/versions", headers=sandbox.headers)
    assert r.status_code == 404
    no_token = requests.post(f"{sandbox.url}/v3/versions/", json={"queue": "DEMO", "name": "x"})
    assert no_token.status_code == 401


def test_creating_a_version_needs_the_queues_rights(sandbox: SandboxHandle) -> None:
    sandbox.state.queue("DEMO")["versionAdmin"] = False  # type: ignore[index]
    r = post_version(sandbox, {"queue": "DEMO", "name": "2.4.0"})
    assert r.status_code == 403 and r.json()["errorMessages"]
    assert sandbox.state.versions == {}


def test_fix_versions_add_keeps_the_ones_there(sandbox: SandboxHandle) -> None:
    old = post_version(sandbox, {"queue": "DEMO", "name": "2.3.0"}).json()
    new = post_version(sandbox, {"queue": "DEMO", "name": "2.4.0"}).json()
    url = f"{sandbox.url}/v3/issues/DEMO-1"
    r = requests.patch(url, json={"fixVersions": [{"id": str(old["id"])}]}, headers=sandbox.headers)
    assert r.status_code == 200, r.text
    r = requests.patch(url, json={"fixVersions": {"add": [new["id"]]}}, headers=sandbox.headers)
    got = r.json()["fixVersions"]
    assert [v["display"] for v in got] == ["2.3.0", "2.4.0"]
    assert got[1] == {"self": f"{sandbox.url}/v3/versions/{new['id']}", "id": str(new["id"]),
                      "display": "2.4.0"}  # fmt: skip
    version = r.json()["version"]
    # Adding it again changes nothing: no new version of the issue.
    again = requests.patch(url, json={"fixVersions": {"add": ["2.4.0"]}}, headers=sandbox.headers)
    assert again.json()["version"] == version
    found = requests.post(
        f"{sandbox.url}/v3/issues/_search", json={"filter": {"fixVersions": "2.4.0"}},
        headers=sandbox.headers,
    )  # fmt: skip
    assert [i["key"] for i in found.json()] == ["DEMO-1"]


def test_fix_versions_refuse_another_queues_version(sandbox: SandboxHandle) -> None:
    sandbox.state.add_queue("OPS")
    theirs = post_version(sandbox, {"queue": "OPS", "name": "2.4.0"}).json()
    r = requests.patch(
        f"{sandbox.url}/v3/issues/DEMO-1", json={"fixVersions": {"add": [theirs["id"]]}},
        headers=sandbox.headers,
    )  # fmt: skip
    assert r.status_code == 422 and "fixVersions" in r.json()["errors"]
    assert "fixVersions" not in sandbox.state.issue("DEMO-1")  # type: ignore[operator]
