"""The fidelity check itself (testing/openapi_contract.py): the vendored descriptions hold what
our clients call, the check sees real traffic, and it fails on what the forges would refuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from testing.fixtures_forges import FORGE_KINDS
from testing.openapi_contract import (
    HERE,
    check_exchanges,
    check_gitlab,
    check_request,
    check_response,
    description,
)
from tracker_git import forges
from tracker_git.core import config
from tracker_git.emulators import Emulator
from tracker_git.emulators.server import Recorded

OURS = {"user-agent": "tracker-git/0.1"}


def test_vendored_descriptions_are_small_and_carry_source_and_licence() -> None:
    files = sorted(p.name for p in HERE.iterdir())
    assert {"github.json", "ghes.json", "bitbucket-cloud.json", "bitbucket-dc.json"} <= set(files)
    assert {"SOURCES.md", "LICENSE-octokit-openapi", "LICENSE-coderabbitai-bitbucket"} <= set(files)
    assert sum(p.stat().st_size for p in HERE.iterdir()) < 1_000_000
    for name in ("github", "ghes", "bitbucket-cloud", "bitbucket-dc"):
        data = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
        assert data["openapi"].startswith("3.") and data["paths"], name
    assert description("ghes").document["servers"] != description("github").document["servers"]


@pytest.mark.parametrize("kind", FORGE_KINDS)
def test_a_whole_submit_is_checked_and_clean(kind: str, start_forge: Any) -> None:
    """Create, find and update on each forge: every exchange is checked, none is skipped."""
    em: Emulator = start_forge(kind)
    environ = {"TRACKER_GIT_FORGE_API_URL": em.url}
    remote = forges.detect(em.remote_url(), config.load(None, environ={}), environ)
    forge = forges.client_for(remote, em.token)
    forges.submit(forge, "DEV-1: a", "b", "DEV-1-x", "main")
    forges.submit(forge, "DEV-1: a2", "b2", "DEV-1-x", "main")
    forge.default_branch()
    assert len(em.requests) >= 5 and all(r.status is not None for r in em.requests)
    assert check_exchanges(em) == []


def _record(method: str, path: str, body: Any = None, query: dict[str, list[str]] | None = None,
            status: int = 200, answer: Any = None) -> Recorded:  # fmt: skip
    return Recorded(method, path, query or {}, dict(OURS), body, status, answer)


def test_requests_the_forge_would_refuse_are_found() -> None:
    gh = description("github")
    path = "/repos/o/r/pulls"
    assert (
        check_request(gh, _record("POST", path, {"title": "t", "head": "a", "base": "b"}), path)
        == []
    )
    assert check_request(gh, _record("POST", path, {"title": 5, "head": "a", "base": "b"}), path)
    assert check_request(gh, _record("GET", path, query={"head_branch": ["x"]}), path)
    assert check_request(gh, _record("GET", path, query={"per_page": ["many"]}), path)
    assert check_request(gh, _record("DELETE", path), path)
    cloud = description("bitbucket-cloud")
    prs = "/repositories/w/r/pullrequests"
    assert check_request(cloud, _record("GET", prs, query={"q": ['state="OPEN"']}), prs) == []
    assert check_request(cloud, _record("POST", prs, {"title": "t"}), prs)  # no `type`


def test_a_body_declared_under_any_media_type_is_checked() -> None:
    """Data Center declares the build status body as `*/*`: its schema still applies."""
    dc = description("bitbucket-dc")
    path = "/api/latest/projects/P/repos/r/commits/" + "a" * 40 + "/builds"
    good = {"key": "tracker-git/issue", "state": "SUCCESSFUL", "url": "https://t.example/DEV-1",
            "ref": "refs/heads/DEV-1-x"}  # fmt: skip
    assert check_request(dc, _record("POST", path, good, status=204), path) == []
    assert check_request(dc, _record("POST", path, {**good, "url": 5}, status=204), path)
    assert check_request(dc, _record("POST", path, {**good, "ref": "DEV-1-x"}, status=204), path)


def test_answers_the_forge_would_not_give_are_found() -> None:
    gh = description("github")
    path = "/repos/o/r/pulls/1"
    error = "#/components/schemas/basic-error"
    assert check_response(gh, _record("GET", path, status=200, answer={"number": 1}), path, error)
    assert check_response(gh, _record("GET", path, status=404, answer=[]), path, error)
    ok = check_response(
        gh, _record("GET", path, status=404, answer={"message": "Not Found"}), path, error
    )
    assert ok == []
    dc = description("bitbucket-dc")
    dc_path = "/api/latest/projects/P/repos/r/pull-requests/1"
    bad = {"errors": [{"message": 5}]}
    assert check_response(
        dc,
        _record("GET", dc_path, status=401, answer=bad),
        dc_path,
        "#/components/schemas/RestErrors",
    )


def test_gitlab_is_held_to_gitbeakers_types() -> None:
    mrs = "/projects/g%2Fp/merge_requests"
    made = {"source_branch": "a", "target_branch": "b", "title": "t", "description": "d"}
    assert (
        check_gitlab(_record("POST", mrs, made, status=409, answer={"message": ["x"]}), mrs, True)
        == []
    )
    assert check_gitlab(
        _record("POST", mrs, {**made, "draft": True}, status=409, answer={"message": "x"}),
        mrs,
        True,
    )
    assert check_gitlab(
        _record("POST", mrs, {"title": "t"}, status=409, answer={"message": "x"}), mrs, True
    )
    assert check_gitlab(_record("GET", mrs, query={"head": ["a"]}, answer=[]), mrs, True)
    assert check_gitlab(
        _record("GET", mrs + "/1", answer={"iid": 1, "state": "open"}), mrs + "/1", True
    )
    assert check_gitlab(_record("GET", mrs, answer=[], status=500), mrs, False)


def test_gitlab_answers_are_checked_field_by_field(start_forge: Any) -> None:
    """Each documented field, its type and its enum: a merge request without `sha`, with a
    `merge_status` GitLab does not have, or with labels that are not a list is caught."""
    em = start_forge("gitlab")
    made = em._merge_request(1, "DEV-1: t", "DEV-1-x", "main")
    one = "/projects/g%2Fp/merge_requests/1"
    assert check_gitlab(_record("GET", one, answer=made), one, True) == []
    broken = [
        {k: v for k, v in made.items() if k != "sha"},
        {**made, "merge_status": "mergeable"},
        {**made, "labels": "bug"},
        {**made, "detailed_merge_status": "ready"},
        {**made, "merged_at": 5},
    ]
    for answer in broken:
        assert check_gitlab(_record("GET", one, answer=answer), one, True), answer
    status = "/projects/g%2Fp/statuses/" + "a" * 40
    posted = {"state": "success", "name": "tracker-git/issue", "pipeline_id": 501}
    assert check_gitlab(_record("POST", status, posted, status=400, answer={"message": "x"}),
                        status, True) == []  # fmt: skip
    assert check_gitlab(
        _record("POST", status, {**posted, "pipeline": 501}, status=400, answer={"message": "x"}),
        status,
        True,
    )


def test_sources_name_every_vendored_file() -> None:
    sources = Path(HERE / "SOURCES.md").read_text(encoding="utf-8")
    for name in ("github.json", "ghes.json", "bitbucket-cloud.json", "bitbucket-dc.json"):
        assert name in sources
    assert "scripts/vendor-api-descriptions" in sources
