"""The relay's commit statuses (`tracker-git/issue` on each pull request's head commit): the
stored deliveries of each forge against that forge's emulator and the sandbox, over real
HTTP, through the durable queue; a forge that is down and comes back; a transition that
never waits for a status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    PAYLOADS,
    relay_in_thread,
    seed_issue,
    signed,
    status_of,
    wait_until,
    write_config,
)
from tracker_git.core.forgekinds import KINDS
from tracker_git.emulators import Emulator

# forge -> (the stored "opened" delivery, the repository it names, its head commit, the
# field naming our status, the field with its state, the state of success, of failure)
CASES = {
    "github": ("github-opened", "Codertocat/Hello-World", "context", "state", "success", "failure"),
    "gitlab": ("gitlab-opened", "gitlabhq/gitlab-test", "name", "status", "success", "failed"),
    "bitbucket-cloud": (
        "bitbucket-cloud-opened", "team_name/repo_name", "key", "state", "SUCCESSFUL", "FAILED",
    ),
    "bitbucket-dc": (
        "bitbucket-dc-opened", "PROJ/repository", "key", "state", "SUCCESSFUL", "FAILED",
    ),
}  # fmt: skip
FORGE_TOKEN = "forge-token"


def test_every_forge_has_its_case() -> None:
    """A forge added to core/forgekinds.py gets its commit status tested here too."""
    assert sorted(CASES) == sorted(KINDS)


def head_sha(forge: str) -> str:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{CASES[forge][0]}.json").read_text())
    sha: Callable[[], str] = {
        "github": lambda: data["pull_request"]["head"]["sha"],
        "gitlab": lambda: data["object_attributes"]["last_commit"]["id"],
        "bitbucket-cloud": lambda: data["pullrequest"]["source"]["commit"]["hash"],
        "bitbucket-dc": lambda: data["pullRequest"]["fromRef"]["latestCommit"],
    }[forge]
    return sha()


def relay_config(
    tmp_path: Path, sandbox: SandboxHandle, forge: str, emulator: Emulator, **options: Any
) -> Path:
    """The relay's file: every forge on (secret in a file); `forge` also with a token (in a
    file beside it) and the emulator's API."""
    (tmp_path / "forge-token").write_text(FORGE_TOKEN + "\n")
    lines = []
    for name in CASES:
        lines.append(f'[forges.{name}]\nsecret_file = "secret"\n')
        if name == forge:
            lines.append(f'token_file = "forge-token"\napi_url = "{emulator.url}"\n')
    return write_config(tmp_path, sandbox, forges="".join(lines), **options)


def shown(emulator: Emulator, forge: str, sha: str) -> list[tuple[str, str, str]]:
    name, state = CASES[forge][2], CASES[forge][3]
    return [(s[name], s[state], str(s.get("description") or "")) for s in emulator.statuses_on(sha)]


def start(start_forge: Callable[..., Emulator], forge: str, port: int = 0) -> Emulator:
    emulator = start_forge(forge, token=FORGE_TOKEN, repo=CASES[forge][1], port=port)
    emulator.add_commit(head_sha(forge))
    return emulator


@pytest.mark.parametrize("forge", list(CASES))
def test_an_opened_pull_request_gets_its_status(
    forge: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    start_forge: Callable[..., Emulator],
) -> None:
    emulator = start(start_forge, forge)
    config = relay_config(tmp_path, sandbox, forge, emulator)
    seed_issue(sandbox, "PROJ-123", "open")
    sha = head_sha(forge)
    with relay_in_thread(config) as relay:
        body, headers = signed(CASES[forge][0], {})
        answer = relay.post(body, headers)
        assert answer.status_code == 202, answer.text
        assert answer.json()["commit_status"] == sha
        wait_until(lambda: shown(emulator, forge, sha))
        # The same delivery again is a duplicate: no second status.
        assert relay.post(body, headers).json()["result"] == "duplicate"
        wait_until(lambda: relay.app.queue.pending() == 0)
    success = CASES[forge][4]
    assert shown(emulator, forge, sha) == [("tracker-git/issue", success, "PROJ-123: Open")]
    posts = [r for r in emulator.requests if r.method == "POST"]
    assert len(posts) == 1
    assert FORGE_TOKEN not in json.dumps([r.headers for r in emulator.requests])


@pytest.mark.parametrize("forge", list(CASES))
def test_no_key_and_a_missing_issue_are_failures(
    forge: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    start_forge: Callable[..., Emulator],
) -> None:
    emulator = start(start_forge, forge)
    config = relay_config(tmp_path, sandbox, forge, emulator)
    sha = head_sha(forge)
    failure = CASES[forge][5]
    with relay_in_thread(config) as relay:
        # PROJ-123 does not exist in the sandbox.
        assert relay.post(*signed(CASES[forge][0], {})).status_code == 202
        wait_until(lambda: len(shown(emulator, forge, sha)) == 1)
        # No key anywhere: the status fails, and no transition is queued.
        answer = relay.post(*signed(CASES[forge][0], {"PROJ-123": "no-key-here"}))
        assert answer.status_code == 202, answer.text
        assert answer.json()["keys"] == []
        wait_until(lambda: len(shown(emulator, forge, sha)) == 2)
    first, second = shown(emulator, forge, sha)
    assert first[:2] == ("tracker-git/issue", failure) and "no issue PROJ-123" in first[2]
    assert second[:2] == ("tracker-git/issue", failure) and "no issue key" in second[2]


@pytest.mark.parametrize("forge", list(CASES))
def test_a_forge_that_is_down_gets_the_status_when_it_is_back(
    forge: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    start_forge: Callable[..., Emulator],
) -> None:
    # Down for maintenance: every request answered 503 in the forge's own shape. (Stopping the
    # emulator and starting it again on its port raced other tests for that port.)
    emulator = start(start_forge, forge)
    emulator.fail_next(503, "Service Unavailable", times=1_000_000)
    config = relay_config(tmp_path, sandbox, forge, emulator, statuses={"opened": "inProgress"})
    seed_issue(sandbox, "PROJ-123", "open")
    sha = head_sha(forge)
    with relay_in_thread(config) as relay:
        assert relay.post(*signed(CASES[forge][0], {})).status_code == 202

        def status_task() -> dict[str, Any]:
            (task,) = [t for t in relay.app.queue.tasks() if t["action"] == "commit_status"]
            return dict(task)

        # The status is retried while the forge is down; the transition did not wait.
        wait_until(lambda: int(status_task()["attempts"]) >= 2)
        assert status_of(sandbox, "PROJ-123") == "inProgress"
        assert status_task()["state"] == "pending"
        assert shown(emulator, forge, sha) == []
        emulator.faults.clear()  # back
        wait_until(lambda: shown(emulator, forge, sha))
        wait_until(lambda: status_task()["state"] == "done")
    assert shown(emulator, forge, sha)[0][:2] == ("tracker-git/issue", CASES[forge][4])


@pytest.mark.parametrize("forge", list(CASES))
def test_the_worker_reuses_one_forge_connection_and_closes_it(
    forge: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    start_forge: Callable[..., Emulator],
) -> None:
    """One worker thread sets four statuses over one connection to the forge (one client and
    session per forge per thread, not one per task), and closes it as the relay stops."""
    emulator = start(start_forge, forge)
    config = relay_config(tmp_path, sandbox, forge, emulator, server="concurrency = 1\n")
    sha = head_sha(forge)
    with relay_in_thread(config) as relay:
        for n in range(4):
            answer = relay.post(*signed(CASES[forge][0], {"PROJ-123": f"PROJ-{n + 1}"}))
            assert answer.status_code == 202, answer.text
        wait_until(lambda: len(shown(emulator, forge, sha)) == 4)
        assert emulator.connections()[0] == 1
    wait_until(lambda: emulator.connections()[1] == 0)
    assert emulator.connections() == (1, 0)
