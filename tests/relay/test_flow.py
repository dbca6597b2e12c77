"""Deliveries in, issues moved in the sandbox: the right issue to the right status, once,
through Tracker's failures; on both queue backends (the `relay` fixture of these tests runs
each test on SQLite and on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    NAMES,
    Relay,
    relay_in_thread,
    seed_issue,
    signed,
    status_of,
    transitions,
    wait_until,
    write_config,
)

# The event in each stored delivery's name, where the issue starts, where it must end (the
# default status map: opened -> inReview, approved -> nothing, merged -> readyForTest,
# declined -> needsRework; the sandbox's workflow allows each from its start).
KIND = {"opened": "opened", "approved": "approved", "merged": "merged", "closed": "declined",
        "declined": "declined"}  # fmt: skip
START = {"opened": "inProgress", "approved": "inReview", "merged": "inReview",
         "declined": "inReview"}  # fmt: skip
END = {"opened": "inReview", "approved": "inReview", "merged": "readyForTest",
       "declined": "needsRework"}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def relay_config(request: pytest.FixtureRequest, tmp_path: Path, sandbox: SandboxHandle) -> Path:
    if request.param == "sqlite":
        return write_config(tmp_path, sandbox)
    return write_config(tmp_path, sandbox, database=request.getfixturevalue("postgres_url"))


def kind_of(name: str) -> str:
    return KIND[name.rsplit("-", 1)[1]]


def settled(relay: Relay) -> bool:
    return bool(relay.app.queue.pending() == 0)


def wait_for_count(relay: Relay, name: str, expected: int) -> None:
    """The worker counts a batch just after its transaction commits, so a counter may lag
    `pending() == 0` by a moment; it must reach `expected`, not pass it."""
    wait_until(lambda: relay.metrics()[name] >= expected)
    assert relay.metrics()[name] == expected


@pytest.mark.parametrize("name", NAMES)
def test_each_delivery_moves_the_right_issue(
    relay: Relay, sandbox: SandboxHandle, name: str
) -> None:
    kind = kind_of(name)
    seed_issue(sandbox, "PROJ-123", START[kind])
    before = {key: issue["status"] for key, issue in sandbox.state.issues.items()}
    answer = relay.post(name)
    if kind == "approved":  # nothing, as the map says
        assert answer.status_code == 200 and answer.json()["result"] == "ignored"
    else:
        assert answer.status_code == 202, answer.text
        assert answer.json()["keys"] == ["PROJ-123"]
        wait_until(lambda: settled(relay))
    assert status_of(sandbox, "PROJ-123") == END[kind]
    after = {key: issue["status"] for key, issue in sandbox.state.issues.items()}
    assert {k for k in after if after[k] != before[k]} == (
        set() if kind == "approved" else {"PROJ-123"}
    )
    assert len(transitions(sandbox)) == (0 if kind == "approved" else 1)


def test_approved_moves_when_mapped(tmp_path: Path, sandbox: SandboxHandle) -> None:
    config = write_config(tmp_path, sandbox, statuses={"approved": "readyForTest"})
    seed_issue(sandbox, "PROJ-123", "inReview")
    with relay_in_thread(config) as relay:
        for name in ("github-approved", "gitlab-approved", "bitbucket-cloud-approved"):
            assert relay.post(name).status_code == 202
        wait_until(lambda: settled(relay))
        assert status_of(sandbox, "PROJ-123") == "readyForTest"
        # The second and third found it there already: success, no second transition.
        assert len(transitions(sandbox)) == 1
        wait_for_count(relay, "applied_total", 3)


def test_every_key_of_an_allowed_queue_moves(relay: Relay, sandbox: SandboxHandle) -> None:
    one = sandbox.state.add_issue("one", status="inReview")
    two = sandbox.state.add_issue("two", status="inReview")
    body, headers = signed(
        "github-merged",
        {
            "PROJ-123: Update": f"{one}: Update",
            "Fixes PROJ-123": f"Fixes {one}, see also {two} (not UTF-8 or CVE-2024-1234)",
            "feature/PROJ-123-readme": "feature/readme",
        },
    )
    answer = relay.post(body, headers=headers)
    assert answer.status_code == 202 and answer.json()["keys"] == [one, two]
    wait_until(lambda: settled(relay))
    assert (status_of(sandbox, one), status_of(sandbox, two)) == ("readyForTest", "readyForTest")


def test_same_delivery_three_times_is_one_transition(relay: Relay, sandbox: SandboxHandle) -> None:
    seed_issue(sandbox, "PROJ-123", "inReview")
    assert relay.post("bitbucket-cloud-merged").status_code == 202
    wait_until(lambda: settled(relay))
    assert status_of(sandbox, "PROJ-123") == "readyForTest"
    # Someone moves it back by hand; a redelivery of the old event must not undo that.
    sandbox.state.set_field("PROJ-123", "status", "inReview")
    for _ in range(2):
        again = relay.post("bitbucket-cloud-merged")
        assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert relay.app.queue.pending() == 0
    assert status_of(sandbox, "PROJ-123") == "inReview"
    assert len(transitions(sandbox)) == 1
    assert relay.metrics()["duplicate_total"] == 2


def test_already_in_the_status_is_success(relay: Relay, sandbox: SandboxHandle) -> None:
    seed_issue(sandbox, "PROJ-123", "readyForTest")
    assert relay.post("gitlab-merged").status_code == 202
    wait_until(lambda: settled(relay))
    assert transitions(sandbox) == []
    assert [t["state"] for t in relay.app.queue.tasks()] == ["done"]


def test_events_of_one_issue_apply_in_order(relay: Relay, sandbox: SandboxHandle) -> None:
    """opened then merged, while Tracker is failing: never merged first, then back to review."""
    key = sandbox.state.add_issue("ordered", status="inProgress")
    sandbox.inject(503, times=6)
    for name in ("github-opened", "github-merged"):
        body, headers = signed(name, {"PROJ-123": key})
        assert relay.post(body, headers=headers).status_code == 202
    wait_until(lambda: settled(relay))
    assert status_of(sandbox, key) == "readyForTest"
    assert len(transitions(sandbox)) == 2


def test_tracker_failing_for_a_while_then_recovering(relay: Relay, sandbox: SandboxHandle) -> None:
    """Every request fails (dropped connections, 500s, a 429) for a while; then each event
    is applied exactly once."""
    keys = [sandbox.state.add_issue(f"issue {n}", status="inReview") for n in range(4)]
    # The worker's start-up check reads the statuses once: let it, or it takes the faults.
    wait_until(lambda: any(r["path"].endswith("/statuses") for r in sandbox.requests))
    sandbox.inject("drop", times=3)
    sandbox.inject(429, times=1, retry_after=1)
    sandbox.inject(500, times=12)
    names = ["github-merged", "gitlab-merged", "bitbucket-cloud-merged", "bitbucket-dc-merged"]
    for key, name in zip(keys, names, strict=True):
        body, headers = signed(name, {"PROJ-123": key})
        assert relay.post(body, headers=headers).status_code == 202
    wait_until(lambda: settled(relay), timeout=60)
    assert [status_of(sandbox, key) for key in keys] == ["readyForTest"] * 4
    done = transitions(sandbox)
    assert [sum(f"/issues/{key}/" in path for path in done) for key in keys] == [1, 1, 1, 1]
    wait_for_count(relay, "applied_total", 4)
    metrics = relay.metrics()
    assert metrics["retried_total"] >= 1
    assert metrics["pending"] == 0


def test_an_impossible_move_fails_without_blocking_the_issue(
    relay: Relay, sandbox: SandboxHandle
) -> None:
    """No transition leads from `open` to readyForTest: the task fails at once (it would
    otherwise hold the issue's later events for a day), and the next event still applies."""
    key = sandbox.state.add_issue("stuck", status="open")
    body, headers = signed("github-merged", {"PROJ-123": key})
    assert relay.post(body, headers=headers).status_code == 202
    wait_until(lambda: settled(relay))
    assert [t["state"] for t in relay.app.queue.tasks()] == ["failed"]
    assert status_of(sandbox, key) == "open"
    sandbox.state.set_field(key, "status", "inReview")
    body, headers = signed("github-closed", {"PROJ-123": key})
    assert relay.post(body, headers=headers).status_code == 202
    wait_until(lambda: settled(relay))
    assert status_of(sandbox, key) == "needsRework"


def test_a_key_without_an_issue_fails_at_once(relay: Relay, sandbox: SandboxHandle) -> None:
    body, headers = signed("github-merged", {"PROJ-123": "DEMO-999"})
    assert relay.post(body, headers=headers).status_code == 202
    wait_until(lambda: settled(relay))
    [task] = relay.app.queue.tasks()
    assert task["state"] == "failed" and task["attempts"] == 1
    assert "DEMO-999" in str(task["last_error"])


def test_gives_up_after_give_up_seconds(tmp_path: Path, sandbox: SandboxHandle) -> None:
    retry = "first = 0.05\ncap = 0.1\npoll = 0.1\nlease = 3\ngive_up = 0.5\n"
    config = write_config(tmp_path, sandbox, retry=retry)
    key = sandbox.state.add_issue("unlucky", status="inReview")
    sandbox.inject(503, times=1_000_000)
    with relay_in_thread(config) as relay:
        body, headers = signed("github-merged", {"PROJ-123": key})
        assert relay.post(body, headers=headers).status_code == 202
        wait_until(lambda: settled(relay))
        [task] = relay.app.queue.tasks()
        assert task["state"] == "failed" and "503" in str(task["last_error"])
        wait_for_count(relay, "failed_total", 1)
    assert status_of(sandbox, key) == "inReview"
