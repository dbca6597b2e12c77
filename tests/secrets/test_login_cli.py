"""`git tracker login`, `whoami`, `logout` as a user runs them: the real console script in a
subprocess, a real gnome-keyring, the sandbox Tracker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testing.fixtures_keyring import StartSession
from testing.keyring_session import Session
from testing.repos import git, make_repo
from testing.servers import SandboxHandle
from tracker_git import plainhooks
from tracker_git.core import gitstate, paths

CLI = str(Path(sys.executable).parent / "git-tracker")
LIMIT = 60  # seconds: a guard against a hang, not a measurement


def cli(*args: str, stdin: str = "", cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], input=stdin, capture_output=True, text=True, cwd=cwd,
        env=os.environ.copy(), timeout=LIMIT, check=False,
    )  # fmt: skip


def where(sandbox: SandboxHandle) -> list[str]:
    return ["--api-url", sandbox.url, "--org-id", sandbox.org_id]


def account(sandbox: SandboxHandle) -> str:
    return f"{sandbox.url.removeprefix('http://')}/{sandbox.org_id}"


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_login_whoami_logout(sandbox: SandboxHandle, secret_service: Session) -> None:
    login = cli("login", "--with-token", *where(sandbox), stdin=sandbox.token + "\n")
    assert login.returncode == 0, login.stderr
    assert login.stdout.startswith(f"Logged in to {account(sandbox).split('/')[0]}")
    assert secret_service.lookup(service="tracker-git", username=account(sandbox)) == sandbox.token
    assert "--save-org" in login.stderr  # the organization was not saved: say how

    whoami = cli("whoami", *where(sandbox))
    assert whoami.returncode == 0, whoami.stderr
    first, second = whoami.stdout.splitlines()
    assert f"organization {sandbox.org_id} (X-Org-ID)" in first
    assert second == "token: keyring (SecretService)"

    logout = cli("logout", *where(sandbox))
    assert logout.returncode == 0, logout.stderr
    assert "Removed the Tracker token" in logout.stdout
    assert secret_service.lookup(service="tracker-git", username=account(sandbox)) is None
    again = cli("logout", *where(sandbox))
    assert again.returncode == 0 and "nothing to do" in again.stdout

    after = cli("whoami", *where(sandbox))
    assert after.returncode == 1
    assert "git tracker login" in one_line_error(after)


def test_whoami_says_when_the_token_comes_from_the_environment(sandbox: SandboxHandle) -> None:
    os.environ["TRACKER_TOKEN"] = sandbox.token
    whoami = cli("whoami", *where(sandbox))
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout.splitlines()[1] == "token: environment"


def test_a_wrong_token_is_not_stored(sandbox: SandboxHandle, secret_service: Session) -> None:
    login = cli("login", "--with-token", *where(sandbox), stdin="wrong-token")
    assert login.returncode == 1
    assert "401" in one_line_error(login) or "token" in one_line_error(login)
    assert "wrong-token" not in login.stderr + login.stdout
    assert secret_service.lookup(service="tracker-git", username=account(sandbox)) is None


def test_save_org_writes_the_organization_not_the_token(
    sandbox: SandboxHandle, secret_service: Session
) -> None:
    config_file = Path(paths.user_config_file())
    config_file.parent.mkdir(parents=True)
    config_file.write_text('# my settings\nqueues = ["DEMO"]\n\n[hooks]\nonline = true\n')
    login = cli("login", "--with-token", "--save-org", *where(sandbox), stdin=sandbox.token)
    assert login.returncode == 0, login.stderr
    text = config_file.read_text()
    assert text.startswith('# my settings\nqueues = ["DEMO"]\n\n[hooks]\nonline = true\n')
    assert f'org_id = "{sandbox.org_id}"' in text and f'api_url = "{sandbox.url}"' in text
    assert sandbox.token not in text
    whoami = cli("whoami")  # everything from the saved file now
    assert whoami.returncode == 0, whoami.stderr


def test_usage_mistakes_are_one_line_and_exit_2(secret_service: Session) -> None:
    no_org = cli("login", "--with-token", stdin="t")
    assert no_org.returncode == 2 and "--org-id" in one_line_error(no_org)
    iam = cli("login", "--with-token", "--org-id", "1", "--token-kind", "iam", stdin="t")
    assert iam.returncode == 2 and "Yandex Cloud" in one_line_error(iam)
    empty = cli("login", "--with-token", "--org-id", "1", stdin="\n")
    assert empty.returncode == 2 and "empty" in one_line_error(empty)
    no_tty = cli("login", "--org-id", "1")
    assert no_tty.returncode == 2 and "--with-token" in one_line_error(no_tty)
    dc = cli("login", "--forge", "bitbucket-dc", "--with-token", stdin="t")
    assert dc.returncode == 2 and "--host" in one_line_error(dc)


def test_forge_tokens(secret_service: Session) -> None:
    login = cli(
        "login", "--forge", "gitlab", "--host", "GitLab.Corp", "--with-token", stdin="glpat-x"
    )
    assert login.returncode == 0, login.stderr
    assert (
        secret_service.lookup(service="tracker-git", username="forge:gitlab:gitlab.corp")
        == "glpat-x"
    )
    assert "glpat-x" not in login.stdout + login.stderr
    logout = cli("logout", "--forge", "gitlab", "--host", "gitlab.corp")
    assert logout.returncode == 0, logout.stderr
    assert secret_service.lookup(service="tracker-git", username="forge:gitlab:gitlab.corp") is None


def test_a_locked_keyring(sandbox: SandboxHandle, keyring_sessions: StartSession) -> None:
    first = keyring_sessions()
    first.store(sandbox.token, service="tracker-git", username=account(sandbox))
    first.stop()
    keyring_sessions(password=None)
    whoami = cli("whoami", *where(sandbox))
    assert whoami.returncode == 1
    assert "keyring is locked" in one_line_error(whoami)


def test_no_keyring_at_all() -> None:
    # conftest's fail backend stands for a machine without any keyring.
    whoami = cli("whoami", "--org-id", "1")
    assert whoami.returncode == 1
    message = one_line_error(whoami)
    assert "no OS keyring is available" in message and "TRACKER_TOKEN" in message


def test_a_keyring_that_never_answers(sandbox: SandboxHandle, secret_service: Session) -> None:
    secret_service.store(sandbox.token, service="tracker-git", username=account(sandbox))
    secret_service.freeze_daemon()
    whoami = cli("whoami", *where(sandbox))
    assert whoami.returncode == 1
    assert "did not answer within 5 s" in one_line_error(whoami)


def test_a_hung_keyring_inside_a_hook_warns_and_lets_the_commit_through(
    tmp_path: Path, sandbox: SandboxHandle, secret_service: Session
) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text(
        f'[tracker]\napi_url = "{sandbox.url}"\norg_id = "{sandbox.org_id}"\n'
        "[hooks]\nonline = true\ntimeout = 0.5\n"
    )
    git(repo, "checkout", "-q", "-b", "DEMO-1-work")
    plainhooks.install(gitstate.read_state(str(repo)))
    assert cli("trust", "--yes", cwd=str(repo)).returncode == 0  # the file's api_url
    secret_service.store(sandbox.token, service="tracker-git", username=account(sandbox))
    secret_service.freeze_daemon()
    (repo / "f").write_text("x\n")
    git(repo, "add", "f")
    proc = subprocess.run(
        ["git", "commit", "-m", "work"], cwd=repo, capture_output=True, text=True,
        timeout=LIMIT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "did not answer within 0.5 s" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert git(repo, "log", "-1", "--format=%s").strip() == "DEMO-1: work"
