"""`gitrepo.commits`: the branch's own commits against the remote's base, else the local one,
else none; a base that exists but cannot be compared is an error, not an empty list."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.repos import commit_file, git, make_repo
from tracker_git.core.errors import OperationFailed
from tracker_git.pr import gitrepo


def _subjects(repo: Path, remote: str = "origin", base: str = "main") -> list[str]:
    found = gitrepo.commits(str(repo), remote, base)
    return [c.subject for c in found]


def test_against_the_remote_copy_of_the_base(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "work")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    commit_file(repo, "b.txt", "b\n", "on main, not pushed", "--no-verify")
    git(repo, "checkout", "-q", "-b", "DEMO-1-x")
    commit_file(repo, "c.txt", "c\n", "DEMO-1: mine", "--no-verify")
    assert _subjects(repo) == ["DEMO-1: mine", "on main, not pushed"]


def test_against_the_local_base_without_a_remote_copy(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "work")
    git(repo, "checkout", "-q", "-b", "DEMO-1-x")
    commit_file(repo, "c.txt", "c\n", "DEMO-1: mine", "--no-verify")
    assert _subjects(repo) == ["DEMO-1: mine"]


def test_no_base_anywhere_gives_none(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "work")
    assert _subjects(repo, base="nowhere") == []


def test_a_base_that_exists_but_cannot_be_compared_is_an_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "work")
    git(repo, "checkout", "-q", "--orphan", "DEMO-1-x")  # HEAD unborn: nothing to compare
    with pytest.raises(OperationFailed, match="check that the base branch exists") as failed:
        _subjects(repo)
    # git's reason is its fatal line, not the usage synopsis it prints last.
    assert "unknown revision" in str(failed.value)
    assert "<command>" not in str(failed.value)
