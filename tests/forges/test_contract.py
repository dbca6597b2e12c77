"""One contract, four forges: every client against its emulator, over real HTTP."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from testing.fixtures_forges import FORGE_KINDS
from testing.openapi_contract import check_exchanges
from testing.servers import serve_on_loopback
from tracker_git import forges
from tracker_git.core import config
from tracker_git.core.errors import OperationFailed
from tracker_git.emulators import Emulator

REVIEWER = {"bitbucket-cloud": "{5b2a0d7e-1111-4c4c-9d9d-000000000001}"}


def reviewer(kind: str) -> str:
    return REVIEWER.get(kind, "alice")


def client(emulator: Emulator, token: str | None = None) -> forges.Forge:
    remote = forges.detect(emulator.remote_url(), config.load(None, environ={}))
    return forges.client_for(remote, emulator.token if token is None else token)


def writes(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.requests if r.method != "GET"]


def test_find_open_finds_nothing_in_an_empty_repository(forge_client: Any) -> None:
    assert forge_client.find_open("feature/DEV-1") is None


def test_a_client_keeps_one_connection_and_closes_it(forge_emulator: Emulator) -> None:
    """Requests share the client's session (one connection); leaving `with` closes it."""
    with client(forge_emulator) as forge:
        assert forge.find_open("feature/DEV-1") is None
        assert forge.find_open("feature/DEV-2") is None
        assert forge_emulator.connections() == (1, 1)
    deadline = time.monotonic() + 30  # a bound, not a timing assertion
    while forge_emulator.connections()[1] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert forge_emulator.connections() == (1, 0)


def test_create_then_find(forge_emulator: Emulator, forge_client: Any) -> None:
    pr = forge_client.create("DEV-1: Login", "Fixes login.", "feature/DEV-1", "main")
    assert (pr.title, pr.body, pr.source, pr.target) == (
        "DEV-1: Login",
        "Fixes login.",
        "feature/DEV-1",
        "main",
    )
    assert pr.state == "open" and pr.draft is False
    assert pr.url.startswith(forge_emulator.web_url + "/") and str(pr.number) in pr.url
    assert len(forge_emulator.prs) == 1
    found = forge_client.find_open("feature/DEV-1")
    assert found is not None and found.number == pr.number and found.url == pr.url
    assert forge_client.find_open("feature/DEV-2") is None
    assert forge_client.find_open("feature/DEV-1", target="develop") is None


def test_empty_body_reads_as_empty_string(forge_client: Any) -> None:
    forge_client.create("DEV-1: x", "", "DEV-1-x", "main")
    found = forge_client.find_open("DEV-1-x")
    assert found is not None and found.body == ""


def test_update_changes_title_and_body_and_keeps_reviewers(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    pr = forge_client.create("DEV-1: old", "old body", "DEV-1-x", "main")
    forge_emulator.set_reviewers(pr.number, [reviewer(forge_emulator.kind)])
    found = forge_client.find_open("DEV-1-x")
    updated = forge_client.update(found, "DEV-1: new", "new body")
    assert (updated.number, updated.title, updated.body) == (pr.number, "DEV-1: new", "new body")
    assert forge_emulator.reviewers_of(pr.number) == [reviewer(forge_emulator.kind)]
    assert len(forge_emulator.prs) == 1


@pytest.mark.parametrize("forge_emulator", ["bitbucket-dc"], indirect=True)
def test_data_center_update_survives_a_stale_version(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    pr = forge_client.create("DEV-1: old", "b", "DEV-1-x", "main")
    forge_emulator.set_reviewers(pr.number, ["bob"])  # version moves on: pr is stale now
    updated = forge_client.update(pr, "DEV-1: new", "b2")
    assert updated.title == "DEV-1: new"
    assert updated.version == 2
    assert forge_emulator.reviewers_of(pr.number) == ["bob"]
    puts = [r for r in forge_emulator.requests if r.method == "PUT"]
    assert [r.body["version"] for r in puts] == [0, 1]


def test_duplicate_create_updates_the_existing_one(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    first = forge_client.create("DEV-1: one", "b1", "DEV-1-x", "main")
    second = forge_client.create("DEV-1: two", "b2", "DEV-1-x", "main")
    assert second.number == first.number
    assert (second.title, second.body) == ("DEV-1: two", "b2")
    assert len(forge_emulator.prs) == 1


def test_submit_creates_once_then_updates(forge_emulator: Emulator, forge_client: Any) -> None:
    done = forges.submit(forge_client, "DEV-1: a", "b", "DEV-1-x", "main")
    assert done.created
    again = forges.submit(forge_client, "DEV-1: a2", "b2", "DEV-1-x", "main")
    assert not again.created and again.pull_request.number == done.pull_request.number
    assert again.pull_request.title == "DEV-1: a2"
    assert len(forge_emulator.prs) == 1
    assert sum(1 for w in writes(forge_emulator) if w.startswith("POST")) == 1


def test_draft_is_created_and_stays_a_draft_on_update(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    pr = forge_client.create("DEV-1: wip", "b", "DEV-1-x", "main", draft=True)
    assert pr.draft
    updated = forge_client.update(forge_client.find_open("DEV-1-x"), "DEV-1: wip 2", "b2")
    assert updated.draft
    assert updated.title.endswith("DEV-1: wip 2")


@pytest.mark.parametrize("forge_emulator", ["bitbucket-cloud"], indirect=True)
def test_bitbucket_cloud_update_keeps_what_a_put_would_reset(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    pr = forge_client.create("DEV-1: wip", "b", "DEV-1-x", "main", draft=True)
    forge_emulator.set_reviewers(pr.number, [reviewer(forge_emulator.kind)])
    stored = forge_emulator.find(pr.number)
    assert stored is not None
    stored["close_source_branch"] = True
    forge_client.update(pr, "DEV-1: wip 2", "b2")
    kept = forge_emulator.find(pr.number)
    assert kept is not None
    assert (kept["draft"], kept["close_source_branch"]) == (True, True)
    assert forge_emulator.reviewers_of(pr.number) == [reviewer(forge_emulator.kind)]


@pytest.mark.parametrize("forge_emulator", ["gitlab"], indirect=True)
def test_gitlab_drafts_are_titles(forge_emulator: Emulator, forge_client: Any) -> None:
    pr = forge_client.create("DEV-1: wip", "b", "DEV-1-x", "main", draft=True)
    assert pr.title == "Draft: DEV-1: wip"
    updated = forge_client.update(pr, "DEV-1: wip 2", "b")
    assert updated.title == "Draft: DEV-1: wip 2"
    ready = forge_client.create("Draft: DEV-2", "b", "DEV-2-y", "main", draft=True)
    assert ready.title == "Draft: DEV-2"  # never twice


@pytest.mark.parametrize(
    "forge_emulator",
    [{"kind": kind, "default_branch": "trunk"} for kind in FORGE_KINDS],
    indirect=True,
    ids=FORGE_KINDS,
)
def test_default_branch(forge_client: Any) -> None:
    assert forge_client.default_branch() == "trunk"


@pytest.mark.parametrize(
    "forge_emulator",
    [{"kind": kind, "page_size": 2} for kind in FORGE_KINDS],
    indirect=True,
    ids=FORGE_KINDS,
)
def test_pages_are_followed(forge_emulator: Emulator, forge_client: Any) -> None:
    for target in ("t1", "t2", "t3", "t4", "t5"):
        forge_client.create(f"DEV-1: to {target}", "b", "DEV-1-x", target)
    forge_client.create("DEV-2: other", "b", "DEV-2-y", "main")
    assert [pr.target for pr in forge_client.list_open("DEV-1-x")] == ["t1", "t2", "t3", "t4", "t5"]
    found = forge_client.find_open("DEV-1-x", target="t5")
    assert found is not None and found.title == "DEV-1: to t5"
    lists = [
        r
        for r in forge_emulator.requests
        if r.method == "GET"
        and r.path.endswith(("pulls", "merge_requests", "pullrequests", "pull-requests"))
    ]
    assert len(lists) >= 6  # three pages, twice


def test_a_wrong_token_is_one_clear_line(forge_emulator: Emulator) -> None:
    bad = client(forge_emulator, token="wrong-token-123")
    with pytest.raises(OperationFailed) as caught:
        bad.find_open("DEV-1-x")
    message = str(caught.value)
    assert "rejected the token (401" in message and "git tracker login --forge" in message
    assert "wrong-token-123" not in message and "\n" not in message


@pytest.mark.parametrize("permission", ["read", "none"])
def test_data_center_401_for_a_missing_permission_says_so(
    start_forge: Any, monkeypatch: pytest.MonkeyPatch, permission: str
) -> None:
    """Data Center answers 401, not 403, when the user lacks the repository permission: the
    message must not only say to store a new token."""
    em = start_forge("bitbucket-dc", permission=permission)
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", em.url)
    with pytest.raises(OperationFailed) as caught:
        forges.submit(client(em), "DEV-1: t", "b", "DEV-1-x", "main")
    message = str(caught.value)
    assert "(401: You are not permitted" in message and "permission on the repository" in message
    assert "PRJ/repo" in message and "\n" not in message
    assert em.prs == []


def test_data_center_build_status_needs_only_read_permission(
    start_forge: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Atlassian's description: posting a build status needs REPO_READ; a pull request, write."""
    status = forges.CommitStatus("success", "DEV-1", "https://t.example/DEV-1")
    em = start_forge("bitbucket-dc", permission="read")
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", em.url)
    em.add_commit("a" * 40)
    client(em).set_commit_status("a" * 40, status)
    assert [s["state"] for s in em.statuses_on("a" * 40)] == ["SUCCESSFUL"]
    assert check_exchanges(em) == []
    none = start_forge("bitbucket-dc", permission="none")
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", none.url)
    none.add_commit("a" * 40)
    with pytest.raises(OperationFailed, match=r"\(401"):
        client(none).set_commit_status("a" * 40, status)


def test_data_center_personal_repository_is_a_personal_project(
    start_forge: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    em = start_forge("bitbucket-dc", repo="~jane.doe/dotfiles")
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", em.url)
    answer = client(em).default_branch()
    assert answer == em.default_branch
    shown = requests.get(
        f"{em.url}/projects/~jane.doe/repos/dotfiles",
        headers={"Authorization": f"Bearer {em.token}"},
        timeout=10,
    )
    project = shown.json()["project"]
    assert project["type"] == "PERSONAL" and project["key"] == "~JANE.DOE"
    assert project["name"] == "Jane Doe"  # never `~...`: the description's pattern
    assert check_exchanges(em) == []


def test_an_unknown_repository_is_one_clear_line(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    remote = dataclasses.replace(forge_client.remote, repo="missing")
    wrong = forges.client_for(remote, forge_emulator.token)
    with pytest.raises(OperationFailed, match=r"not found .*\(404") as caught:
        wrong.default_branch()
    assert "\n" not in str(caught.value)


def test_a_refused_create_says_what_the_forge_said(forge_client: Any) -> None:
    with pytest.raises(OperationFailed, match="refused") as caught:
        forge_client.create("DEV-1: same", "b", "main", "main")
    assert "\n" not in str(caught.value)


def test_unreachable_forge_is_one_clear_line(forge_emulator: Emulator) -> None:
    forge = client(forge_emulator)
    forge_emulator.stop()
    with pytest.raises(OperationFailed, match="cannot reach"):
        forge.find_open("x")


def test_plans_send_nothing(forge_emulator: Emulator, forge_client: Any) -> None:
    plan = forge_client.plan_create("DEV-1: t", "body", "DEV-1-x", "main", draft=True)
    assert [p.method for p in plan] == ["POST"]
    text = "\n".join(p.describe() for p in plan)
    assert "DEV-1-x" in text and forge_emulator.token not in text
    assert forge_emulator.prs == [] and forge_emulator.requests == []
    pr = forge_client.create("DEV-1: t", "body", "DEV-1-x", "main")
    forge_emulator.set_reviewers(pr.number, [reviewer(forge_emulator.kind)])
    update = forge_client.plan_update(pr, "DEV-1: t2", "body2")
    assert update[-1].method in ("PUT", "PATCH") and update[-1].json["title"] == "DEV-1: t2"
    assert writes(forge_emulator) == [writes(forge_emulator)[0]]  # only the create
    assert forge_emulator.find(pr.number) is not None


def test_create_page_url(forge_emulator: Emulator, forge_client: Any) -> None:
    url = forge_client.create_page_url("DEV-1-x", "main", "DEV-1: Login", "Body")
    assert url.startswith(forge_client.remote.web_url + "/")
    assert "DEV-1-x" in url and "main" in url
    if forge_emulator.kind in ("github", "gitlab"):
        assert "DEV-1%3A+Login" in url and "Body" in url


def test_create_page_url_leaves_out_a_too_long_body(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    url = forge_client.create_page_url("DEV-1-x", "main", "DEV-1: Login", "x" * 20000)
    assert len(url) < 8000


def test_tokens_are_redacted_in_the_request_log(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    forge_client.find_open("x")
    assert forge_emulator.requests
    assert all(forge_emulator.token not in str(r.headers) for r in forge_emulator.requests)


@pytest.mark.parametrize("forge_emulator", ["github"], indirect=True)
def test_github_head_filter_names_the_owner(forge_emulator: Emulator, forge_client: Any) -> None:
    forge_client.find_open("DEV-1-x")
    (listing,) = forge_emulator.requests
    assert listing.query["head"] == ["octo:DEV-1-x"]


@pytest.mark.parametrize("forge_emulator", ["bitbucket-cloud", "bitbucket-dc"], indirect=True)
def test_bitbucket_takes_user_and_secret_as_basic(forge_emulator: Emulator) -> None:
    forge = client(forge_emulator, token=f"someone@example.com:{forge_emulator.token}")
    assert forge.find_open("x") is None


def test_a_server_that_is_not_the_forge_is_one_clear_line(
    forge_emulator: Emulator, start_forge: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another forge's emulator behind the API URL: right token, wrong shapes or paths.
    other_kind = "gitlab" if forge_emulator.kind != "gitlab" else "github"
    other = start_forge(other_kind, token=forge_emulator.token)
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", other.root + forge_emulator.api_path)
    forge = client(forge_emulator)
    with pytest.raises(OperationFailed) as caught:
        forge.default_branch()
    assert "\n" not in str(caught.value)


@pytest.fixture
def html_server() -> Iterator[str]:
    """A server that answers every request with 200 and an HTML page (an SSO proxy, say)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = b"<html>please log in</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve_on_loopback(Page) as url:
        yield url


@pytest.mark.parametrize("kind", FORGE_KINDS)
def test_an_answer_of_the_wrong_shape_is_one_clear_line(
    kind: str, html_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", html_server)
    remote = forges.detect("git@x.corp:a/b.git", config.load(None, {config.Forge.kind: kind}, {}))
    forge = forges.client_for(remote, "t")
    for call in (forge.default_branch, lambda: forge.find_open("b"), lambda: forge.get(1)):
        with pytest.raises(OperationFailed, match=r"did not answer with .* check \[forge\] kind"):
            call()


def test_a_server_error_half_way_is_one_line_and_changes_nothing(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    forge_emulator.fail_next(502, "Bad gateway", method="POST")
    with pytest.raises(OperationFailed, match=r"HTTP 502 to a POST.*try again later") as caught:
        forge_client.create("DEV-1: t", "b", "DEV-1-x", "main")
    assert "\n" not in str(caught.value)
    assert forge_emulator.prs == []
    assert forge_client.create("DEV-1: t", "b", "DEV-1-x", "main").title == "DEV-1: t"


def test_rate_limits_say_to_wait(forge_emulator: Emulator, forge_client: Any) -> None:
    if forge_emulator.kind == "github":
        forge_emulator.fail_next(
            403, "API rate limit exceeded for user ID 1.", headers={"x-ratelimit-remaining": "0"}
        )
    else:
        # Longer than the retry policy waits (tracker_git.http.MAX_RETRY_AFTER): no retry.
        forge_emulator.fail_next(429, "Too Many Requests", headers={"Retry-After": "60"})
    with pytest.raises(OperationFailed, match="rate limiting") as caught:
        forge_client.find_open("x")
    if forge_emulator.kind != "github":
        assert "wait 60 s" in str(caught.value)
    assert len(forge_emulator.requests) == 1


def test_a_read_is_retried_by_the_one_policy(forge_emulator: Emulator, forge_client: Any) -> None:
    """Forges, like Tracker, retry a GET that met a 5xx or 429 (tracker_git.http.attempt);
    before, a forge client gave up on the first passing error."""
    forge_emulator.fail_next(503, "Service Unavailable", method="GET")
    forge_emulator.fail_next(429, "Too Many Requests", method="GET", headers={"Retry-After": "0"})
    assert forge_client.default_branch() == "main"
    assert [r.status for r in forge_emulator.requests] == [503, 429, 200]


def test_forbidden_says_what_the_token_lacks(forge_emulator: Emulator, forge_client: Any) -> None:
    forge_emulator.fail_next(403, "Forbidden", method="POST")
    with pytest.raises(OperationFailed, match=r"refused access .*\(403.*write access"):
        forge_client.create("DEV-1: t", "b", "DEV-1-x", "main")


def test_a_multi_line_forge_message_stays_one_line(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    for _ in range(forge_client.policy.attempts):  # a GET is retried: fail every attempt
        forge_emulator.fail_next(500, "first line\nsecond line\n" + "x" * 1000)
    with pytest.raises(OperationFailed) as caught:
        forge_client.default_branch()
    message = str(caught.value)
    assert "\n" not in message and "first line second line" in message and len(message) < 500


def _make_it_a_fork(kind: str, pr: dict[str, Any]) -> None:
    """Edit the emulator's pull request so that it comes from a fork's branch of that name."""
    if kind == "github":
        pr["head"]["label"] = "someone:" + pr["head"]["ref"]
    elif kind == "gitlab":
        pr["source_project_id"] = 999
    elif kind == "bitbucket-cloud":
        pr["source"]["repository"] = {**pr["source"]["repository"], "full_name": "someone/repo"}
    else:
        pr["fromRef"]["repository"] = {**pr["fromRef"]["repository"], "slug": "fork"}


def test_a_fork_branch_of_the_same_name_is_not_ours(
    forge_emulator: Emulator, forge_client: Any
) -> None:
    pr = forge_client.create("DEV-1: from a fork", "b", "DEV-1-x", "main")
    raw = forge_emulator.find(pr.number)
    assert raw is not None
    _make_it_a_fork(forge_emulator.kind, raw)
    assert forge_client.find_open("DEV-1-x") is None


# Round trips of `submit`: each one costs a network latency in `git tracker pr`.
ROUND_TRIPS = {  # kind: (create, update)
    "github": (["GET", "POST"], ["GET", "PATCH"]),
    "gitlab": (["GET", "POST"], ["GET", "PUT"]),
    "bitbucket-cloud": (["GET", "POST"], ["GET", "GET", "PUT"]),  # reviewers are read first
    "bitbucket-dc": (["GET", "POST"], ["GET", "PUT"]),
}


def test_submit_round_trips(forge_emulator: Emulator, forge_client: Any) -> None:
    create, update = ROUND_TRIPS[forge_emulator.kind]
    forges.submit(forge_client, "DEV-1: a", "b", "DEV-1-x", "main")
    assert [r.method for r in forge_emulator.requests] == create
    forge_emulator.requests.clear()
    forges.submit(forge_client, "DEV-1: a2", "b", "DEV-1-x", "main")
    assert [r.method for r in forge_emulator.requests] == update


def test_github_enterprise_through_forge_configuration(start_forge: Any) -> None:
    em = start_forge("github", edition="ghes")
    settings = {config.Forge.kind: "github", config.Forge.api_url: em.root + "/api/v3"}
    remote = forges.detect("git@code.corp:octo/hello.git", config.load(None, settings, {}))
    assert (remote.api_url, remote.web_url) == (em.root + "/api/v3", em.root + "/octo/hello")
    forge = forges.client_for(remote, em.token)
    assert forges.submit(forge, "DEV-1: t", "b", "DEV-1-x", "main").created
    assert em.requests[-1].path == "/api/v3/repos/octo/hello/pulls"


def test_ghe_com_data_residency_calls_the_api_host(start_forge: Any) -> None:
    """GHE.com serves its API at the root of api.SUB.ghe.com, not under /api/v3 of the web
    host; the emulator of that edition refuses the wrong root as the real service does."""
    em = start_forge("github", edition="ghe.com")
    remote = forges.detect("git@acme.ghe.com:octo/hello.git", config.load(None, environ={}))
    assert (remote.kind, remote.api_url) == ("github", "https://api.acme.ghe.com")
    assert remote.web_url == "https://acme.ghe.com/octo/hello"
    # The same API path, on the emulator (no DNS for acme.ghe.com here).
    local = dataclasses.replace(remote, api_url=em.root + urlsplit(remote.api_url).path)
    forge = forges.client_for(local, em.token)
    assert forges.submit(forge, "DEV-1: t", "b", "DEV-1-x", "main").created
    assert em.requests[-1].path == "/repos/octo/hello/pulls"


@pytest.mark.parametrize(("edition", "wrong"), [("ghe.com", "/api/v3"), ("ghes", "")])
def test_github_emulator_refuses_the_other_root(start_forge: Any, edition: str, wrong: str) -> None:
    em = start_forge("github", edition=edition)
    remote = forges.detect(em.remote_url(), config.load(None, environ={}))
    forge = forges.client_for(dataclasses.replace(remote, api_url=em.root + wrong), em.token)
    with pytest.raises(OperationFailed, match="404"):
        forge.default_branch()


def test_a_client_closes_its_connections_when_its_with_block_ends(forge_emulator: Emulator) -> None:
    """Like an httpx client: the `with` block's end closes the pooled connections; the client
    still works after (a new session), so a closed one cannot fail a late caller."""
    with client(forge_emulator) as forge:
        assert forge.find_open("feature/DEV-1") is None
        adapter: Any = forge._get_session().get_adapter(forge_emulator.url)
        pools = adapter.poolmanager.pools
        assert len(pools) == 1  # the connection to the emulator, kept for the next request
    assert len(pools) == 0
    assert forge.find_open("feature/DEV-1") is None
    forge.close()
