"""A whole `git commit` with the plain hooks starts Python once (issue 22): pre-commit leaves
the branch check to prepare-commit-msg by a marker, and commit-msg confirms an unedited message
that prepare-commit-msg already judged (a copy keyed by git's process id) without Python.
Counted with a logging interpreter behind the installed hooks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from testing.repos import git, head_message, make_repo, run
from tracker_git import plainhooks
from tracker_git.core import gitstate


@pytest.fixture
def counted(tmp_path: Path) -> tuple[Path, Path]:
    """A repository on DEV-1-login whose plain hooks run a Python that logs each start."""
    repo = make_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "-b", "DEV-1-login")
    log = tmp_path / "python.log"
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    plainhooks.install(gitstate.read_state(str(repo)), python=str(wrapper))
    return repo, log


def starts(log: Path) -> list[str]:
    """The hooks Python ran since the last call."""
    names = ("branch-name", "prepare-commit-msg", "commit-msg", "pre-push")
    lines = log.read_text().splitlines() if log.exists() else []
    found = [next(word for word in line.split() if word in names) for line in lines]
    log.unlink(missing_ok=True)
    return found


def commit(repo: Path, *args: str, **env: str) -> int:
    return run(
        repo, "git", "commit", "-q", "--allow-empty", *args, env={**os.environ, **env}
    ).returncode


def test_an_unedited_commit_starts_python_once(counted: tuple[Path, Path]) -> None:
    repo, log = counted
    assert commit(repo, "-m", "first") == 0  # makes .git/tracker-git: no marker could go there
    starts(log)
    assert commit(repo, "-m", "fix the login") == 0
    assert head_message(repo).startswith("DEV-1: fix the login")
    assert starts(log) == ["prepare-commit-msg"]
    assert commit(repo, "-m", "OPS-2: typed with a key") == 0
    assert starts(log) == ["prepare-commit-msg"]


def test_the_branch_check_still_runs_and_no_verify_still_skips_it(
    counted: tuple[Path, Path],
) -> None:
    repo, log = counted
    assert commit(repo, "-m", "first") == 0
    git(repo, "checkout", "-q", "-b", "no-key-here")
    starts(log)
    proc = run(repo, "git", "commit", "-q", "--allow-empty", "-m", "DEV-1: x")
    assert proc.returncode == 1 and "branch 'no-key-here' carries no issue key" in proc.stderr
    assert starts(log) == ["prepare-commit-msg"]
    assert commit(repo, "--no-verify", "-m", "DEV-1: x") == 0
    # With a SKIP switch pre-commit runs Python itself (which honours it), as before.
    assert commit(repo, "-m", "DEV-1: y", SKIP="tracker-branch-name") == 0
    assert starts(log) == ["prepare-commit-msg", "branch-name", "prepare-commit-msg"]


def test_an_edited_or_refused_message_is_judged_by_commit_msg(
    counted: tuple[Path, Path],
) -> None:
    repo, log = counted
    assert commit(repo, "-m", "first") == 0
    starts(log)
    # The editor changes what prepare-commit-msg judged: commit-msg starts Python and refuses.
    editor = "sed -i 's/^DEV-1: //'"
    proc = run(
        repo,
        "git",
        "commit",
        "-q",
        "--allow-empty",
        "-e",
        "-m",
        "x",
        env={**os.environ, "GIT_EDITOR": editor},
    )
    assert proc.returncode == 1 and "references no issue key" in proc.stderr
    assert starts(log) == ["prepare-commit-msg", "commit-msg"]
    # A message prepare-commit-msg would not accept is left to commit-msg, which refuses it.
    proc = run(repo, "git", "commit", "-q", "--allow-empty", "-m", "DEV-1:")
    assert proc.returncode == 1 and "nothing but the key" in proc.stderr
    assert starts(log) == ["prepare-commit-msg", "commit-msg"]
    # A copy left by another git process (another commit) is never taken as this one's.
    folder = repo / ".git" / "tracker-git"
    (folder / "verified-1").write_text("DEV-1:\n")
    proc = run(repo, "git", "commit", "-q", "--allow-empty", "-m", "DEV-1:")
    assert proc.returncode == 1
    assert not (folder / "verified-1").exists()
