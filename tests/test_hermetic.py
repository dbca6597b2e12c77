"""The suite owes nothing to the machine's git configuration (conftest, testing/isolation.py)."""

from __future__ import annotations

import os
from pathlib import Path

from testing.repos import git, make_repo


def test_git_reads_only_the_tests_own_config(isolated_home: Path, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    listing = git(repo, "config", "--list", "--show-scope", "--show-origin")
    scopes = {line.split("\t")[0] for line in listing.splitlines()}
    assert scopes == {"global", "local"}, listing  # no system file, no command-line extras
    origins = {line.split("\t")[1] for line in listing.splitlines() if line.startswith("global")}
    assert origins == {f"file:{isolated_home / '.gitconfig'}"}
    assert git(repo, "config", "user.email").strip() == "test@example.com"
    assert "gpgsign" not in listing


def test_home_and_folders_are_the_tests_own(isolated_home: Path) -> None:
    assert os.environ["HOME"] == str(isolated_home)
    assert not any(name.startswith("XDG_") and name.endswith("_HOME") for name in os.environ)
    from tracker_git.core import paths

    assert paths.user_config_file().startswith(str(isolated_home))
