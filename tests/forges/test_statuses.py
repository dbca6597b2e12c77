"""Commit statuses (GitHub, GitLab) and build statuses (Bitbucket Cloud, Data Center): each
client against its emulator over real HTTP, and the emulators failing where the real APIs
fail (unknown commit, bad or missing fields)."""

from __future__ import annotations

from typing import Any, cast

import pytest
import requests

from tracker_git import forges
from tracker_git.core.errors import OperationFailed
from tracker_git.emulators import Emulator
from tracker_git.emulators.gitlab import GitLabEmulator

SHA = "a" * 40
# What each forge shows for our status: (the field naming it, the field with its state).
FIELDS = {
    "github": ("context", "state"),
    "gitlab": ("name", "status"),
    "bitbucket-cloud": ("key", "state"),
    "bitbucket-dc": ("key", "state"),
}
STATES = {
    "github": {"success": "success", "failure": "failure", "pending": "pending"},
    "gitlab": {"success": "success", "failure": "failed", "pending": "pending"},
    "bitbucket-cloud": {"success": "SUCCESSFUL", "failure": "FAILED", "pending": "INPROGRESS"},
    "bitbucket-dc": {"success": "SUCCESSFUL", "failure": "FAILED", "pending": "INPROGRESS"},
}


def shown(emulator: Emulator, sha: str = SHA) -> list[tuple[str, str]]:
    name, state = FIELDS[emulator.kind]
    return [(s[name], s[state]) for s in emulator.statuses_on(sha)]


@pytest.mark.parametrize("state", ["success", "failure", "pending"])
def test_set_commit_status(forge_emulator: Emulator, forge_client: Any, state: str) -> None:
    forge_emulator.add_commit(SHA)
    status = forges.CommitStatus(state, "DEV-1: Login fails", "https://tracker.example/DEV-1")
    forge_client.set_commit_status(SHA, status)
    assert shown(forge_emulator) == [("tracker-git/issue", STATES[forge_emulator.kind][state])]
    (sent,) = [r for r in forge_emulator.requests if r.method == "POST"]
    assert "https://tracker.example/DEV-1" in sent.body.values()
    assert "DEV-1: Login fails" in sent.body.values()


def test_a_status_names_the_pull_requests_branch(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    """Where a forge ties statuses to a ref, the source branch goes in the forge's own form
    (the contract check at the end holds each request to the forge's description)."""
    forge_emulator.add_commit(SHA)
    status = forges.CommitStatus("success", "DEV-1", "https://x/1", branch="DEV-1-x")
    forge_client.set_commit_status(SHA, status)
    (sent,) = [r for r in forge_emulator.requests if r.method == "POST"]
    expected = {
        "github": None,  # GitHub's statuses belong to the commit alone
        "gitlab": ("ref", "DEV-1-x"),
        "bitbucket-cloud": ("refname", "DEV-1-x"),
        "bitbucket-dc": ("ref", "refs/heads/DEV-1-x"),
    }[forge_emulator.kind]
    if expected is None:
        assert "DEV-1-x" not in str(sent.body)
    else:
        assert sent.body[expected[0]] == expected[1]


def test_a_second_status_replaces_the_first(forge_emulator: Emulator, forge_client: Any) -> None:
    forge_emulator.add_commit(SHA)
    forge_client.set_commit_status(SHA, forges.CommitStatus("failure", "no key", "https://x/1"))
    forge_client.set_commit_status(SHA, forges.CommitStatus("success", "DEV-1", "https://x/2"))
    state = FIELDS[forge_emulator.kind][1]
    listed = requests.get(
        _list_url(forge_emulator), headers=_auth(forge_emulator), timeout=10
    ).json()
    values = listed["values"] if isinstance(listed, dict) else listed
    # Every forge shows the newest status of a context first (or only it).
    assert values[0][state] == STATES[forge_emulator.kind]["success"]


def test_long_descriptions_are_cut_to_what_the_forge_takes(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    forge_emulator.add_commit(SHA)
    text = "DEV-1: " + "very long summary " * 30
    forge_client.set_commit_status(SHA, forges.CommitStatus("success", text, "https://x/1"))
    (sent,) = [r for r in forge_emulator.requests if r.method == "POST"]
    limit = 140 if forge_emulator.kind == "github" else 255
    assert len(sent.body["description"]) == limit and sent.body["description"].endswith("…")


def test_an_unknown_commit_is_one_clear_line(forge_emulator: Emulator, forge_client: Any) -> None:
    with pytest.raises(OperationFailed) as caught:
        forge_client.set_commit_status(SHA, forges.CommitStatus("success", "x", "https://x/1"))
    assert "\n" not in str(caught.value)
    assert forge_emulator.statuses == []


def test_bitbucket_gets_a_url_even_without_a_link(start_forge: Any, monkeypatch: Any) -> None:
    for kind in ("bitbucket-cloud", "bitbucket-dc"):
        emulator = start_forge(kind)
        monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", emulator.url)
        emulator.add_commit(SHA)
        from tracker_git.core import config

        remote = forges.detect(emulator.remote_url(), config.load(None, environ={}))
        forges.client_for(remote, emulator.token).set_commit_status(
            SHA, forges.CommitStatus("failure", "no key", "")
        )
        assert emulator.statuses_on(SHA)[0]["url"]


def _gitlab(start_forge: Any, monkeypatch: Any) -> tuple[GitLabEmulator, forges.Forge]:
    from tracker_git.core import config

    emulator = cast(GitLabEmulator, start_forge("gitlab"))
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", emulator.url)
    emulator.add_commit(SHA)
    remote = forges.detect(emulator.remote_url(), config.load(None, environ={}))
    return emulator, forges.client_for(remote, emulator.token)


def test_gitlab_status_joins_the_merge_request_pipeline(start_forge: Any, monkeypatch: Any) -> None:
    """With merge request pipelines (our template's), a status posted for the source branch
    would make a pipeline of its own that "Pipelines must succeed" never reads."""
    emulator, client = _gitlab(start_forge, monkeypatch)
    emulator.add_pipeline(SHA, "DEV-1-x", source="push")
    mr_pipeline = emulator.add_pipeline(SHA, "refs/merge-requests/1/head")
    client.set_commit_status(
        SHA, forges.CommitStatus("success", "DEV-1", "https://x/1", branch="DEV-1-x")
    )
    (status,) = emulator.statuses_on(SHA)
    assert status["pipeline_id"] == mr_pipeline
    assert status["ref"] == "refs/merge-requests/1/head"
    assert len(emulator.pipelines) == 2  # no pipeline of its own


def test_gitlab_status_falls_back_to_the_branch(start_forge: Any, monkeypatch: Any) -> None:
    emulator, client = _gitlab(start_forge, monkeypatch)
    branch_pipeline = emulator.add_pipeline(SHA, "DEV-1-x", source="push")
    client.set_commit_status(
        SHA, forges.CommitStatus("success", "DEV-1", "https://x/1", branch="DEV-1-x")
    )
    assert emulator.statuses_on(SHA)[0]["pipeline_id"] == branch_pipeline
    # No pipeline at all yet: the ref, and GitLab makes one for it.
    other = "b" * 40
    emulator.add_commit(other)
    client.set_commit_status(
        other, forges.CommitStatus("success", "DEV-1", "https://x/1", branch="DEV-1-x")
    )
    (posted,) = [r for r in emulator.requests if r.method == "POST" and other in r.path]
    assert posted.body["ref"] == "DEV-1-x" and "pipeline_id" not in posted.body


def test_a_status_state_outside_ours_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        forges.CommitStatus("error", "x", "https://x")


# --- the emulators fail like the real APIs -------------------------------------------------------


def _auth(emulator: Emulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {emulator.token}"}


def _post_url(emulator: Emulator, sha: str = SHA) -> str:
    return {
        "github": f"{emulator.url}/repos/octo/hello/statuses/{sha}",
        "gitlab": f"{emulator.url}/projects/group%2Fsub%2Fproject/statuses/{sha}",
        "bitbucket-cloud": f"{emulator.url}/repositories/workspace/repo/commit/{sha}/statuses/build",
        "bitbucket-dc": f"{emulator.url}/projects/PRJ/repos/repo/commits/{sha}/builds",
    }[emulator.kind]


def _list_url(emulator: Emulator, sha: str = SHA) -> str:
    return {
        "github": f"{emulator.url}/repos/octo/hello/commits/{sha}/statuses",
        "gitlab": f"{emulator.url}/projects/group%2Fsub%2Fproject/repository/commits/{sha}/statuses",
        "bitbucket-cloud": f"{emulator.url}/repositories/workspace/repo/commit/{sha}/statuses",
        "bitbucket-dc": f"{emulator.url}/projects/PRJ/repos/repo/commits/{sha}/builds",
    }[emulator.kind]


GOOD = {
    "github": {"state": "success", "context": "c", "target_url": "https://x", "description": "d"},
    "gitlab": {"state": "success", "name": "c", "target_url": "https://x", "description": "d"},
    "bitbucket-cloud": {"key": "c", "state": "SUCCESSFUL", "url": "https://x"},
    "bitbucket-dc": {"key": "c", "state": "SUCCESSFUL", "url": "https://x"},
}
# (what is wrong, the body, the status the real API answers)
BAD: dict[str, list[tuple[str, dict[str, Any], int]]] = {
    "github": [
        ("bad state", {"state": "ok"}, 422),
        ("long description", {"state": "success", "description": "x" * 141}, 422),
    ],
    "gitlab": [("no state", {"name": "c"}, 400), ("bad state", {"state": "SUCCESS"}, 400)],
    "bitbucket-cloud": [
        ("no url", {"key": "c", "state": "SUCCESSFUL"}, 400),
        ("bad state", {"key": "c", "state": "success", "url": "https://x"}, 400),
    ],
    "bitbucket-dc": [
        ("no key", {"state": "SUCCESSFUL", "url": "https://x"}, 400),
        ("bad state", {"key": "c", "state": "OK", "url": "https://x"}, 400),
        ("long url", {"key": "c", "state": "FAILED", "url": "https://x/" + "a" * 450}, 400),
    ],
}
SUCCESS = {"github": 201, "gitlab": 201, "bitbucket-cloud": 201, "bitbucket-dc": 204}
UNKNOWN_COMMIT = {"github": 422, "gitlab": 404, "bitbucket-cloud": 404, "bitbucket-dc": 404}


def test_emulators_answer_and_fail_as_documented(forge_emulator: Emulator) -> None:
    kind = forge_emulator.kind
    post = requests.post(
        _post_url(forge_emulator), json=GOOD[kind], headers=_auth(forge_emulator), timeout=10
    )
    assert post.status_code == UNKNOWN_COMMIT[kind]
    forge_emulator.add_commit(SHA)
    for what, body, status in BAD[kind]:
        answer = requests.post(
            _post_url(forge_emulator), json=body, headers=_auth(forge_emulator), timeout=10
        )
        assert answer.status_code == status, what
    assert forge_emulator.statuses == []
    answer = requests.post(
        _post_url(forge_emulator), json=GOOD[kind], headers=_auth(forge_emulator), timeout=10
    )
    assert answer.status_code == SUCCESS[kind]
    assert (answer.content == b"") == (kind == "bitbucket-dc")
    wrong = requests.post(
        _post_url(forge_emulator),
        json=GOOD[kind],
        headers={"Authorization": "Bearer nope"},
        timeout=10,
    )
    assert wrong.status_code == 401


def test_gitlab_refuses_moving_an_unfinished_status_to_its_own_state(start_forge: Any) -> None:
    emulator = start_forge("gitlab")
    emulator.add_commit(SHA)
    url = _post_url(emulator)
    answers = [
        requests.post(url, json={"state": state, "name": "c"}, headers=_auth(emulator), timeout=10)
        for state in ("pending", "pending", "success", "success")
    ]
    assert [a.status_code for a in answers] == [201, 400, 201, 201]
    assert answers[1].json() == {"error": "Cannot transition status via :enqueue from :pending"}
