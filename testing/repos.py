"""Real git repositories in temporary folders, for the tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(cwd: str | os.PathLike[str], *args: str, check: bool = True, **kw: object) -> str:
    """Run git in `cwd` and return its stdout (text). Raises on failure unless check=False."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        **kw,  # type: ignore[call-overload]
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return str(proc.stdout)


def run(cwd: str | os.PathLike[str], *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run any command in `cwd`, capturing text output, never raising."""
    options: dict[str, object] = {"capture_output": True, "text": True, "check": False, **kw}
    return subprocess.run(list(args), cwd=cwd, **options)  # type: ignore[call-overload, no-any-return]


def make_repo(path: Path, branch: str = "main", initial_commit: bool = True) -> Path:
    """A new repository at `path` on `branch`, with one commit unless initial_commit=False."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    if initial_commit:
        (path / "README").write_text("hello\n")
        git(path, "add", "README")
        git(path, "commit", "-q", "--no-verify", "-m", "initial commit")
    return path


def commit_file(repo: Path, name: str, content: str, message: str, *extra: str) -> str:
    """Write a file, commit it (hooks run unless --no-verify is in `extra`), return git's stdout."""
    (repo / name).write_text(content)
    git(repo, "add", name)
    return git(repo, "commit", "-q", "-m", message, *extra)


def head_message(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%B", rev)
