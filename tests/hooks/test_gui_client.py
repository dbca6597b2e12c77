"""The plain hooks run the way a GUI git client runs them: no terminal, stdin from /dev/null,
a minimal environment (`env -i HOME=... PATH=/usr/bin:/bin`) whose PATH does not lead to the
venv. The interpreter baked into the installed hooks carries them; the user still gets the
one-line reason."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from testing.repos import git, head_message, make_repo
from tracker_git import plainhooks
from tracker_git.core import gitstate

MINIMAL_PATH = "/usr/bin:/bin"


def gui(cwd: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run a command as a GUI client would: detached from any terminal, nothing inherited but
    HOME (whose .gitconfig has the identity) and a system PATH."""
    home = os.environ["HOME"]
    return subprocess.run(
        list(args),
        cwd=cwd,
        env={"HOME": home, "PATH": MINIMAL_PATH, **extra},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal
        check=False,
    )


def reasons(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("tracker-git:")]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = make_repo(tmp_path / "repo")
    plainhooks.install(gitstate.read_state(str(path)))
    # conftest points GIT_CONFIG_GLOBAL at $HOME/.gitconfig; a GUI client finds it through HOME.
    assert Path(os.environ["GIT_CONFIG_GLOBAL"]) == Path(os.environ["HOME"]) / ".gitconfig"
    return path


def test_the_minimal_path_really_lacks_the_venv() -> None:
    assert shutil.which("tracker-git-hook", path=MINIMAL_PATH) is None
    assert shutil.which("git-tracker", path=MINIMAL_PATH) is None
    assert shutil.which("git", path=MINIMAL_PATH) is not None


def test_commit_gets_the_key_and_passes(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "DEV-4-gui")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = gui(repo, "git", "commit", "-q", "-m", "fix the login form")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert head_message(repo).startswith("DEV-4: fix the login form")


def test_keyless_message_is_refused_with_one_line(repo: Path) -> None:
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    head = git(repo, "rev-parse", "HEAD")
    proc = gui(repo, "git", "commit", "-q", "-m", "fix the login form")
    assert proc.returncode == 1
    [reason] = reasons(proc.stderr)
    assert "the commit message references no issue key" in reason
    assert "reopen it with: git commit -e -F" in reason
    assert "Traceback" not in proc.stderr
    assert "not found" not in proc.stderr
    assert git(repo, "rev-parse", "HEAD") == head


def test_keyless_branch_is_refused_with_one_line(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature/login")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = gui(repo, "git", "commit", "-q", "-m", "DEV-1: fix the login form")
    assert proc.returncode == 1
    [reason] = reasons(proc.stderr)
    assert "branch 'feature/login' carries no issue key" in reason
    assert "git branch -m" in reason


def test_hook_run_directly_without_locale_or_terminal(repo: Path, tmp_path: Path) -> None:
    """`.git/hooks/commit-msg FILE` from the top of the work tree, as git calls it; the
    environment has no LANG, and the message is not ASCII."""
    good = tmp_path / "good"
    good.write_bytes("DEV-1: поправить вход\n".encode())
    bad = tmp_path / "bad"
    bad.write_bytes("поправить вход\n".encode())
    hook = str(repo / ".git" / "hooks" / "commit-msg")
    assert gui(repo, hook, str(good)).returncode == 0
    proc = gui(repo, hook, str(bad))
    assert proc.returncode == 1
    assert len(reasons(proc.stderr)) == 1
    assert len(proc.stderr.splitlines()) == 1


def test_push_is_checked_without_a_terminal(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "checkout", "-q", "-b", "DEV-6-push")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    git(repo, "commit", "-q", "-m", "поправить вход", env={**os.environ, "TRACKER_GIT_SKIP": "1"})
    sha = git(repo, "rev-parse", "HEAD").strip()
    proc = gui(repo, "git", "push", "-q", "origin", "DEV-6-push")
    assert proc.returncode == 1
    [reason] = reasons(proc.stderr)
    assert "1 commit(s) to push reference no valid issue key" in reason
    assert f"{sha[:10]} 'поправить вход'" in proc.stderr
    assert git(remote, "branch", "--list", "DEV-6-push") == ""
    git(repo, "commit", "-q", "--amend", "-m", "DEV-6: поправить вход")
    proc = gui(repo, "git", "push", "-q", "origin", "DEV-6-push")
    assert proc.returncode == 0, proc.stderr
