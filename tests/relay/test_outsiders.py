"""Outsiders' pull requests (issue 19, item 4): the relay moves no issue and sets no commit
status for a pull request whose author the forge does not mark as a member or collaborator,
or that comes from a fork (unless the forge's allow_forks is on); statuses name the key, the
state and a link, never the summary (unless status_summary is on); a delivery whose signed
body is older than replay_window is refused. Real HTTP: the relay on a socket, the sandbox,
each forge's emulator; the stored deliveries edited and signed again."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    edited,
    relay_in_thread,
    seed_issue,
    signed,
    status_of,
    transitions,
    wait_until,
    write_config,
)
from tests.relay.test_commit_status import CASES, head_sha, relay_config, shown, start
from tracker_git.emulators import Emulator
from tracker_git.relay.app import new_worker
from tracker_git.relay.config import load
from tracker_git.relay.queue import Delivery


def _fork(forge: str) -> Callable[[dict[str, Any]], None]:
    """The pull request's source moved to another repository (a fork)."""

    def edit(data: dict[str, Any]) -> None:
        if forge == "github":
            data["pull_request"]["head"]["repo"]["id"] = 4242
            data["pull_request"]["head"]["repo"]["full_name"] = "stranger/Hello-World"
        elif forge == "gitlab":
            data["object_attributes"]["source_project_id"] = 4242
        elif forge == "bitbucket-cloud":
            source = data["pullrequest"]["source"]["repository"]
            source.update(full_name="stranger/repo_name", uuid="{00000000-4242-4242-4242-0000}")
        else:
            data["pullRequest"]["fromRef"]["repository"]["id"] = 4242

    return edit


def _standing(value: str | None) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        if value is None:
            del data["pull_request"]["author_association"]
        else:
            data["pull_request"]["author_association"] = value

    return edit


@pytest.mark.parametrize("forge", list(CASES))
def test_a_pull_request_from_a_fork_gets_no_move_and_no_status(
    forge: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    start_forge: Callable[..., Emulator],
) -> None:
    emulator = start(start_forge, forge)
    config = relay_config(tmp_path, sandbox, forge, emulator, statuses={"opened": "inProgress"})
    seed_issue(sandbox, "PROJ-123", "open")
    with relay_in_thread(config) as relay:
        answer = relay.post(*edited(CASES[forge][0], _fork(forge)))
        assert answer.status_code == 200, answer.text
        assert answer.json()["result"] == "outsider"
        assert "fork" in answer.json()["reason"]
        assert relay.app.queue.tasks() == []
        assert relay.metrics()["outsider_total"] == 1
        # The repository's own branch: moved and given its status.
        assert relay.post(*signed(CASES[forge][0], {})).status_code == 202
        wait_until(lambda: shown(emulator, forge, head_sha(forge)))
        wait_until(lambda: relay.app.queue.pending() == 0)
    assert status_of(sandbox, "PROJ-123") == "inProgress"
    assert len(shown(emulator, forge, head_sha(forge))) == 1


@pytest.mark.parametrize("forge", list(CASES))
def test_allow_forks_lets_a_fork_through(
    forge: str, tmp_path: Path, sandbox: SandboxHandle, start_forge: Callable[..., Emulator]
) -> None:
    emulator = start(start_forge, forge)
    config = relay_config(tmp_path, sandbox, forge, emulator, statuses={"opened": "inProgress"})
    text = config.read_text().replace(
        f"[forges.{forge}]\n", f"[forges.{forge}]\nallow_forks = true\n"
    )
    config.write_text(text)
    seed_issue(sandbox, "PROJ-123", "open")
    with relay_in_thread(config) as relay:
        assert relay.post(*edited(CASES[forge][0], _fork(forge))).status_code == 202
        wait_until(lambda: relay.app.queue.pending() == 0)
    assert status_of(sandbox, "PROJ-123") == "inProgress"


@pytest.mark.parametrize("standing", ["NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", None])
@pytest.mark.parametrize("event", ["github-opened", "github-approved", "github-merged"])
def test_a_github_outsiders_pull_request_moves_nothing(
    standing: str | None,
    event: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    start_forge: Callable[..., Emulator],
) -> None:
    """author_association of the pull request (a review's own is the reviewer's); missing
    counts as an outsider."""
    emulator = start(start_forge, "github")
    statuses = {"opened": "inProgress", "approved": "inProgress", "merged": "inProgress"}
    config = relay_config(tmp_path, sandbox, "github", emulator, statuses=statuses)
    seed_issue(sandbox, "PROJ-123", "open")
    with relay_in_thread(config) as relay:
        answer = relay.post(*edited(event, _standing(standing)))
        assert answer.json()["result"] == "outsider", answer.text
        assert "not a member" in answer.json()["reason"]
        assert relay.app.queue.tasks() == []
        for member in ("OWNER", "MEMBER", "COLLABORATOR"):
            assert relay.post(*edited(event, _standing(member))).status_code == 202
        wait_until(lambda: relay.app.queue.pending() == 0)
        assert relay.metrics()["outsider_total"] == 1
    assert len(transitions(sandbox)) == 1  # the members' three moved it once
    assert emulator.statuses_on(head_sha("github")) != [] or event != "github-opened"


def test_an_outsiders_review_of_a_members_pull_request_moves_nothing(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    config = write_config(tmp_path, sandbox, statuses={"approved": "inProgress"})
    seed_issue(sandbox, "PROJ-123", "open")

    def reviewer(standing: str) -> Callable[[dict[str, Any]], None]:
        return lambda data: data["review"].update(author_association=standing)

    with relay_in_thread(config) as relay:
        answer = relay.post(*edited("github-approved", reviewer("NONE")))
        assert answer.json()["result"] == "outsider", answer.text
        assert relay.app.queue.tasks() == []
        assert relay.post(*edited("github-approved", reviewer("MEMBER"))).status_code == 202
        wait_until(lambda: relay.app.queue.pending() == 0)
    assert status_of(sandbox, "PROJ-123") == "inProgress"


@pytest.mark.parametrize("forge", list(CASES))
def test_the_status_names_the_state_never_the_summary(
    forge: str, tmp_path: Path, sandbox: SandboxHandle, start_forge: Callable[..., Emulator]
) -> None:
    emulator = start(start_forge, forge)
    config = relay_config(tmp_path, sandbox, forge, emulator)
    canary = "CANARY acquisition of Initech, do not disclose"
    seed_issue(sandbox, "PROJ-123", "open")
    sandbox.state.issue("PROJ-123")["summary"] = canary  # type: ignore[index]
    sha = head_sha(forge)
    with relay_in_thread(config) as relay:
        assert relay.post(*signed(CASES[forge][0], {})).status_code == 202
        wait_until(lambda: shown(emulator, forge, sha))
    assert shown(emulator, forge, sha) == [("tracker-git/issue", CASES[forge][4], "PROJ-123: Open")]
    assert "CANARY" not in repr(emulator.requests)
    # Opted in (a private repository): the summary.
    text = config.read_text().replace(
        f"[forges.{forge}]\n", f"[forges.{forge}]\nstatus_summary = true\n"
    )
    config.write_text(text)
    with relay_in_thread(config) as relay:
        # Another body (the first one's hash is remembered): the same pull request edited.
        again = edited(CASES[forge][0], lambda data: data.update(edited_again=True))
        assert relay.post(*again).status_code == 202
        wait_until(lambda: len(shown(emulator, forge, sha)) == 2)
    assert shown(emulator, forge, sha)[1][2] == f"PROJ-123: {canary}"


def test_a_key_the_relay_cannot_see_reads_as_a_missing_one(
    tmp_path: Path, sandbox: SandboxHandle, start_forge: Callable[..., Emulator]
) -> None:
    emulator = start(start_forge, "github")
    config = relay_config(tmp_path, sandbox, "github", emulator)
    seed_issue(sandbox, "PROJ-123", "open")
    sha = head_sha("github")
    with relay_in_thread(config) as relay:
        sandbox.inject(403, times=1000, path="/issues/PROJ-123", method="GET")
        assert relay.post(*signed("github-opened", {})).status_code == 202
        wait_until(lambda: shown(emulator, "github", sha))
        sandbox.clear_faults()
        # PROJ-124 does not exist at all.
        assert relay.post(*signed("github-opened", {"PROJ-123": "PROJ-124"})).status_code == 202
        wait_until(lambda: len(shown(emulator, "github", sha)) == 2)
    hidden, missing = shown(emulator, "github", sha)
    assert hidden[:2] == missing[:2] == ("tracker-git/issue", "failure")
    assert hidden[2].replace("123", "N") == missing[2].replace("124", "N")


def _now(data: dict[str, Any]) -> None:
    data["pull_request"]["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_delivery_older_than_the_replay_window_is_refused(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    config = write_config(
        tmp_path, sandbox, statuses={"opened": "inProgress"}, replay_window=3 * 86400
    )
    seed_issue(sandbox, "PROJ-123", "open")
    with relay_in_thread(config) as relay:
        # The stored delivery is from 2019: whatever its id, it is refused.
        answer = relay.post(*signed("github-opened", {}))
        assert answer.status_code == 400, answer.text
        assert "replay_window" in answer.json()["error"]
        assert relay.app.queue.tasks() == []
        assert relay.metrics()["rejected_total"] == 1
        # The same pull request updated just now is applied.
        assert relay.post(*edited("github-opened", _now)).status_code == 202
        wait_until(lambda: relay.app.queue.pending() == 0)
    assert status_of(sandbox, "PROJ-123") == "inProgress"


def test_a_delivery_is_remembered_for_the_whole_replay_window(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    """Pruning keeps delivery ids (and body hashes) for replay_window: a delivery received
    40 days ago is still a duplicate with a 60-day window (the old rule kept 7 days)."""
    config = load(str(write_config(tmp_path, sandbox, replay_window=60 * 86400)))
    from tracker_git.relay.queue import open_queue

    queue = open_queue(config.database)
    try:
        old = Delivery("github:old", "github", "opened", "github:sha256:00")
        now = time.time()
        assert queue.enqueue(old, [], now - 40 * 86400)
        worker = new_worker(config, queue, lambda: None)  # type: ignore[arg-type,return-value]
        worker.step()  # its first step prunes
        assert not queue.enqueue(old, [], now)
    finally:
        queue.close()
