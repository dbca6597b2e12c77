"""TrackerClient against the sandbox over real sockets: reads, moves, comments, edits, retries,
error messages, API versions and credentials headers."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from testing.servers import SandboxHandle
from tracker_git.core import version
from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.http import ApiError, NetworkError, RetryPolicy
from tracker_git.tracker.client import TrackerClient, Unreachable

FAST = RetryPolicy(attempts=4, backoff=0.01, cap=0.05)


def client(sb: SandboxHandle, **options: Any) -> TrackerClient:
    options.setdefault("org_id", sb.org_id)
    options.setdefault("policy", FAST)
    return TrackerClient(sb.url, options.pop("token", sb.token), **options)


def log(sb: SandboxHandle) -> list[tuple[str, str, int | None]]:
    """(method, path without the query, status) of every API request so far."""
    return [(r["method"], r["path"].partition("?")[0], r["status"]) for r in sb.requests]


def writes(sb: SandboxHandle) -> list[tuple[str, str, int | None]]:
    return [entry for entry in log(sb) if entry[0] != "GET"]


# --- reading ---------------------------------------------------------------------------------


def test_get_issue_reads_the_facts(sandbox: SandboxHandle) -> None:
    issue = client(sandbox).get_issue("DEMO-2")
    stored = sandbox.state.issue("DEMO-2")
    assert stored is not None
    assert issue.key == "DEMO-2"
    assert issue.summary == stored["summary"]
    assert issue.status_key == stored["status"]
    assert issue.queue == "DEMO"
    assert issue.version == stored["version"]
    assert issue.url == f"{sandbox.url}/DEMO-2"  # loopback API: the link stays on the sandbox
    assert issue.self.endswith("/v3/issues/DEMO-2")


def test_issue_exists(sandbox: SandboxHandle) -> None:
    c = client(sandbox)
    assert c.issue_exists("DEMO-1") is True
    assert c.issue_exists("DEMO-404") is False


def test_the_ui_link_of_the_real_api_is_tracker_yandex_ru() -> None:
    c = TrackerClient("https://api.tracker.yandex.net", "t", org_id="1")
    from tracker_git.tracker.models import Issue

    assert Issue.from_json({"key": "DEV-7"}, c.ui_url).url == "https://tracker.yandex.ru/DEV-7"


def test_comments_follow_the_cursor_pages(sandbox: SandboxHandle) -> None:
    c = client(sandbox)
    for n in range(105):
        sandbox.state.comments("DEMO-1").append(
            {"id": 1000 + n, "longId": f"{n:024x}", "text": f"c{n}", "createdBy": {},
             "updatedBy": {}, "createdAt": "", "updatedAt": "", "summonees": [], "version": 1,
             "type": "standard", "transport": "internal"}
        )  # fmt: skip
    texts = [c["text"] for c in c.comments("DEMO-1")]
    assert texts == [f"c{n}" for n in range(105)]
    assert [p for m, p, _ in log(sandbox)].count("/v3/issues/DEMO-1/comments") == 2


def test_local_field_id(sandbox: SandboxHandle) -> None:
    c = client(sandbox)
    assert c.local_field_id("DEMO", "standLink") == sandbox.stand_field
    with pytest.raises(ConfigError, match=r"no local field 'nope'.*standLink"):  # exit 2
        c.local_field_id("DEMO", "nope")
    with pytest.raises(OperationFailed, match="no queue NOPE"):
        c.local_field_id("NOPE", "standLink")


# --- moving ----------------------------------------------------------------------------------


def test_move_finds_the_transition_by_target_status(sandbox: SandboxHandle) -> None:
    result = client(sandbox).move_to_status("DEMO-1", "inProgress")
    assert result.moved and result.transition == "start_progress"
    assert sandbox.state.issue("DEMO-1")["status"] == "inProgress"  # type: ignore[index]
    # Two requests: the issue read with its transitions, then the transition.
    assert [(r["method"], r["path"]) for r in sandbox.requests] == [
        ("GET", "/v3/issues/DEMO-1?expand=transitions"),
        ("POST", "/v3/issues/DEMO-1/transitions/start_progress/_execute"),
    ]


def test_a_move_given_an_issue_read_without_transitions_asks_for_them(
    sandbox: SandboxHandle,
) -> None:
    c = client(sandbox)
    issue = c.get_issue("DEMO-1")
    assert issue.transitions is None
    assert c.move_to_status("DEMO-1", "inProgress", issue=issue).moved
    assert log(sandbox)[1:] == [
        ("GET", "/v3/issues/DEMO-1/transitions", 200),
        ("POST", "/v3/issues/DEMO-1/transitions/start_progress/_execute", 200),
    ]


def test_move_by_display_name_ignores_case_and_spaces(sandbox: SandboxHandle) -> None:
    client(sandbox).move_to_status("DEMO-1", "in  PROGRESS")
    assert sandbox.state.issue("DEMO-1")["status"] == "inProgress"  # type: ignore[index]


def test_move_to_the_current_status_sends_nothing(sandbox: SandboxHandle) -> None:
    status = sandbox.state.issue("DEMO-3")["status"]  # type: ignore[index]
    result = client(sandbox).move_to_status("DEMO-3", status)
    assert not result.moved
    assert "already in" in result.describe()
    assert writes(sandbox) == []


def test_unreachable_status_lists_what_is_reachable(sandbox: SandboxHandle) -> None:
    with pytest.raises(Unreachable) as caught:
        client(sandbox).move_to_status("DEMO-1", "closed")
    message = str(caught.value)
    assert "DEMO-1 cannot go from Open (open) to 'closed'" in message
    assert "reachable from here: inProgress (In progress)" in message
    assert "\n" not in message
    assert writes(sandbox) == []


def test_a_required_resolution_is_asked_for_by_name(sandbox: SandboxHandle) -> None:
    key = sandbox.state.add_issue("to close", status="readyForTest")
    c = client(sandbox)
    with pytest.raises(
        OperationFailed, match=r"needs a resolution; pass --resolution \(one of: fixed"
    ):
        c.move_to_status(key, "closed")
    assert sandbox.state.issue(key)["status"] == "readyForTest"  # type: ignore[index]
    assert c.move_to_status(key, "closed", resolution="fixed").moved
    stored = sandbox.state.issue(key)
    assert stored is not None and stored["status"] == "closed"


def test_a_failed_transition_is_rechecked_before_it_is_sent_again(sandbox: SandboxHandle) -> None:
    sandbox.inject(500, path="/_execute", method="POST")
    result = client(sandbox).move_to_status("DEMO-1", "inProgress")
    assert result.moved
    execute = "/v3/issues/DEMO-1/transitions/start_progress/_execute"
    assert log(sandbox)[-3:] == [
        ("POST", execute, 500),
        ("GET", "/v3/issues/DEMO-1", 200),  # did it happen anyway? no: send it again
        ("POST", execute, 200),
    ]


def test_a_dropped_transition_is_rechecked_too(sandbox: SandboxHandle) -> None:
    sandbox.inject("drop", path="/_execute", method="POST")
    assert client(sandbox).move_to_status("DEMO-1", "inProgress").moved
    assert [m for m, p, s in log(sandbox) if p.endswith("_execute")] == ["POST", "POST"]
    assert sandbox.state.issue("DEMO-1")["status"] == "inProgress"  # type: ignore[index]


def test_execute_transition_alone_never_retries_a_post(sandbox: SandboxHandle) -> None:
    sandbox.inject(503, path="/_execute", method="POST")
    with pytest.raises(ApiError) as caught:
        client(sandbox).execute_transition("DEMO-1", "start_progress")
    assert caught.value.status == 503
    assert len(writes(sandbox)) == 1


# --- comments --------------------------------------------------------------------------------


def test_comment_does_not_make_us_a_follower(sandbox: SandboxHandle) -> None:
    made = client(sandbox).add_comment("DEMO-1", "built: https://ci.example.com/1")
    assert made["text"] == "built: https://ci.example.com/1"
    [post] = [r for r in sandbox.requests if r["method"] == "POST"]
    assert "isAddToFollowers=false" in post["path"]


def test_a_failed_comment_is_resent_only_after_checking_it_is_not_there(
    sandbox: SandboxHandle,
) -> None:
    sandbox.inject(500, path="/comments", method="POST")
    client(sandbox).add_comment("DEMO-1", "once")
    assert [c["text"] for c in sandbox.state.comments("DEMO-1")] == ["once"]
    comments = "/v3/issues/DEMO-1/comments"
    assert log(sandbox) == [
        ("POST", comments, 500),
        ("GET", comments, 200),
        ("POST", comments, 201),
    ]


def test_a_rejected_comment_is_not_retried(sandbox: SandboxHandle) -> None:
    with pytest.raises(ApiError) as caught:
        client(sandbox).add_comment("DEMO-1", "   ")
    assert caught.value.status == 422
    assert len(writes(sandbox)) == 1


# --- edits -----------------------------------------------------------------------------------


def test_an_edit_that_changes_nothing_is_not_sent(sandbox: SandboxHandle) -> None:
    c = client(sandbox)
    summary = c.get_issue("DEMO-1").summary
    c.update_issue("DEMO-1", {"summary": summary})
    assert writes(sandbox) == []
    # A reference equals its key: {"type": "task"} against {"key": "task", ...}.
    kind = sandbox.state.issue("DEMO-1")["type"]  # type: ignore[index]
    c.update_issue("DEMO-1", {"type": kind if isinstance(kind, str) else kind["key"]})
    assert writes(sandbox) == []


def test_an_edit_carries_the_version_and_changes_only_what_differs(sandbox: SandboxHandle) -> None:
    c = client(sandbox)
    before = c.get_issue("DEMO-1")
    after = c.update_issue("DEMO-1", {"summary": before.summary, sandbox.stand_field: "https://s"})
    assert after.field("standLink") == "https://s"
    [patch] = [r for r in sandbox.requests if r["method"] == "PATCH"]
    assert patch["path"].endswith(f"?version={before.version}")
    assert patch["body"] == {sandbox.stand_field: "https://s"}


def test_a_version_conflict_rereads_and_applies_what_still_differs(sandbox: SandboxHandle) -> None:
    c = client(sandbox)
    stale = c.get_issue("DEMO-1")
    c.update_issue("DEMO-1", {"summary": "changed by someone else"})
    sandbox.clear_requests()
    c.update_issue("DEMO-1", {sandbox.stand_field: "https://s"}, issue=stale)
    assert [(m, s) for m, _, s in log(sandbox)] == [("PATCH", 409), ("GET", 200), ("PATCH", 200)]
    stored = sandbox.state.issue("DEMO-1")
    assert stored is not None and stored["summary"] == "changed by someone else"


def test_the_edit_cap_says_so(sandbox: SandboxHandle) -> None:
    stored = sandbox.state.issue("DEMO-1")
    assert stored is not None
    stored["version"] = 11100
    with pytest.raises(ApiError, match=r"cap on edits \(423\)") as caught:
        client(sandbox).update_issue("DEMO-1", {"summary": "one more"})
    assert caught.value.status == 423


# --- retries and errors ----------------------------------------------------------------------


def test_reads_are_retried_on_server_errors(sandbox: SandboxHandle) -> None:
    sandbox.inject(500, times=2)
    assert client(sandbox).get_issue("DEMO-1").key == "DEMO-1"
    assert [s for _, _, s in log(sandbox)] == [500, 500, 200]


def test_reads_give_up_after_the_attempts_with_one_line(sandbox: SandboxHandle) -> None:
    sandbox.inject(503, times=10)
    with pytest.raises(ApiError) as caught:
        client(sandbox).get_issue("DEMO-1")
    assert len(sandbox.requests) == FAST.attempts
    assert str(caught.value).startswith("cannot read DEMO-1: Tracker is failing (503)")
    assert "\n" not in str(caught.value)


def test_a_dropped_read_is_retried(sandbox: SandboxHandle) -> None:
    sandbox.inject("drop")
    assert client(sandbox).myself()["login"] == "sandbox.user"


def test_no_answer_at_all_is_one_line(sandbox: SandboxHandle) -> None:
    url = sandbox.url
    sandbox.stop()
    c = TrackerClient(url, "t", org_id="o", policy=FAST)
    with pytest.raises(NetworkError, match=r"Tracker did not answer \(connection failed\)"):
        c.myself()


@pytest.mark.parametrize(
    ("options", "status", "expected"),
    [
        ({"token": "wrong-token"}, 401, "run 'git tracker login'"),
        ({"org_id": "another-org"}, 403, "wrong organization (403)"),
    ],
)
def test_credential_errors(
    sandbox: SandboxHandle, options: dict[str, str], status: int, expected: str
) -> None:
    with pytest.raises(ApiError) as caught:
        client(sandbox, **options).myself()
    assert caught.value.status == status
    assert expected in str(caught.value)
    assert "wrong-token" not in str(caught.value) and sandbox.token not in str(caught.value)
    assert len(sandbox.requests) == 1  # a 4xx is not retried


def test_not_found_names_the_issue(sandbox: SandboxHandle) -> None:
    with pytest.raises(ApiError, match="no issue DEMO-999, or you have no access to it"):
        client(sandbox).get_issue("DEMO-999")


# --- versions, headers, addresses ------------------------------------------------------------


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_both_api_versions(sandbox: SandboxHandle, version: str) -> None:
    c = client(sandbox, api_version=version)
    c.move_to_status("DEMO-1", "inProgress")
    c.update_issue("DEMO-1", {sandbox.stand_field: "https://s"})
    assert all(p.startswith(f"/{version}/") for _, p, _ in log(sandbox))
    assert c.get_issue("DEMO-1").self.endswith(f"/{version}/issues/DEMO-1")


def test_headers_oauth_and_360_org(sandbox: SandboxHandle) -> None:
    client(sandbox).myself()
    headers = sandbox.requests[0]["headers"]
    assert headers["X-Org-ID"] == sandbox.org_id
    assert "X-Cloud-Org-ID" not in headers
    # The version from core/version.py and the address from pyproject.toml, where each is
    # written once.
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    expected = f"tracker-git/{version.VERSION} (+{project['urls']['Repository']})"
    assert headers["User-Agent"] == expected


def test_iam_tokens_go_with_the_cloud_org(sandbox: SandboxHandle) -> None:
    c = TrackerClient(
        sandbox.url, sandbox.token, cloud_org_id=sandbox.org_id, token_kind="iam", policy=FAST
    )
    assert c.myself()["login"] == "sandbox.user"
    assert sandbox.requests[0]["headers"]["X-Cloud-Org-ID"] == sandbox.org_id
    with pytest.raises(ConfigError, match="IAM token works only with a Yandex Cloud"):
        TrackerClient(sandbox.url, sandbox.token, org_id="1", token_kind="iam")


@pytest.mark.parametrize(
    "url",
    ["http://api.tracker.yandex.net", "http://10.0.0.1:8080", "ftp://127.0.0.1", "https://u:p@h"],
)
def test_addresses_that_could_leak_the_token_are_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        TrackerClient(url, "secret", org_id="1")


def test_plain_http_to_loopback_is_fine() -> None:
    for url in ("http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"):
        assert TrackerClient(url, "t", org_id="1").base == f"{url}/v3"


def test_no_token_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="git tracker login"):
        TrackerClient("https://api.tracker.yandex.net", "", org_id="1")


def test_the_token_is_not_in_the_repr() -> None:
    c = TrackerClient("https://api.tracker.yandex.net", "y0_secret", org_id="1")
    assert "y0_secret" not in repr(c)


def test_existing_keys_in_one_search(sandbox: SandboxHandle) -> None:
    c = client(sandbox)
    assert c.existing_keys(["DEMO-1", "DEMO-404", "DEMO-3"]) == {"DEMO-1", "DEMO-3"}
    assert log(sandbox) == [("POST", "/v3/issues/_search", 200)]
    sandbox.inject(500, path="_search")
    assert c.existing_keys(["DEMO-2"]) == {"DEMO-2"}  # a read: retried like a GET


def test_a_rate_limited_comment_is_resent_once_after_checking(sandbox: SandboxHandle) -> None:
    sandbox.inject(429, retry_after=1, path="/comments", method="POST")
    client(sandbox).add_comment("DEMO-1", "once")
    assert [c["text"] for c in sandbox.state.comments("DEMO-1")] == ["once"]
    assert [(m, s) for m, _, s in log(sandbox)] == [("POST", 429), ("GET", 200), ("POST", 201)]
