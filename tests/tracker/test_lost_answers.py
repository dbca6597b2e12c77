"""Writes whose answer is lost after Tracker acted on them are not done twice: the client
re-reads the state before sending again (docs/design/tracker-api.md "Idempotency")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from testing.servers import SandboxHandle
from tracker_git.http import RetryPolicy
from tracker_git.tracker.client import TrackerClient

if TYPE_CHECKING:
    from tests.tracker.conftest import Lossy

FAST = RetryPolicy(attempts=4, backoff=0.01, cap=0.05)


def via(lossy: Lossy, sb: SandboxHandle) -> TrackerClient:
    return TrackerClient(lossy.url, sb.token, org_id=sb.org_id, policy=FAST)


def sent(sb: SandboxHandle, method: str) -> list[str]:
    return [r["path"] for r in sb.requests if r["method"] == method]


def test_a_transition_whose_answer_was_lost_is_not_sent_again(
    sandbox: SandboxHandle, lossy: Lossy
) -> None:
    lossy.lose_answer("POST", "/_execute")
    result = via(lossy, sandbox).move_to_status("DEMO-1", "inProgress")
    assert result.moved
    assert len(lossy.lost) == 1
    assert len(sent(sandbox, "POST")) == 1  # the re-read showed it had happened
    assert sandbox.state.issue("DEMO-1")["status"] == "inProgress"  # type: ignore[index]


def test_a_comment_whose_answer_was_lost_is_not_posted_twice(
    sandbox: SandboxHandle, lossy: Lossy
) -> None:
    lossy.lose_answer("POST", "/comments")
    via(lossy, sandbox).add_comment("DEMO-1", "PR: https://github.com/acme/app/pull/7")
    assert len(lossy.lost) == 1
    assert [c["text"] for c in sandbox.state.comments("DEMO-1")] == [
        "PR: https://github.com/acme/app/pull/7"
    ]


def test_an_edit_whose_answer_was_lost_is_not_sent_again(
    sandbox: SandboxHandle, lossy: Lossy
) -> None:
    lossy.lose_answer("PATCH", "/issues/DEMO-1")
    issue = via(lossy, sandbox).update_issue("DEMO-1", {sandbox.stand_field: "https://s"})
    assert issue.field("standLink") == "https://s"
    assert len(sent(sandbox, "PATCH")) == 1


def test_a_version_whose_answer_was_lost_is_not_created_twice(
    sandbox: SandboxHandle, lossy: Lossy
) -> None:
    lossy.lose_answer("POST", "/versions")
    made = via(lossy, sandbox).create_version("DEMO", "2.4.0")
    assert len(lossy.lost) == 1
    assert made.name == "2.4.0" and made.queue == "DEMO"
    assert [v["name"] for v in sandbox.state.versions.values()] == ["2.4.0"]
    assert len(sent(sandbox, "POST")) == 1


def test_a_fix_version_whose_answer_was_lost_is_not_sent_again(
    sandbox: SandboxHandle, lossy: Lossy
) -> None:
    client = via(lossy, sandbox)
    version = client.create_version("DEMO", "2.4.0")
    lossy.lose_answer("PATCH", "/issues/DEMO-1")
    assert client.add_fix_version(client.get_issue("DEMO-1"), version) is True
    assert len(lossy.lost) == 1 and len(sent(sandbox, "PATCH")) == 1
    assert client.get_issue("DEMO-1").fix_version_ids == (version.id,)
    # Already there: nothing is sent.
    assert client.add_fix_version(client.get_issue("DEMO-1"), version) is False
    assert len(sent(sandbox, "PATCH")) == 1


def test_a_fix_version_after_someone_elses_edit_keeps_both(sandbox: SandboxHandle) -> None:
    """The issue changed between our read and our write (409 on ?version=): it is read again
    and the version added to what is there now."""
    client = TrackerClient(sandbox.url, sandbox.token, org_id=sandbox.org_id, policy=FAST)
    ours, theirs = client.create_version("DEMO", "2.4.0"), client.create_version("DEMO", "2.3.9")
    stale = client.get_issue("DEMO-2")
    sandbox.call("PATCH", "/v3/issues/DEMO-2", json={"fixVersions": {"add": [theirs.id]}})
    assert client.add_fix_version(stale, ours) is True
    assert client.get_issue("DEMO-2").fix_version_ids == (theirs.id, ours.id)
    assert [r["status"] for r in sandbox.requests if r["method"] == "PATCH"][-2:] == [409, 200]


def test_issues_are_read_in_one_search_per_hundred_keys(sandbox: SandboxHandle) -> None:
    keys = [sandbox.state.add_issue(f"issue {n}") for n in range(230)]
    client = TrackerClient(sandbox.url, sandbox.token, org_id=sandbox.org_id, policy=FAST)
    found = client.search_issues([*keys, "DEMO-99999"])
    assert sorted(i.key for i in found) == sorted(keys)
    assert len([r for r in sandbox.requests if "_search" in r["path"]]) == 3
