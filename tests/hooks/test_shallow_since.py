"""`[hooks] since` naming a commit a shallow clone does not have: the push hook says so in a
note and checks what the remote lacks; it never blocks over it, nor tells one developer to
edit the team's file."""

from __future__ import annotations

import os
from pathlib import Path

from testing.repos import git, make_repo, run
from tracker_git import plainhooks
from tracker_git.core import gitstate

NO_HOOKS = {**os.environ, "TRACKER_GIT_SKIP": "1"}


def commit(repo: Path, message: str, hooks: bool = True) -> None:
    (repo / "f").write_text(message)
    git(repo, "add", "f")
    git(repo, "commit", "-q", "-m", message, env=None if hooks else NO_HOOKS)


def test_a_since_beyond_a_shallow_clone_is_a_note(tmp_path: Path) -> None:
    team = make_repo(tmp_path / "team")
    old = git(team, "rev-parse", "HEAD").strip()
    commit(team, "DEV-1: later", hooks=False)
    (team / ".tracker-git.toml").write_text(f'queues = ["DEV"]\n[hooks]\nsince = "{old}"\n')
    git(team, "add", ".tracker-git.toml")
    commit(team, "DEV-2: since", hooks=False)
    git(tmp_path, "init", "-q", "--bare", "remote.git")
    git(team, "push", "-q", str(tmp_path / "remote.git"), "main")

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{tmp_path / 'remote.git'}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    plainhooks.install(gitstate.read_state(str(clone)))
    git(clone, "checkout", "-q", "-b", "DEV-3-x")
    commit(clone, "DEV-3: work")
    pushed = run(clone, "git", "push", "-q", "origin", "DEV-3-x")
    assert pushed.returncode == 0, pushed.stderr
    assert f"note: [hooks] since ('{old}') is not in this shallow or partial clone" in (
        pushed.stderr
    )

    commit(clone, "no key at all", hooks=False)
    refused = run(clone, "git", "push", "-q", "origin", "DEV-3-x")
    assert refused.returncode == 1  # what the remote lacks is still checked
    assert "1 commit(s) to push reference no valid issue key" in refused.stderr
    assert ".tracker-git.toml" not in refused.stderr  # no advice to edit the team's file


def test_a_since_naming_nothing_in_a_full_clone_is_still_an_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text('[hooks]\nsince = "0123456789abcdef"\n')
    plainhooks.install(gitstate.read_state(str(repo)))
    git(tmp_path, "init", "-q", "--bare", "remote.git")
    pushed = run(repo, "git", "push", "-q", str(tmp_path / "remote.git"), "main")
    assert pushed.returncode != 0
    assert "names no commit of this repository" in pushed.stderr
