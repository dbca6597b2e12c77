"""The install routes the README lists, from a git URL: `pip install git+<url>@v<version>` into
a clean virtual environment and `pipx install git+<url>@v<version>`, each against a file://
repository holding this work tree's package, tagged as a release is (testing/package.py). The
wheel route (python -m build, twine check, the demo from the installed wheel) is
scripts/package, which .ci/run runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing.package import release_repo
from tracker_git import about

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow  # each installs the package into a fresh environment


def sh(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
        check=False, timeout=600,
    )  # fmt: skip


@pytest.fixture
def release(tmp_path: Path) -> str:
    """`git+file://...@v<version>`: what the README's git-URL routes install."""
    url, tag = release_repo(tmp_path / "tracker-git", dict(os.environ))
    return f"git+{url}@{tag}"


def installed_works(bin_dir: Path, cwd: Path) -> None:
    """The two entry points run, and init reads the version and URL from the metadata."""
    version = sh(cwd, str(bin_dir / "git-tracker"), "--version")
    assert (version.returncode, version.stdout) == (0, f"git tracker {about.version()}\n")
    hook = sh(cwd, str(bin_dir / "tracker-git-hook"))
    assert hook.returncode == 2 and hook.stderr.startswith("usage: tracker-git-hook")
    repo = cwd / "repo"
    assert sh(cwd, "git", "init", "-q", str(repo)).returncode == 0
    init = sh(repo, "git", "tracker", "init", PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert init.returncode == 0, init.stderr
    assert f"  - repo: {about.project_url()}\n    rev: v{about.version()}\n" in init.stdout


def test_pip_install_from_a_git_url(tmp_path: Path, release: str) -> None:
    venv = tmp_path / "venv"
    assert sh(tmp_path, sys.executable, "-m", "venv", str(venv)).returncode == 0
    pip = sh(tmp_path, str(venv / "bin" / "python"), "-m", "pip", "install", "-q", release)
    assert pip.returncode == 0, pip.stderr
    installed_works(venv / "bin", tmp_path)


def test_pipx_install_from_a_git_url(tmp_path: Path, release: str) -> None:
    where = {
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    proc = sh(tmp_path, str(BIN / "pipx"), "install", release, **where)
    assert proc.returncode == 0, proc.stderr
    installed_works(tmp_path / "bin", tmp_path)
    # The man page travels as a data file: pipx links it where `man` finds it.
    assert (tmp_path / "man" / "man1" / "git-tracker.1").exists()
