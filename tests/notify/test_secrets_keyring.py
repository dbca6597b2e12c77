"""Secrets the alerts file names, stored in the OS keyring (`notify secret set NAME`) instead
of the environment: a real gnome-keyring, the real console script, the sandbox Tracker, and
the loopback Slack receiver the sandbox's trigger posts to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from testing.fixtures_keyring import StartSession
from testing.keyring_session import Session
from testing.repos import make_repo
from testing.servers import SandboxHandle
from tests.notify.helpers import SLACK_PATH, Notify, Receiver

CLI = str(Path(sys.executable).parent / "git-tracker")
LIMIT = 60  # seconds: a guard against a hang, not a measurement
NAME = "SLACK_WEBHOOK_URL"
ACCOUNT = f"secret:{NAME}"

ALERT = """\
[[alert]]
name = "bugs"
queue = "DEMO"
event = "created"
type = "bug"
message = "Bug {{issue.key}}: {{issue.summary}}"
slack = { webhook = "$SLACK_WEBHOOK_URL" }
"""


def cli(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it, with this test's environment (its keyring)."""
    return subprocess.run(
        [CLI, *args], input=stdin, capture_output=True, text=True, cwd=cwd,
        env=os.environ.copy(), timeout=LIMIT, check=False,
    )  # fmt: skip


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def triggers(sandbox: SandboxHandle) -> list[Any]:
    response = requests.get(
        f"{sandbox.url}/v3/queues/DEMO/triggers", headers=sandbox.headers, timeout=10
    )
    assert response.status_code == 200, response.text
    listed = response.json()
    assert isinstance(listed, list)
    return listed


@pytest.fixture
def repo(tmp_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> Notify:
    """A repository with the alerts file, the sandbox's Tracker settings in the environment,
    and no SLACK_WEBHOOK_URL there."""
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(NAME, raising=False)
    notify = Notify(make_repo(tmp_path / "repo"), sandbox)
    notify.file.write_text(ALERT, encoding="utf-8")
    return notify


def test_a_stored_webhook_is_applied_and_the_trigger_posts_to_it(
    repo: Notify, secret_service: Session, slack: Receiver
) -> None:
    url = slack.url + SLACK_PATH
    stored = cli("notify", "secret", "set", NAME, "--stdin", stdin=url + "\n")
    assert stored.returncode == 0, stored.stderr
    assert f"Stored {NAME} in the keyring" in stored.stdout
    assert secret_service.lookup(service="tracker-git", username=ACCOUNT) == url

    # The loopback receiver is not hooks.slack.com: trusted first, its server read from the
    # keyring's URL (the URL itself is shown nowhere).
    trusted = cli("trust", "--yes", cwd=repo.repo)
    assert trusted.returncode == 0 and f"slack.webhook = {slack.url}" in trusted.stdout

    applied = cli("notify", "apply", cwd=repo.repo)
    assert applied.returncode == 0, applied.stderr
    assert "DEMO: create 'bugs'" in applied.stdout
    (trigger,) = triggers(repo.sandbox)
    assert trigger["name"] == "[tracker-git] bugs"
    assert trigger["actions"][0]["endpoint"] == url

    # An issue that matches: the sandbox runs the trigger, which posts to the stored URL.
    created = requests.post(
        f"{repo.sandbox.url}/v3/issues",
        json={"queue": "DEMO", "summary": "Disk full", "type": "bug"},
        headers=repo.sandbox.headers,
        timeout=10,
    )
    assert created.status_code < 300, created.text
    assert [got.path for got in slack.got] == [SLACK_PATH]
    assert created.json()["key"] in slack.got[0].body.decode()
    assert repo.sandbox.state.hook_errors == []

    planned = cli("notify", "plan", cwd=repo.repo)
    assert planned.returncode == 0 and "'bugs' unchanged" in planned.stdout
    for proc in (stored, trusted, applied, planned):
        assert SLACK_PATH not in proc.stdout + proc.stderr


def test_the_environment_wins_over_the_keyring(
    repo: Notify, secret_service: Session, slack: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = slack.url + "/services/T/B/stale"
    stored = cli("notify", "secret", "set", NAME, "--stdin", stdin=wrong)
    assert stored.returncode == 0, stored.stderr
    monkeypatch.setenv(NAME, slack.url + SLACK_PATH)

    code, out, err = repo.run("apply")
    assert code == 0, err
    assert triggers(repo.sandbox)[0]["actions"][0]["endpoint"] == slack.url + SLACK_PATH
    code, out, err = repo.run("test", "bugs")
    assert code == 0, err
    assert [got.path for got in slack.got] == [SLACK_PATH]

    # Storing while the variable is set says which one counts.
    again = cli("notify", "secret", "set", NAME, "--stdin", stdin=wrong)
    assert again.returncode == 0 and "the environment wins over the keyring" in again.stderr

    # Without the variable, the keyring's (stale) URL is the one used: Slack refuses it.
    monkeypatch.delenv(NAME)
    code, out, err = repo.run("test", "bugs")
    assert code == 1 and "invalid_token" in err
    assert slack.got[-1].path == "/services/T/B/stale"
    assert "stale" not in out + err


def test_missing_everywhere_says_both_ways_to_provide_it(
    repo: Notify, secret_service: Session, slack: Receiver
) -> None:
    url = slack.url + SLACK_PATH
    assert cli("notify", "secret", "set", NAME, "--stdin", stdin=url).returncode == 0
    deleted = cli("notify", "secret", "delete", NAME)
    assert deleted.returncode == 0 and f"Removed the stored secret {NAME}" in deleted.stdout
    assert secret_service.lookup(service="tracker-git", username=ACCOUNT) is None
    again = cli("notify", "secret", "delete", NAME)
    assert again.returncode == 0 and f"no secret {NAME} was stored" in again.stderr

    for action in ("plan", "apply"):
        proc = cli("notify", action, cwd=repo.repo)
        assert proc.returncode == 2
        line = one_line_error(proc.stderr)
        assert "alert 'bugs' needs the Slack incoming-webhook URL" in line
        assert f"export {NAME}=..." in line
        assert f"'git tracker notify secret set {NAME}'" in line
    assert triggers(repo.sandbox) == []
    assert slack.got == []


def test_a_stored_value_that_is_no_url_is_refused_unseen(
    repo: Notify, secret_service: Session
) -> None:
    secret_service.store("not-a-url-but-secret", service="tracker-git", username=ACCOUNT)
    proc = cli("notify", "plan", cwd=repo.repo)
    assert proc.returncode == 2
    line = one_line_error(proc.stderr)
    assert f"the keyring entry {ACCOUNT} does not hold a webhook URL" in line
    assert "not-a-url-but-secret" not in proc.stdout + proc.stderr


def test_set_refuses_an_empty_value_and_a_bad_name(secret_service: Session) -> None:
    empty = cli("notify", "secret", "set", NAME, "--stdin", stdin="  \n")
    assert empty.returncode == 2 and "the secret is empty" in one_line_error(empty.stderr)
    spaced = cli("notify", "secret", "set", NAME, "--stdin", stdin="https://x y/secret-part")
    assert spaced.returncode == 2 and "spaces" in one_line_error(spaced.stderr)
    assert "secret-part" not in spaced.stdout + spaced.stderr
    bad = cli("notify", "secret", "set", "$SLACK-URL", "--stdin", stdin="https://x/y")
    assert bad.returncode == 2 and "not a secret's name" in one_line_error(bad.stderr)
    no_terminal = cli("notify", "secret", "set", NAME)  # stdin is a pipe, and no --stdin
    assert no_terminal.returncode == 2 and "--stdin" in one_line_error(no_terminal.stderr)
    assert secret_service.lookup(service="tracker-git", username=ACCOUNT) is None


def test_a_locked_keyring_is_one_line_naming_the_variable(
    repo: Notify, keyring_sessions: StartSession
) -> None:
    first = keyring_sessions()
    first.store("https://hooks.slack.com/services/T/B/x", service="tracker-git", username=ACCOUNT)
    first.stop()
    keyring_sessions(password=None)  # the same keyring file, not unlocked this time
    proc = cli("notify", "plan", cwd=repo.repo)
    assert proc.returncode == 1
    line = one_line_error(proc.stderr)
    assert f"cannot read {NAME} from the keyring: the keyring is locked" in line
    assert f"export {NAME}=..." in line
