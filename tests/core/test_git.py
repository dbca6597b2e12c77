"""tracker_git.core.git, the one place that starts git: its environment, its reading of git's
failures (one line: what failed, git's own reason, what to do), and git that cannot start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from testing.repos import git as git_in
from testing.repos import make_repo
from tracker_git import gitcli, secrets
from tracker_git.core import git
from tracker_git.core.errors import OperationFailed

# git runs the alias through the shell: what the child of git sees of the environment.
SHOW_ENV = ["-c", "alias.show-env=!env", "show-env"]


def test_no_child_gets_a_withheld_variable_even_from_its_own_environment(
    tmp_path: Path,
) -> None:
    """The demo gave its git an environment of its own with the tokens in it; now the runner
    withholds them from every environment."""
    os.environ["GITLAB_TOKEN"] = "canary-runner-1"
    secrets.scrub_environment()
    own = {**os.environ, "GH_TOKEN": "canary-runner-2", "KEPT_VARIABLE": "kept"}
    for env in (None, own):
        seen = git.output(SHOW_ENV, str(tmp_path), env=env)
        assert "canary-runner" not in seen
    assert "KEPT_VARIABLE=kept" in seen
    assert secrets.forge_token("gitlab", "https://gitlab.com/api/v4") == "canary-runner-1"


def test_a_failure_is_one_line_with_gits_own_reason(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    args = ["log", "nowhere..HEAD"]
    with pytest.raises(git.GitFailed) as failed:
        git.output(args, str(repo))
    message = str(failed.value)
    assert failed.value.command == ["git", *args]
    assert failed.value.code == 128
    # git's first complaint, not the usage synopsis it prints last, nor its "fatal:".
    assert failed.value.reason.startswith("ambiguous argument 'nowhere..HEAD': unknown revision")
    assert message.startswith("git log nowhere..HEAD failed (ambiguous argument")
    assert message.endswith("; run it yourself to see all git says")
    assert "\n" not in message and isinstance(failed.value, OperationFailed)


def test_the_reason_skips_hints_and_aborting() -> None:
    err = b"hint: try this\nerror: Your local changes would be overwritten\n\tREADME\nAborting\n"
    assert git.reason(err, 1) == "Your local changes would be overwritten"
    assert git.reason(b"hint: only a hint\nsomething odd\n", 1) == "something odd"
    assert git.reason(b"", 3) == "exit code 3"
    assert git.reason(None, 1) == "exit code 1, see git's message above"


def test_a_branch_switch_in_the_way_of_local_changes_says_gits_reason(tmp_path: Path) -> None:
    """gitcli worded its failures apart (`cannot switch to X: ...`); now the runner's way."""
    repo = make_repo(tmp_path / "repo")
    git_in(repo, "checkout", "-q", "-b", "other")
    (repo / "README").write_text("on other\n")
    git_in(repo, "commit", "-q", "-am", "other", "--no-verify")
    git_in(repo, "checkout", "-q", "main")
    (repo / "README").write_text("changed, not committed\n")
    with pytest.raises(git.GitFailed) as failed:
        gitcli.switch("other", create=False, cwd=str(repo))
    assert str(failed.value).startswith(
        "switching to other failed (Your local changes to the following files would be "
    )
    assert "commit or stash your changes" in str(failed.value)


def test_git_that_cannot_start_says_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(git.GitFailed) as failed:
        git.run(["status"])
    assert failed.value.code is None
    assert str(failed.value).startswith("cannot run git (")
    assert str(failed.value).endswith("install git or put it on PATH")


def test_a_failed_attached_run_points_at_what_git_said(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with pytest.raises(git.GitFailed) as failed:
        git.attached(["push", "nowhere", "HEAD"], str(repo), what="git push to nowhere")
    assert str(failed.value).startswith(
        "git push to nowhere failed (exit code 128, see git's message above); "
    )
