"""hook_state reads from files what read_state asks git, wherever git starts a hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import gitstate
from tracker_git.core.gitstate import RepoState


def fields(state: RepoState) -> tuple[object, ...]:
    return (
        state.toplevel,
        state.git_dir,
        state.common_dir,
        state.hooks_dir,
        state.branch,
        state.operation,
    )


def same_as_git(where: Path, monkeypatch: pytest.MonkeyPatch) -> RepoState:
    monkeypatch.chdir(where)
    found = gitstate.hook_state()
    assert fields(found) == fields(gitstate.read_state())
    return found


def test_top_of_a_work_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", branch="DEV-1-x")
    assert same_as_git(repo, monkeypatch).branch == "DEV-1-x"
    assert gitstate.hook_state()._hooks_dir is None  # git was not started: asked when needed


def test_hooks_path_is_still_gits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "config", "core.hooksPath", "shared-hooks")
    assert same_as_git(repo, monkeypatch).hooks_dir == str(repo / "shared-hooks")


def test_detached_head_and_rebase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "--detach")
    assert same_as_git(repo, monkeypatch).branch is None
    git(repo, "checkout", "-q", "-b", "DEV-2-y")
    (repo / "f").write_text("1\n")
    git(repo, "add", "f")
    git(repo, "commit", "-q", "--no-verify", "-m", "one")
    # Stops after its commit as `edit` would (BSD sed has no `sed -i` to script the editor).
    git(repo, "rebase", "-q", "--exec", "false", "HEAD~1", check=False)
    state = same_as_git(repo, monkeypatch)
    assert (state.operation, state.branch) == ("rebase", "DEV-2-y")


def test_linked_worktree_as_git_runs_its_hooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "worktree", "add", "-q", "-b", "DEV-3-z", str(tmp_path / "wt"))
    same_as_git(tmp_path / "wt", monkeypatch)
    git_dir = git(tmp_path / "wt", "rev-parse", "--absolute-git-dir").strip()
    monkeypatch.setenv("GIT_DIR", git_dir)  # what git exports to a linked worktree's hooks
    state = same_as_git(tmp_path / "wt", monkeypatch)
    assert (state.branch, state.common_dir) == ("DEV-3-z", str(repo / ".git"))
    assert gitstate.hook_state()._hooks_dir is None


def test_left_to_git_where_files_do_not_tell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    other = make_repo(tmp_path / "other", branch="DEV-4-w")
    (repo / "sub").mkdir()
    same_as_git(repo / "sub", monkeypatch)  # a hook run by hand from a sub-folder
    assert gitstate.hook_state()._hooks_dir is not None  # that is, git was asked
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))  # a GIT_DIR elsewhere
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    assert same_as_git(repo, monkeypatch).branch == "DEV-4-w"
    monkeypatch.delenv("GIT_WORK_TREE")
    assert same_as_git(repo, monkeypatch).branch == "DEV-4-w"
