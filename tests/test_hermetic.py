"""The suite owes nothing to the machine's git configuration (conftest, testing/isolation.py)."""

from __future__ import annotations

import os
import subprocess
import sys
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


def _inherited() -> list[str]:
    """The token and CI variables of the tables that a test sees."""
    from tracker_git import secrets
    from tracker_git.core import ciplatforms

    names = [*secrets.TOKEN_VARIABLES, secrets.TOKEN_HOST, *ciplatforms.VARIABLES]
    return [name for name in names if name in os.environ]


def test_no_token_or_ci_variable_reaches_a_test() -> None:
    """Run inside a CI (GITHUB_ACTIONS, GITHUB_OUTPUT) or by a developer with GH_TOKEN set,
    the suite sees none of them."""
    assert _inherited() == []


def test_every_token_and_ci_variable_of_the_tables_is_cleared(tmp_path: Path) -> None:
    """The machine's environment holding every variable of the forge and CI tables (gh's
    GH_ENTERPRISE_TOKEN included): the test above, run by pytest in a child, still sees none."""
    from tracker_git import secrets
    from tracker_git.core import ciplatforms

    names = [*secrets.TOKEN_VARIABLES, secrets.TOKEN_HOST, *ciplatforms.VARIABLES]
    env = {**os.environ, **dict.fromkeys(names, "canary-machine-value")}
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         f"{Path(__file__).resolve()}::test_no_token_or_ci_variable_reaches_a_test"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
