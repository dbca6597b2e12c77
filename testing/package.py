"""This work tree's package as a release looks from outside: a git repository holding a copy of
the package files (the current code, nobody's half-committed work elsewhere), tagged
v<version> as a release is. For the tests that install tracker-git the ways users do (pip or
pipx from a git URL, pre-commit's `repo:` + `rev:`), through a file:// URL: no network."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tracker_git import about, precommit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")


def release_repo(dest: Path, env: dict[str, str]) -> tuple[str, str]:
    """Make the repository at `dest`; its file:// URL and the release tag."""
    dest.mkdir(parents=True)
    for name in PACKAGE_FILES:
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "tracker_git",
        dest / "tracker_git",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    tag = precommit.tag(about.version())
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("commit", "-q", "--no-verify", "-m", "DEV-1: tracker-git under test"),
        ("tag", tag),
    ):
        proc = subprocess.run(
            ["git", *args], cwd=dest, env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, f"git {args} failed:\n{proc.stderr}"
    return dest.as_uri(), tag
