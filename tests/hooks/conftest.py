from __future__ import annotations

from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git import plainhooks
from tracker_git.core import gitstate


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on branch DEV-1-login with the plain hooks installed."""
    path = make_repo(tmp_path / "repo")
    git(path, "checkout", "-q", "-b", "DEV-1-login")
    plainhooks.install(gitstate.read_state(str(path)))
    return path
