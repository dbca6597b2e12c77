"""The sandbox over real sockets with plain `requests`: reading issues, /myself, transitions,
comments, and Tracker's credential checks."""

from __future__ import annotations

import pytest
import requests

from testing.servers import SandboxHandle


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_get_issue_has_tracker_shape(sandbox: SandboxHandle, version: str) -> None:
    r = requests.get(f"{sandbox.url}/{version}/issues/DEMO-2", headers=sandbox.headers)
    assert r.status_code == 200
    issue = r.json()
    assert issue["key"] == "DEMO-2"
    assert issue["summary"] == "Исправить падение при пустом ответе сервера"
    assert issue["self"] == f"{sandbox.url}/{version}/issues/DEMO-2"
    assert issue["status"]["key"] == "inProgress"
    assert issue["status"]["display"] == "In progress"
    assert issue["queue"]["key"] == "DEMO"
    assert issue["type"]["key"] == "bug"
    assert issue["assignee"]["display"] == "Sandbox User"
    assert isinstance(issue["version"], int)
    assert len(issue["id"]) == 24


def test_myself(sandbox: SandboxHandle) -> None:
    r = requests.get(f"{sandbox.url}/v3/myself", headers=sandbox.headers)
    assert r.status_code == 200
    assert r.json()["login"] == "sandbox.user"
    assert r.json()["self"].startswith(f"{sandbox.url}/v3/users/")


def test_unknown_issue_is_404_with_tracker_error_body(sandbox: SandboxHandle) -> None:
    r = requests.get(f"{sandbox.url}/v3/issues/DEMO-999", headers=sandbox.headers)
    assert r.status_code == 404
    body = r.json()
    assert body["statusCode"] == 404
    assert body["errors"] == {}
    assert body["errorMessages"]


def test_transitions_follow_the_workflow(sandbox: SandboxHandle) -> None:
    r = requests.get(f"{sandbox.url}/v3/issues/DEMO-1/transitions", headers=sandbox.headers)
    assert r.status_code == 200
    assert [(t["id"], t["to"]["key"]) for t in r.json()] == [("start_progress", "inProgress")]
    r = requests.post(
        f"{sandbox.url}/v3/issues/DEMO-1/transitions/start_progress/_execute",
        headers=sandbox.headers,
    )
    assert r.status_code == 200
    assert {t["to"]["key"] for t in r.json()} == {"inReview"}
    issue = requests.get(f"{sandbox.url}/v3/issues/DEMO-1", headers=sandbox.headers).json()
    assert issue["status"]["key"] == "inProgress"
    assert issue["previousStatus"]["key"] == "open"


def test_comments_round_trip(sandbox: SandboxHandle) -> None:
    url = f"{sandbox.url}/v3/issues/DEMO-1/comments"
    r = requests.post(url, headers=sandbox.headers, json={"text": "Pull request: https://x/1"})
    assert r.status_code == 201
    created = r.json()
    assert created["text"] == "Pull request: https://x/1"
    assert created["self"] == f"{url}/{created['id']}"
    listed = requests.get(url, headers=sandbox.headers).json()
    assert [c["text"] for c in listed] == ["Pull request: https://x/1"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-Org-ID": "sandbox-org"}, 401),
        ({"Authorization": "OAuth wrong", "X-Org-ID": "sandbox-org"}, 401),
        ({"Authorization": "Basic sandbox-token", "X-Org-ID": "sandbox-org"}, 401),
        ({"Authorization": "OAuth sandbox-token"}, 403),
        ({"Authorization": "OAuth sandbox-token", "X-Org-ID": "other"}, 403),
        ({"Authorization": "OAuth sandbox-token", "X-Org-ID": "sandbox-org"}, 200),
        ({"Authorization": "OAuth sandbox-token", "X-Cloud-Org-ID": "sandbox-org"}, 200),
        ({"Authorization": "Bearer sandbox-token", "X-Cloud-Org-ID": "sandbox-org"}, 200),
        ({"Authorization": "Bearer sandbox-token", "X-Org-ID": "sandbox-org"}, 401),
    ],
)
def test_credentials_are_checked_like_tracker(
    sandbox: SandboxHandle, headers: dict[str, str], status: int
) -> None:
    r = requests.get(f"{sandbox.url}/v3/myself", headers=headers)
    assert r.status_code == status
    if status != 200:
        assert r.json()["statusCode"] == status
        assert r.json()["errorMessages"]
    if status == 403:
        assert r.json()["errorMessages"] == [
            "Organization is not available, not ready or not found"
        ]


def test_request_log_leaves_out_authorization(sandbox: SandboxHandle) -> None:
    requests.get(f"{sandbox.url}/v3/myself", headers=sandbox.headers)
    (entry,) = sandbox.requests
    assert entry["method"] == "GET"
    assert entry["path"] == "/v3/myself"
    assert entry["status"] == 200
    assert "Authorization" not in entry["headers"]
    assert sandbox.token not in repr(entry)
