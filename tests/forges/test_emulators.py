"""The emulators answer like the forges do (docs/design/forges.md), checked with plain requests."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tracker_git.emulators import Emulator

TOKEN = "test-token"


def gh(emulator: Emulator, method: str, path: str, **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", **kw.pop("headers", {})}
    return requests.request(method, emulator.url + path, headers=headers, timeout=5, **kw)


# --- GitHub ----------------------------------------------------------------------------


def test_github_shapes_and_traps(start_forge: Any) -> None:
    em = start_forge("github", page_size=1)
    bad = gh(em, "GET", "/repos/octo/hello", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    assert gh(em, "GET", "/repos/octo/hello", headers={"Authorization": f"token {TOKEN}"}).ok
    assert gh(em, "GET", "/repos/octo/nope").status_code == 404

    made = gh(
        em, "POST", "/repos/octo/hello/pulls", json={"title": "t", "head": "a", "base": "main"}
    )
    assert made.status_code == 201
    pr = made.json()
    assert pr["number"] == 1 and pr["body"] is None and pr["head"]["label"] == "octo:a"
    assert pr["html_url"] == f"{em.web_url}/octo/hello/pull/1"
    assert made.headers["Location"] == pr["url"]

    again = gh(
        em, "POST", "/repos/octo/hello/pulls", json={"title": "t", "head": "a", "base": "main"}
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["message"] == "A pull request already exists for octo:a."
    missing = gh(em, "POST", "/repos/octo/hello/pulls", json={"head": "a", "base": "main"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "title"

    gh(em, "POST", "/repos/octo/hello/pulls", json={"title": "t", "head": "b", "base": "main"})
    # A bare branch in `head` is ignored: every open pull request comes back.
    bare = gh(em, "GET", "/repos/octo/hello/pulls", params={"head": "a", "per_page": 100})
    assert len(bare.json()) == 1 and 'rel="next"' in bare.headers["Link"]
    nxt = requests.get(
        bare.links["next"]["url"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    assert [p["number"] for p in nxt.json()] == [2]
    owned = gh(em, "GET", "/repos/octo/hello/pulls", params={"head": "octo:b"})
    assert [p["number"] for p in owned.json()] == [2] and "Link" not in owned.headers

    patched = gh(em, "PATCH", "/repos/octo/hello/pulls/1", json={"title": "t2", "draft": True})
    assert patched.json()["title"] == "t2" and patched.json()["draft"] is False
    assert gh(em, "GET", "/repos/octo/hello").json()["default_branch"] == "main"


# --- GitLab ----------------------------------------------------------------------------


def test_gitlab_shapes_and_traps(start_forge: Any) -> None:
    em = start_forge("gitlab", page_size=1)
    project = "/projects/group%2Fsub%2Fproject"
    assert gh(em, "GET", project, headers={"Authorization": "Bearer no"}).json() == {
        "message": "401 Unauthorized"
    }
    plain = requests.get(em.url + project, headers={"PRIVATE-TOKEN": TOKEN}, timeout=5)
    assert plain.json()["path_with_namespace"] == "group/sub/project"
    assert gh(em, "GET", "/projects/group/sub/project").status_code == 404  # unencoded
    assert gh(em, "GET", "/projects/other%2Fproject").json() == {"message": "404 Project Not Found"}

    body = {"source_branch": "a", "target_branch": "main", "title": "Draft: t"}
    made = gh(em, "POST", project + "/merge_requests", json=body)
    assert made.status_code == 201
    mr = made.json()
    assert (mr["iid"], mr["draft"], mr["state"]) == (1, True, "opened") and mr["id"] != mr["iid"]
    assert mr["web_url"] == f"{em.web_url}/group/sub/project/-/merge_requests/1"
    dup = gh(em, "POST", project + "/merge_requests", json=body)
    assert dup.status_code == 409
    assert dup.json() == {
        "message": ["Another open merge request already exists for this source branch: !1"]
    }
    assert (
        gh(em, "POST", project + "/merge_requests", json={"source_branch": "a"}).status_code == 400
    )

    gh(em, "POST", project + "/merge_requests", json={**body, "source_branch": "b"})
    page = gh(em, "GET", project + "/merge_requests", params={"state": "opened"})
    assert (
        len(page.json()) == 1
        and page.headers["X-Next-Page"] == "2"
        and page.headers["X-Total"] == "2"
    )
    assert [
        m["iid"]
        for m in gh(em, "GET", project + "/merge_requests", params={"source_branch": "b"}).json()
    ] == [2]

    assert gh(em, "PUT", project + "/merge_requests/1", json={}).status_code == 400
    ready = gh(em, "PUT", project + "/merge_requests/1", json={"title": "t"}).json()
    assert ready["draft"] is False


# --- Bitbucket Cloud -------------------------------------------------------------------


def test_bitbucket_cloud_shapes_and_traps(start_forge: Any) -> None:
    em = start_forge("bitbucket-cloud", page_size=1)
    repo = "/repositories/workspace/repo"
    bad = gh(em, "GET", repo, headers={"Authorization": "Bearer no"})
    assert bad.status_code == 401 and bad.json()["type"] == "error"
    assert requests.get(em.url + repo, auth=("me@example.com", TOKEN), timeout=5).json()[
        "mainbranch"
    ] == {
        "type": "branch",
        "name": "main",
    }
    assert gh(em, "GET", "/repositories/workspace/nope").status_code == 404

    body = {"title": "t", "source": {"branch": {"name": "a"}}, "reviewers": [{"uuid": "{u1}"}]}
    made = gh(em, "POST", repo + "/pullrequests", json=body)
    assert made.status_code == 201
    pr = made.json()
    assert pr["destination"]["branch"]["name"] == "main"  # the main branch by default
    assert pr["links"]["html"]["href"] == f"{em.web_url}/workspace/repo/pull-requests/1"
    assert (
        gh(
            em, "POST", repo + "/pullrequests", json={"source": {"branch": {"name": "x"}}}
        ).status_code
        == 400
    )

    gh(em, "POST", repo + "/pullrequests", json={**body, "source": {"branch": {"name": "b"}}})
    listed = gh(em, "GET", repo + "/pullrequests").json()
    assert len(listed["values"]) == 1 and "reviewers" not in listed["values"][0] and listed["next"]
    rest = gh(em, "GET", listed["next"].removeprefix(em.url)).json()
    assert [p["id"] for p in rest["values"]] == [2] and "next" not in rest
    q = gh(em, "GET", repo + "/pullrequests", params={"q": 'source.branch.name="b"'}).json()
    assert [p["id"] for p in q["values"]] == [2]
    assert gh(em, "GET", repo + "/pullrequests", params={"q": "nonsense"}).status_code == 400

    assert gh(em, "PUT", repo + "/pullrequests/1", json={"description": "d"}).status_code == 400
    assert gh(em, "GET", repo + "/pullrequests/1").json()["reviewers"][0]["uuid"] == "{u1}"
    em.find(1).update(draft=True, close_source_branch=True)
    gh(em, "PUT", repo + "/pullrequests/1", json={"title": "t2"})
    after = gh(em, "GET", repo + "/pullrequests/1").json()
    # A PUT replaces the pull request: what it leaves out is reset.
    assert (after["reviewers"], after["draft"], after["close_source_branch"]) == ([], False, False)


# --- Bitbucket Data Center -------------------------------------------------------------


def _dc_pr(source: str, target: str = "main") -> dict[str, Any]:
    repo = {"slug": "repo", "project": {"key": "PRJ"}}
    return {
        "title": "t",
        "fromRef": {"id": f"refs/heads/{source}", "repository": repo},
        "toRef": {"id": f"refs/heads/{target}", "repository": repo},
    }


def test_bitbucket_dc_shapes_and_traps(start_forge: Any) -> None:
    em = start_forge("bitbucket-dc", page_size=1)
    repo = "/projects/PRJ/repos/repo"
    bad = gh(em, "GET", repo, headers={"Authorization": "Bearer no"})
    assert bad.status_code == 401
    assert bad.json()["errors"][0]["exceptionName"].endswith(
        "IncorrectPasswordAuthenticationException"
    )
    old_api = em.url.replace("/latest", "/1.0")
    assert requests.get(old_api + repo, auth=("admin", TOKEN), timeout=5).json()["slug"] == "repo"
    assert gh(em, "GET", repo + "/default-branch").json()["displayId"] == "main"
    assert (
        gh(em, "GET", "/projects/PRJ/repos/nope")
        .json()["errors"][0]["exceptionName"]
        .endswith("NoSuchRepositoryException")
    )

    made = gh(
        em,
        "POST",
        repo + "/pull-requests",
        json={**_dc_pr("a"), "reviewers": [{"user": {"name": "bob"}}]},
    )
    assert made.status_code == 201
    pr = made.json()
    assert pr["version"] == 0 and "description" not in pr
    assert pr["links"]["self"][0]["href"] == f"{em.web_url}/projects/PRJ/repos/repo/pull-requests/1"
    dup = gh(em, "POST", repo + "/pull-requests", json=_dc_pr("a"))
    assert dup.status_code == 409
    error = dup.json()["errors"][0]
    assert error["exceptionName"] == "com.atlassian.bitbucket.pull.DuplicatePullRequestException"
    assert error["existingPullRequest"]["id"] == 1

    gh(em, "POST", repo + "/pull-requests", json=_dc_pr("b"))
    incoming = gh(em, "GET", repo + "/pull-requests", params={"at": "refs/heads/a"}).json()
    assert incoming["values"] == []  # `at` is the target unless direction=OUTGOING
    outgoing = gh(
        em, "GET", repo + "/pull-requests", params={"at": "refs/heads/a", "direction": "OUTGOING"}
    )
    assert [p["id"] for p in outgoing.json()["values"]] == [1]
    first = gh(em, "GET", repo + "/pull-requests").json()
    assert first["isLastPage"] is False and first["nextPageStart"] == 1
    second = gh(em, "GET", repo + "/pull-requests", params={"start": 1}).json()
    assert second["isLastPage"] is True and "nextPageStart" not in second

    assert gh(em, "PUT", repo + "/pull-requests/1", json={"title": "x"}).status_code == 400
    stale = gh(em, "PUT", repo + "/pull-requests/1", json={"version": 5, "title": "x"})
    assert stale.status_code == 409 and stale.json()["errors"][0]["currentVersion"] == 0
    done = gh(em, "PUT", repo + "/pull-requests/1", json={"version": 0, "title": "x"}).json()
    assert done["version"] == 1 and done["reviewers"] == []  # omitted reviewers are removed


def test_latency_and_the_request_log(start_forge: Any) -> None:
    em = start_forge("github", latency=0.01)
    gh(em, "GET", "/repos/octo/hello", headers={"X-Extra": "1"})
    (seen,) = em.requests
    assert (seen.method, seen.path, seen.headers["x-extra"]) == ("GET", "/repos/octo/hello", "1")
    assert seen.headers["authorization"] == "<redacted>"


def test_injected_faults_answer_in_the_forge_shape_or_drop_the_connection(
    start_forge: Any,
) -> None:
    """inject(STATUS) and inject("drop") work on the emulators as on the sandbox (they were
    taken from the queue and ignored: the request was answered as if nothing was injected)."""
    em = start_forge("github")
    em.faults.inject(503, times=1, retry_after=2)
    answer = gh(em, "GET", "/repos/octo/hello")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"
    assert "message" in answer.json()  # GitHub's error shape
    em.faults.inject("drop")
    try:
        gh(em, "GET", "/repos/octo/hello")
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("a dropped connection was answered")
    assert gh(em, "GET", "/repos/octo/hello").status_code == 200
    assert [r.status for r in em.requests] == [503, None, 200]


def test_an_emulator_without_every_method_of_the_interface_cannot_be_made() -> None:
    """Emulator's abstract methods are the interface: a subclass missing one fails when it is
    made (and mypy says so where its module declares `EMULATOR: type[Emulator]`), not with a
    NotImplementedError in the middle of a request."""

    class Partial(Emulator):
        def authorized(self, headers: dict[str, str]) -> bool:
            return True

    with pytest.raises(TypeError, match="abstract") as caught:
        Partial()  # type: ignore[abstract]
    for name in ("error_reply", "find", "not_found", "remote_url", "unauthorized"):
        assert name in str(caught.value)
