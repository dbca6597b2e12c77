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
