"""The comment string and cleanup mode a message is read with (core/gitconfig.py): the hooks
read them without starting git where no config file git reads can set them, and ask git
wherever one can. Real git, real files; the global file is the test's own (GIT_CONFIG_GLOBAL
in the test's HOME).

The probe setting is core.commentChar=D: then the subject `DEV-1: fix login` is a comment
line, what is left has no key, and the commit-msg hook refuses it; so a refusal shows the
setting was read.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from testing.repos import git, make_repo, run
from tracker_git import plainhooks
from tracker_git.core import gitstate, paths

MESSAGE = "DEV-1: fix login\n\nthe form broke"
REFUSED = "references no issue key"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = make_repo(tmp_path / "repo")
    plainhooks.install(gitstate.read_state(str(path)))
    return path


def commit(repo: Path, *git_options: str, message: str = MESSAGE, **env: str) -> str:
    """'ok' or the hook's reason: `git [OPTIONS] commit -m MESSAGE` with `env` on top of ours
    (a value of "" removes the variable)."""
    (repo / "file").write_text(f"{len(list(repo.iterdir()))} {message}\n")
    git(repo, "add", "file")
    environ = {k: v for k, v in {**os.environ, **env}.items() if v != ""}
    proc = run(repo, "git", *git_options, "commit", "-q", "-m", message, env=environ)
    return "ok" if proc.returncode == 0 else proc.stderr.strip()


def global_file() -> Path:
    return Path(os.environ["GIT_CONFIG_GLOBAL"])


def test_without_the_setting_the_message_passes(repo: Path) -> None:
    assert commit(repo) == "ok"


def test_in_the_global_file(repo: Path) -> None:
    git(repo, "config", "--global", "core.commentChar", "D")
    assert REFUSED in commit(repo)


def test_in_the_repository(repo: Path) -> None:
    git(repo, "config", "core.commentChar", "D")
    assert REFUSED in commit(repo)


def test_in_the_worktree_config(repo: Path) -> None:
    git(repo, "config", "extensions.worktreeConfig", "true")
    git(repo, "config", "--worktree", "core.commentChar", "D")
    assert REFUSED in commit(repo)


def test_in_a_linked_worktree_from_the_shared_config(repo: Path, tmp_path: Path) -> None:
    git(repo, "worktree", "add", "-q", "-b", "topic-DEV-1", str(tmp_path / "linked"))
    assert commit(tmp_path / "linked") == "ok"
    git(repo, "config", "core.commentChar", "D")
    assert REFUSED in commit(tmp_path / "linked")


def test_in_a_file_the_global_file_includes(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "more").write_text("[core]\n\tcommentChar = D\n")
    with global_file().open("a") as f:
        f.write(f"[include]\n\tpath = {tmp_path / 'more'}\n")
    assert REFUSED in commit(repo)


def test_in_a_file_included_for_this_repository_only(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "more").write_text("[core]\n\tcommentChar = D\n")
    with global_file().open("a") as f:
        f.write(f'[includeIf "gitdir:{repo}/"]\n\tpath = {tmp_path / "more"}\n')
    assert REFUSED in commit(repo)


def test_on_the_command_line(repo: Path) -> None:
    assert REFUSED in commit(repo, "-c", "core.commentChar=D")


def test_in_the_environment(repo: Path) -> None:
    pairs = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.commentChar"}
    assert REFUSED in commit(repo, GIT_CONFIG_VALUE_0="D", **pairs)


def test_in_a_system_file_named_by_git_config_system(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "system").write_text("[core]\n\tcommentChar = D\n")
    system = {"GIT_CONFIG_SYSTEM": str(tmp_path / "system"), "GIT_CONFIG_NOSYSTEM": ""}
    assert REFUSED in commit(repo, **system)
    assert commit(repo, **{**system, "GIT_CONFIG_NOSYSTEM": "1"}) == "ok"


def test_in_the_xdg_file(repo: Path, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    (xdg / "git").mkdir(parents=True)
    (xdg / "git" / "config").write_text("[core]\n\tcommentChar = D\n")
    # The XDG file is read where GIT_CONFIG_GLOBAL is not set; HOME's .gitconfig then is.
    assert REFUSED in commit(repo, XDG_CONFIG_HOME=str(xdg), GIT_CONFIG_GLOBAL="")


def test_commit_cleanup_in_mixed_case(repo: Path) -> None:
    """verbatim keeps a `#` line, so a key standing there counts."""
    keyed_comment = "fix login\n\n# DEV-1"
    assert REFUSED in commit(repo, message=keyed_comment)
    with global_file().open("a") as f:
        f.write("[Commit]\n\tCleanUp = verbatim\n")
    assert commit(repo, message=keyed_comment) == "ok"


def test_git_is_not_started_where_nothing_can_be_set(repo: Path, tmp_path: Path) -> None:
    """A `git` on PATH that logs its calls: the first hook run asks it once where its system
    file is (kept in the cache), later runs start no git at all; a file that mentions one of
    the settings brings the `git config` call back."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "git.log"
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True)
    logger = folder / "git"
    logger.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec {real.stdout.strip()} "$@"\n')
    logger.chmod(0o755)
    (tmp_path / "msg").write_text(f"{MESSAGE}\n")
    hook = str(repo / ".git" / "hooks" / "commit-msg")
    environ = {k: v for k, v in os.environ.items() if k != "GIT_CONFIG_NOSYSTEM"}
    environ["PATH"] = f"{folder}{os.pathsep}{environ['PATH']}"

    def calls() -> list[str]:
        proc = run(repo, hook, str(tmp_path / "msg"), env=environ)
        assert proc.returncode == 0, proc.stderr
        found = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return found

    assert calls() == ["config --system --edit"]
    assert calls() == []
    cached = (Path(paths.user_cache_dir()) / "gitconfig.marshal").read_bytes()
    assert str(logger).encode() in cached
    git(repo, "config", "user.comment", "x")  # "comment": only git can tell what it sets
    assert [line.split(" ")[:2] for line in calls()] == [["config", "-z"]]
    git(repo, "config", "--unset", "user.comment")
    assert calls() == []
    logger.write_text(logger.read_text() + "\n")  # another git: asked anew
    assert calls() == ["config --system --edit"]


def logging_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose `git` on PATH logs its calls to the returned file."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    log = tmp_path / "git.log"
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True)
    logger = folder / "git"
    logger.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec {real.stdout.strip()} "$@"\n')
    logger.chmod(0o755)
    environ = {k: v for k, v in os.environ.items() if k != "GIT_CONFIG_NOSYSTEM"}
    environ["PATH"] = f"{folder}{os.pathsep}{environ['PATH']}"
    return environ, log


def hook_calls(repo: Path, tmp_path: Path, environ: dict[str, str], log: Path) -> list[str]:
    """The git commands one commit-msg run starts (the hook must accept MESSAGE)."""
    (tmp_path / "msg").write_text(f"{MESSAGE}\n")
    proc = run(
        repo, str(repo / ".git" / "hooks" / "commit-msg"), str(tmp_path / "msg"), env=environ
    )
    found = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stderr
    return [line for line in found if line != "config --system --edit"]


def test_includes_are_followed_without_starting_git(repo: Path, tmp_path: Path) -> None:
    """A global file that includes others (plain, relative, `~/`, includeIf, nested, in mixed
    case and with comments) starts no git where none of them sets a message setting; one
    that does, however deep, is read by git and refuses the probe message."""
    environ, log = logging_git(tmp_path)
    home = Path(environ["HOME"])
    (home / "Split").mkdir(exist_ok=True)
    (home / "Split" / "Identity").write_text("[user]\n\tname = Someone\n")
    (home / "Split" / "Work").write_text("[Include]\n\tPath = Identity ; the same folder\n")
    (tmp_path / "aliases").write_text("[alias]\n\tst = status\n")
    with global_file().open("a") as f:
        f.write(
            "[include]\n\tpath = ~/Split/Identity\n"
            f'[includeIf "gitdir:{repo}/"]\n\tpath = "~/Split/Work"  # work settings\n'
            f'[includeIf "onbranch:main"] path = {tmp_path / "aliases"}\n'
            "[include]\n\tpath = ~/missing-is-ignored\n"
        )
    assert hook_calls(repo, tmp_path, environ, log) == []
    assert commit(repo, PATH=environ["PATH"]) == "ok"
    log.unlink()
    # Two levels down, a setting: git is asked, and it reads it.
    (home / "Split" / "Identity").write_text("[core]\n\tcommentChar = D\n")
    assert [c.split(" ")[:2] for c in hook_calls_refused(repo, tmp_path, environ, log)] == [
        ["config", "-z"]
    ]


def hook_calls_refused(repo: Path, tmp_path: Path, environ: dict[str, str], log: Path) -> list[str]:
    proc = run(
        repo, str(repo / ".git" / "hooks" / "commit-msg"), str(tmp_path / "msg"), env=environ
    )
    assert proc.returncode == 1 and REFUSED in proc.stderr
    found = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [line for line in found if line != "config --system --edit"]


@pytest.mark.parametrize(
    "include",
    [
        '[include]\n\tpath = "a\\\\b"\n',  # an escape
        "[include]\n\tpath = ~root/x\n",  # another user's home
        "[include]\n\tpath = %(prefix)/etc/x\n",
        "[include]\n\tpath = a \\\n b\n",  # a continued line
    ],
)
def test_includes_only_git_can_follow_ask_git(repo: Path, tmp_path: Path, include: str) -> None:
    environ, log = logging_git(tmp_path)
    with global_file().open("a") as f:
        f.write(include)
    assert [c.split(" ")[:2] for c in hook_calls(repo, tmp_path, environ, log)] == [
        ["config", "-z"]
    ]


def test_include_cycle_is_left_to_git(repo: Path, tmp_path: Path) -> None:
    """A file including itself: git stops at its depth limit and fails; the hook asks git,
    never loops."""
    environ, log = logging_git(tmp_path)
    loop = tmp_path / "loop"
    loop.write_text(f"[include]\n\tpath = {loop}\n")
    with global_file().open("a") as f:
        f.write(f"[include]\n\tpath = {loop}\n")
    proc = run(repo, str(repo / ".git" / "hooks" / "commit-msg"), "/dev/null", env=environ)
    assert "config" in log.read_text()
    assert "Traceback" not in proc.stderr
