"""A file a repository names is a file git tracks (issue 19): `[pr] template` (and any later
file setting, through core/repofile.py) may not read `.git/config`, an ignored `.env`, an
untracked file, a symlink or anything outside the work tree; the attack end to end sends
nothing to the forge."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from testing.repos import commit_file, git, make_repo
from tests.pr.conftest import CANARY, Setup
from tracker_git.core import repofile
from tracker_git.core.errors import ConfigError
from tracker_git.pr.template import MAX_TEMPLATE, load_template

SECRET = "canary-in-git-config-7d1e"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "origin", f"https://user:{SECRET}@example.test/octo/hello.git")
    git(repo, "config", "http.extraheader", f"AUTHORIZATION: basic {SECRET}")
    (repo / ".gitignore").write_text(".env\nbuild/\n")
    (repo / ".env").write_text(f"DATABASE_PASSWORD={SECRET}\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "pr.md").write_text("ours\n")
    (repo / "big.md").write_text("x" * (MAX_TEMPLATE + 1))
    (repo / "ok-link.md").symlink_to("docs/pr.md")
    (repo / "cfg.md").symlink_to(".git/config")
    (repo / "linked").symlink_to(".git")
    git(repo, "add", ".gitignore", "docs/pr.md", "big.md", "ok-link.md", "cfg.md", "linked")
    git(repo, "add", "-f", ".env")  # even force-added, an ignored file is refused
    git(repo, "commit", "-q", "--no-verify", "-m", "files")
    (repo / "untracked.md").write_text(f"{SECRET}\n")
    (repo / "build").mkdir()
    (repo / "build" / "notes.md").write_text(f"{SECRET}\n")
    return repo


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        (".git/config", "inside .git/"),
        (".GIT/config", "inside .git/"),
        ("./.git/config", "inside .git/"),
        ("docs/../.git/config", "not a path inside the repository"),
        ("/proc/self/environ", "not a path inside the repository"),
        ("~/.netrc", "not a path inside the repository"),
        ("../outside.md", "not a path inside the repository"),
        (".env", "not a file git tracks"),
        ("untracked.md", "not a file git tracks"),
        ("build/notes.md", "not a file git tracks"),
        ("cfg.md", "not a file git tracks"),  # tracked, but as a symlink
        ("ok-link.md", "not a file git tracks"),
        ("linked/config", "not a file git tracks"),
        ("docs", "not a file git tracks"),
        ("big.md", "larger than 256 KiB"),
    ],
)
def test_a_template_git_does_not_track_is_a_config_error_naming_it(
    repo: Path, setting: str, why: str
) -> None:
    with pytest.raises(ConfigError, match=why) as refused:
        load_template(setting, str(repo))
    assert "[pr] template" in str(refused.value) and SECRET not in str(refused.value)


def test_a_tracked_file_whose_work_tree_copy_is_not_plain_is_refused(repo: Path) -> None:
    os.unlink(repo / "docs" / "pr.md")
    os.mkfifo(repo / "docs" / "pr.md")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_template("docs/pr.md", str(repo))
    os.unlink(repo / "docs" / "pr.md")
    (repo / "docs" / "pr.md").symlink_to(repo / ".git" / "config")
    with pytest.raises(ConfigError, match="symlink"):
        load_template("docs/pr.md", str(repo))
    os.unlink(repo / "docs" / "pr.md")
    with pytest.raises(ConfigError, match="no such file"):
        load_template("docs/pr.md", str(repo))
    (repo / "docs").rmdir()
    (repo / "docs").symlink_to(repo / ".git")  # the folder swapped for a link
    with pytest.raises(ConfigError, match=r"symlink|not a file git tracks"):
        load_template("docs/pr.md", str(repo))


def test_tracked_files_are_read_from_the_index_or_head(repo: Path) -> None:
    assert load_template("docs/pr.md", str(repo)) == "ours\n"
    assert load_template("docs\\pr.md", str(repo)) == "ours\n"
    (repo / "new.md").write_text("added, not committed\n")
    git(repo, "add", "new.md")
    assert load_template("new.md", str(repo)) == "added, not committed\n"
    git(repo, "rm", "-q", "--cached", "docs/pr.md")  # still in HEAD
    assert load_template("docs/pr.md", str(repo)) == "ours\n"
    assert (
        repofile.read_tracked(str(repo), "new.md", setting="[release] template", fix="fix it")
        == b"added, not committed\n"
    )


@pytest.mark.parametrize("setup", ["github"], indirect=True)
def test_a_template_naming_git_config_publishes_nothing(setup: Setup) -> None:
    """The attack end to end: the cloned file names .git/config; `pr --no-edit` stops with a
    config error before any request reaches the forge."""
    git(setup.repo, "config", "http.extraheader", f"AUTHORIZATION: basic {SECRET}")
    config = '[pr]\ntemplate = ".git/config"\n'
    commit_file(setup.repo, ".tracker-git.toml", config, "DEMO-2: config", "--no-verify")
    result = setup.run("--no-edit")
    assert result.returncode == 2, result.stderr
    assert "[pr] template '.git/config' is inside .git/" in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert SECRET not in repr(setup.forge.requests)
    assert setup.writes() == [] and CANARY not in result.stderr
