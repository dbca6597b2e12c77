"""Adopting tracker-git in a repository with history: the first push of an old repository to a
new remote, `[hooks] since` (a commit, set by `git tracker init`, or a date), and the advice for
a keyless root commit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from testing.repos import commit_file, git, make_repo, run
from tracker_git import plainhooks
from tracker_git.core import gitstate

CLI = str(Path(sys.executable).parent / "git-tracker")


def old_commit(repo: Path, name: str, message: str, date: str = "2020-06-01T12:00:00") -> None:
    """A commit made before tracker-git, hooks or not."""
    (repo / name).write_text(message)
    git(repo, "add", name)
    env = {**os.environ, "TRACKER_GIT_SKIP": "1", "GIT_COMMITTER_DATE": date}
    git(repo, "commit", "-q", "-m", message, env={**env, "GIT_AUTHOR_DATE": date})


@pytest.fixture
def old_repo(tmp_path: Path) -> Path:
    """Years of keyless history (a keyless root commit first), the hooks just installed, and a
    new, empty remote."""
    repo = make_repo(tmp_path / "repo", initial_commit=False)
    old_commit(repo, "README", "initial commit", date="2020-05-01T12:00:00")
    old_commit(repo, "a", "fix the build")
    old_commit(repo, "b", "Merge sort speed-up")
    plainhooks.install(gitstate.read_state(str(repo)))
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    return repo


def push(repo: Path, branch: str = "main", remote: str = "origin") -> tuple[int, str]:
    proc = run(repo, "git", "push", "-q", remote, branch)
    return proc.returncode, proc.stderr


def test_first_push_after_init_checks_only_what_came_after(old_repo: Path) -> None:
    head = git(old_repo, "rev-parse", "HEAD").strip()
    proc = run(old_repo, CLI, "init", "--queues", "DEV")
    assert proc.returncode == 0, proc.stderr
    assert f'since = "{head}"' in (old_repo / ".tracker-git.toml").read_text()
    commit_file(old_repo, ".tracker-git.toml", (old_repo / ".tracker-git.toml").read_text(),
                "DEV-1: adopt tracker-git")  # fmt: skip
    code, stderr = push(old_repo)
    assert code == 0, stderr

    # What comes after the starting point is checked as always.
    git(old_repo, "checkout", "-q", "-b", "DEV-2-x")
    old_commit(old_repo, "c", "no key, made today", date="2030-01-01T00:00:00")
    code, stderr = push(old_repo, "DEV-2-x")
    assert code == 1
    assert "1 commit(s) to push reference no valid issue key" in stderr
    assert "'no key, made today'" in stderr
    assert "fix the build" not in stderr
    assert "git rebase -i " in stderr and "--root" not in stderr
    assert "set [hooks] since" not in stderr  # it is set


def test_without_since_a_keyless_root_gets_the_right_advice(old_repo: Path) -> None:
    code, stderr = push(old_repo)
    assert code == 1
    assert "3 commit(s) to push reference no valid issue key" in stderr
    assert "'initial commit'" in stderr
    assert "reword them with 'git rebase -i --root' (mark them 'reword')" in stderr
    assert "set [hooks] since (a commit or a date) in .tracker-git.toml" in stderr


def test_since_as_a_date(old_repo: Path, tmp_path: Path) -> None:
    (old_repo / ".tracker-git.toml").write_text('[hooks]\nsince = "2025-01-01"\n')
    old_commit(old_repo, "c", "DEV-1: keyed, after the date", date="2030-01-01T00:00:00")
    code, stderr = push(old_repo)
    assert code == 0, stderr
    (old_repo / ".tracker-git.toml").write_text('[hooks]\nsince = "2020-01-01"\n')
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "second.git"))
    git(old_repo, "remote", "add", "second", str(tmp_path / "second.git"))
    code, stderr = push(old_repo, remote="second")
    assert code == 1
    assert "3 commit(s) to push" in stderr  # all three from 2020, after 2020-01-01


def test_a_backdated_commit_does_not_hide_what_is_pushed_under_it(old_repo: Path) -> None:
    """The date is resolved once, on the remote's default branch: a commit dated before it
    (and the keyless ones below it) on the branch being pushed are checked like any other.
    With git's --since they were not: it stops at the first older commit."""
    (old_repo / ".tracker-git.toml").write_text('[hooks]\nsince = "2025-01-01"\n')
    old_commit(old_repo, "c", "DEV-1: keyed, after the date", date="2030-01-01T00:00:00")
    code, stderr = push(old_repo)
    assert code == 0, stderr
    git(old_repo, "fetch", "-q", "origin")
    git(old_repo, "remote", "set-head", "origin", "main")
    git(old_repo, "checkout", "-q", "-b", "DEV-2-x")
    old_commit(old_repo, "d", "no key, today", date="2030-02-01T00:00:00")
    old_commit(old_repo, "e", "no key, backdated", date="2019-01-01T00:00:00")
    code, stderr = push(old_repo, "DEV-2-x")
    assert code == 1
    assert "2 commit(s) to push" in stderr
    assert "'no key, today'" in stderr and "'no key, backdated'" in stderr


def test_a_since_that_names_no_commit_is_a_config_error(old_repo: Path) -> None:
    (old_repo / ".tracker-git.toml").write_text('[hooks]\nsince = "no-such-tag"\n')
    code, stderr = push(old_repo)
    assert code == 1  # git push says 1 whatever the hook's code (2, a configuration error)
    line = stderr.splitlines()[0]
    assert "[hooks] since = 'no-such-tag' names no commit of this repository" in line


def test_a_long_refused_range_is_a_summary_with_the_since_fix_first(old_repo: Path) -> None:
    for number in range(9):
        old_commit(old_repo, f"f{number}", f"old change {number}", date="2020-06-01T00:00:00")
    code, stderr = push(old_repo)
    assert code == 1
    lines = [line for line in stderr.splitlines() if not line.startswith(("error:", "To "))]
    assert lines[0].startswith(
        "tracker-git: 12 commit(s) to push reference no valid issue key; if they predate "
        "tracker-git, set [hooks] since (a commit or a date) in .tracker-git.toml to check only "
        "what came after; otherwise reword them with 'git rebase -i --root'"
    )
    assert len(lines) == 1 + 5 + 1, stderr  # the verdict, the first five, the rest counted
    assert lines[-1].strip() == "... and 7 more"
