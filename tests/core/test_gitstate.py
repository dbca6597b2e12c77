"""hook_state reads from files what read_state asks git, wherever git starts a hook; what
git is in the middle of, each state built for real by git once (a linked worktree per state
of one repository, only read by the tests), checked against what git itself says."""

from __future__ import annotations

import locale
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import gitstate
from tracker_git.core.errors import UsageError
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


# A rebase that stops after its first commit (as `edit` would), with no editor to script.
STOPPING = ("rebase", "-q", "--exec", "false", "HEAD~1")
LATIN1 = b"DEV-7-caf\xe9"  # a branch name that is no UTF-8


class States:
    """One repository; a linked worktree for each state git can be in (`where[name]`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.main = make_repo(root / "main", branch="DEV-1-main")
        self.commit(self.main, "f", "base\n", "DEV-1: base")
        git(self.main, "branch", "other")
        git(self.main, "branch", "picked")
        self.commit(self.main, "f", "main\n", "DEV-1: main's f")
        git(self.main, "checkout", "-q", "other")
        self.commit(self.main, "f", "other\n", "DEV-1: other's f")
        git(self.main, "checkout", "-q", "picked")
        self.commit(self.main, "g", "picked\n", "DEV-1: picked")
        git(self.main, "checkout", "-q", "DEV-1-main")
        self.where: dict[str, Path] = {}
        self.add("merge", "DEV-2-merge")
        git(self.where["merge"], "merge", "-q", "other", check=False)
        self.add("cherry-pick", "DEV-3-pick")
        git(self.where["cherry-pick"], "cherry-pick", "other", check=False)
        self.add("revert", "DEV-4-revert")
        self.commit(self.where["revert"], "f", "after\n", "DEV-4: after main's f")
        git(self.where["revert"], "revert", "--no-edit", "HEAD~1", check=False)
        self.add("rebase-merge", "DEV-5-rebase")
        git(self.where["rebase-merge"], *STOPPING, check=False)
        self.add("rebase-apply", "DEV-6-apply")
        git(self.where["rebase-apply"], "rebase", "-q", "--apply", "other", check=False)
        self.add("both", "DEV-8-both")  # a cherry-pick stopped during a rebase
        git(self.where["both"], *STOPPING, check=False)
        git(self.where["both"], "cherry-pick", "other", check=False)
        self.add("detached", "--detach")

    def add(self, name: str, branch: str) -> None:
        where = self.root / name
        new = ["--detach"] if branch in ("--detach", "") else ["-b", branch]
        git(self.main, "worktree", "add", "-q", *new, str(where), "DEV-1-main")
        self.where[name] = where

    @staticmethod
    def commit(repo: Path, name: str, content: str, message: str) -> None:
        (repo / name).write_text(content)
        git(repo, "add", name)
        git(repo, "commit", "-q", "--no-verify", "-m", message)


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> States:
    return States(tmp_path_factory.mktemp("states"))


def read_both(where: Path, monkeypatch: pytest.MonkeyPatch) -> RepoState:
    """hook_state at the top of `where`, as git runs a hook, checked against read_state."""
    monkeypatch.chdir(where)
    found = gitstate.hook_state()
    assert found._hooks_dir is None  # git was not started
    assert fields(found) == fields(gitstate.read_state(str(where)))
    return found


def git_says(where: Path) -> tuple[str, str]:
    """(git dir, branch) as git gives them: the branch checked out, or the one being rebased."""
    git_dir = git(where, "rev-parse", "--absolute-git-dir").strip()
    branch = git(where, "symbolic-ref", "-q", "--short", "HEAD", check=False).strip()
    for folder in ("rebase-merge", "rebase-apply"):
        head_name = Path(git_dir, folder, "head-name")
        if not branch and head_name.is_file():
            branch = head_name.read_text().strip().removeprefix("refs/heads/")
    return git_dir, branch


@pytest.mark.parametrize(
    ("name", "operation", "branch"),
    [
        ("merge", "merge", "DEV-2-merge"),
        ("cherry-pick", "cherry-pick", "DEV-3-pick"),
        ("revert", "revert", "DEV-4-revert"),
        ("rebase-merge", "rebase", "DEV-5-rebase"),  # HEAD detached: the rebase's head-name
        ("rebase-apply", "rebase", "DEV-6-apply"),
        ("both", "cherry-pick", "DEV-8-both"),  # the first in git's order
        ("detached", None, None),
    ],
)
def test_each_state_as_git_has_it(
    states: States, monkeypatch: pytest.MonkeyPatch, name: str, operation: str, branch: str
) -> None:
    where = states.where[name]
    state = read_both(where, monkeypatch)
    git_dir, git_branch = git_says(where)
    assert (state.operation, state.branch) == (operation, branch)
    assert (state.toplevel, state.git_dir) == (str(where), git_dir)
    assert state.common_dir == str(states.main / ".git")
    assert state.branch == (git_branch or None)
    assert state.hooks_dir == str(states.main / ".git" / "hooks")
    for file in ("COMMIT_EDITMSG", "MERGE_MSG"):
        wanted = git(where, "rev-parse", "--path-format=absolute", "--git-path", file).strip()
        assert state.git_path(file) == wanted


def test_the_main_worktree(states: States, monkeypatch: pytest.MonkeyPatch) -> None:
    state = read_both(states.main, monkeypatch)
    assert (state.branch, state.operation) == ("DEV-1-main", None)
    assert state.git_dir == state.common_dir == str(states.main / ".git")
    assert state.git_path("MERGE_MSG") == str(states.main / ".git" / "MERGE_MSG")


@pytest.mark.skipif(sys.platform != "linux", reason="macOS and Windows want file names in Unicode")
def test_a_branch_named_in_latin_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    subprocess.run([b"git", b"checkout", b"-q", b"-b", LATIN1], cwd=repo, check=True)
    state = read_both(repo, monkeypatch)
    assert state.branch is not None and os.fsencode(state.branch) == LATIN1


def test_given_the_same_git_dir_in_git_dir(states: States, monkeypatch: pytest.MonkeyPatch) -> None:
    """git exports GIT_DIR to a linked worktree's hooks: the same folder, files still read."""
    where = states.where["rebase-merge"]
    monkeypatch.setenv("GIT_DIR", git_says(where)[0])
    assert read_both(where, monkeypatch).branch == "DEV-5-rebase"


@pytest.mark.parametrize("variable", ["GIT_WORK_TREE", "GIT_COMMON_DIR"])
def test_left_to_git_when_set(
    states: States, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """Either variable changes what git picks: git is asked (hooks_dir known from it)."""
    where = states.where["merge"]
    monkeypatch.chdir(where)
    value = str(where) if variable == "GIT_WORK_TREE" else str(states.main / ".git")
    monkeypatch.setenv(variable, value)
    found = gitstate.hook_state()
    assert found._hooks_dir is not None
    assert (found.operation, found.branch) == ("merge", "DEV-2-merge")


def test_a_dot_git_that_is_no_git_dir_is_left_to_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = make_repo(tmp_path / "outer", branch="DEV-9-outer")
    for name, dot_git in [
        ("dir", None),  # a .git folder without HEAD: git looks further up
        ("file", "not a pointer\n"),  # a .git file that names no git dir: git refuses it
        ("gone", "gitdir: ../nowhere\n"),
    ]:
        inner = outer / name
        inner.mkdir()
        if dot_git is None:
            (inner / ".git").mkdir()
        else:
            (inner / ".git").write_text(dot_git)
        monkeypatch.chdir(inner)
        assert gitstate._git_dir_here() is None
        if name == "dir":
            found = gitstate.hook_state()
            assert (found.toplevel, found.branch) == (str(outer), "DEV-9-outer")
        else:
            with pytest.raises(UsageError, match=r"^not inside a git work tree"):
                gitstate.hook_state()


def test_a_relative_gitdir_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A submodule's (and `git init --separate-git-dir`'s) .git file: a path from the top."""
    repo = make_repo(tmp_path / "work", branch="DEV-10-sep")
    (repo / ".git").rename(tmp_path / "stored")
    (repo / ".git").write_text("gitdir: ../stored\n")
    state = read_both(repo, monkeypatch)
    assert (state.git_dir, state.branch) == (str(tmp_path / "stored"), "DEV-10-sep")
    assert gitstate._git_dir_here() == (str(repo), str(tmp_path / "stored"))


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for read in (gitstate.hook_state, lambda: gitstate.read_state(str(tmp_path))):
        with pytest.raises(UsageError) as failed:
            read()
        assert str(failed.value) == (
            "not inside a git work tree (not a git repository (or any of the parent "
            "directories): .git); run this from a repository"
        )


@pytest.mark.skipif(sys.platform == "win32", reason="Windows forbids these in file names")
def test_paths_with_odd_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git writes each path raw on a line of its own: a line separator that is no line feed
    is part of the path (str.splitlines cut there), a line feed cannot be told apart."""
    odd = make_repo(tmp_path / "a\u2028b\x1cc\rd", branch="DEV-11-odd")
    state = read_both(odd, monkeypatch)
    assert (state.toplevel, state.branch) == (str(odd), "DEV-11-odd")
    broken = make_repo(tmp_path / "a\nb", branch="DEV-12-nl")
    with pytest.raises(UsageError) as failed:
        gitstate.read_state(str(broken))
    assert str(failed.value) == (
        f"the path of this repository has a line break in it ({str(tmp_path / 'a')!r}...); "
        "tracker-git reads git's paths one a line: rename the folder"
    )


def test_state_files_are_utf_8_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git writes ref names as bytes, UTF-8 as typed: read as UTF-8 in the C locale too (and
    on Windows, whose locale encoding is a code page)."""
    repo = make_repo(tmp_path / "repo", branch="DEV-7-café")
    git(repo, "worktree", "add", "-q", "-b", "DEV-8-naïve", str(tmp_path / "wt"))
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        assert read_both(repo, monkeypatch).branch == "DEV-7-café"
        state = read_both(tmp_path / "wt", monkeypatch)
        assert (state.branch, state.common_dir) == ("DEV-8-naïve", str(repo / ".git"))
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script is no program on Windows")
def test_git_that_dies_without_a_word(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git killed by a signal says nothing: its exit code is the reason."""
    dying = tmp_path / "bin" / "git"
    dying.parent.mkdir()
    dying.write_text("#!/bin/sh\nkill -KILL $$\n")
    dying.chmod(0o755)
    monkeypatch.setenv("PATH", str(dying.parent))
    with pytest.raises(UsageError) as failed:
        gitstate.read_state(str(tmp_path))
    assert str(failed.value) == (
        "not inside a git work tree (exit code -9); run this from a repository"
    )
