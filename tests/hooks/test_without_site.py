"""The plain hooks start Python without its `site` module (`-S`): the hook puts the folder
holding tracker_git on sys.path itself. Shown with a real scratch venv whose site-packages
carries a `.pth` file that logs when `site` runs (and, as path lines, the folders of
tracker_git and of requests): an offline commit never runs it; the online check, which needs
requests, runs it before asking Tracker; a hook whose recorded folder lost tracker_git lets
`site` find it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from testing.repos import git, head_message, make_repo, run
from testing.servers import SandboxHandle
from tracker_git import plainhooks
from tracker_git.core import gitstate

ROOT = Path(__file__).resolve().parents[2]
LOG_LINE = "import os; open(os.environ['SITE_LOG'], 'a').write('site ran\\n')\n"


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A scratch venv of this interpreter: its `site` logs each run and finds tracker_git
    (the checkout) and requests (this venv's site-packages) through path lines."""
    folder = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "zz_log.pth").write_text(LOG_LINE)
    (Path(purelib) / "zz_paths.pth").write_text(f"{ROOT}\n{ours}\n")
    return python


def commit(repo: Path, name: str, message: str, log: Path, **extra: str) -> str:
    (repo / name).write_text(name)
    git(repo, "add", name)
    proc = run(
        repo,
        "git",
        "commit",
        "-q",
        "-m",
        message,
        env={**os.environ, "SITE_LOG": str(log), **extra},
    )
    return f"exit={proc.returncode} {proc.stderr}"


def test_an_offline_commit_runs_no_site(tmp_path: Path, venv: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "-b", "DEV-1-login")
    plainhooks.install(gitstate.read_state(str(repo)), python=str(venv), package=str(ROOT))
    log = tmp_path / "site.log"
    assert commit(repo, "a", "fix the login form", log) == "exit=0 "
    assert head_message(repo).startswith("DEV-1: fix the login form")
    git(repo, "checkout", "-q", "-b", "topic")
    result = commit(repo, "b", "no key", log)
    assert result.startswith("exit=1 ") and "carries no issue key" in result
    assert not log.exists()
    # The same interpreter with site, as a check that the log works.
    subprocess.run([str(venv), "-c", "pass"], env={**os.environ, "SITE_LOG": str(log)}, check=True)
    assert "site ran" in log.read_text()


def test_a_recorded_folder_without_tracker_git_leaves_finding_it_to_site(
    tmp_path: Path, venv: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "-b", "DEV-2-moved")
    moved = tmp_path / "it's gone"  # quoted in the hook like the interpreter
    moved.mkdir()
    plainhooks.install(gitstate.read_state(str(repo)), python=str(venv), package=str(moved))
    assert f"PACKAGE='{tmp_path}/it'\\''s gone'" in (repo / ".git/hooks/commit-msg").read_text()
    log = tmp_path / "site.log"
    assert commit(repo, "a", "moved", log) == "exit=0 "
    assert head_message(repo).startswith("DEV-2: moved")
    assert "site ran" in log.read_text()


def test_the_online_check_runs_site_before_asking_tracker(
    tmp_path: Path, venv: Path, sandbox: SandboxHandle
) -> None:
    sandbox.state.add_queue("DEV")
    known = sandbox.state.add_issue("Fix login", queue="DEV")
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text("[hooks]\nonline = true\nstrict = true\n")
    git(repo, "checkout", "-q", "-b", "DEV-1-login")
    plainhooks.install(gitstate.read_state(str(repo)), python=str(venv), package=str(ROOT))
    log = tmp_path / "site.log"
    result = commit(repo, "a", "DEV-999: no such issue", log, **sandbox.env)
    assert result.startswith("exit=1 ") and "Tracker has no issue DEV-999" in result, result
    assert "site ran" in log.read_text()  # by the commit-msg hook, for requests
    assert commit(repo, "b", f"{known}: fix", log, **sandbox.env) == "exit=0 "
    # Asked by one search for the message's keys.
    bodies = [r["body"] for r in sandbox.requests if isinstance(r["body"], dict)]
    assert [b for b in bodies if "DEV-999" in b.get("keys", [])]
