"""The fallbacks for systems without the POSIX calls the fast paths use (Windows), run here on
Linux: with the call taken away as Windows lacks it, and with TRACKER_GIT_FALLBACKS=1, which
takes every fallback (CI runs the hooks, core and command tests again under it)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import paths, portable

# A child Python without os.posix_spawnp, as on Windows: the git runner must still run git,
# captured and attached, and still report what it cannot start.
WITHOUT_POSIX_SPAWN = """
import os, sys
{forbid}
from tracker_git.core import git
repo = sys.argv[1]
print(git.output(["rev-parse", "--abbrev-ref", "HEAD"], repo).strip())
print(git.run(["hash-object", "--stdin"], repo, stdin=b"hello\\n")[1].decode().strip())
print(git.answer(["config", "--get", "no.such"], repo))
git.attached(["--no-pager", "log", "-1", "--format=attached %s"], repo)
try:
    git.output(["rev-parse", "--verify", "nope"], repo)
except git.GitFailed as exc:
    print("failed:", str(exc).split(" failed ")[0])
os.environ["PATH"] = ""
try:
    git.run(["status"], repo)
except git.GitFailed as exc:
    print("cannot start:", str(exc).startswith("cannot run git"))
"""


@pytest.mark.parametrize(
    ("forbid", "env"),
    [
        ("del os.posix_spawnp", {}),  # as on Windows
        (  # asked for where posix_spawnp exists: it must not be called
            "def no(*a, **k): raise AssertionError('posix_spawnp called')\nos.posix_spawnp = no",
            {"TRACKER_GIT_FALLBACKS": "1"},
        ),
    ],
)
def test_git_runs_without_posix_spawn(tmp_path: Path, forbid: str, env: dict[str, str]) -> None:
    repo = make_repo(tmp_path / "repo")
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_POSIX_SPAWN.format(forbid=forbid), str(repo)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    blob = git(repo, "hash-object", "--stdin", input="hello\n").strip()
    assert proc.stdout.splitlines() == [
        "main",
        blob,
        "None",
        "failed: git rev-parse --verify nope",
        "cannot start: True",
    ]
    assert proc.stderr == "attached initial commit\n"  # git's stdout joined to our stderr


def test_private_files_without_fchmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no os.fchmod: the mode is set by path (on Windows only read-only counts)."""
    monkeypatch.delattr(os, "fchmod")
    old = os.umask(0)
    try:
        paths.write_private(str(tmp_path / "a" / "f"), b"x\r\n\x1a")
    finally:
        os.umask(old)
    target = tmp_path / "a" / "f"
    assert (target.read_bytes(), stat.S_IMODE(target.stat().st_mode)) == (b"x\r\n\x1a", 0o600)


@pytest.mark.parametrize(
    ("value", "asked"),
    [(None, False), ("", False), ("0", False), ("1", True), ("yes", True)],
)
def test_fallbacks_are_asked_for_by_a_value_but_empty_and_0(
    monkeypatch: pytest.MonkeyPatch, value: str | None, asked: bool
) -> None:
    if value is None:
        monkeypatch.delenv("TRACKER_GIT_FALLBACKS", raising=False)
    else:
        monkeypatch.setenv("TRACKER_GIT_FALLBACKS", value)
    assert portable.fallbacks() is asked


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes; no fchmod on Windows")
def test_chmod_open_sets_the_open_file_and_by_path_in_the_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fchmod sets the file that is open, whatever its name is now (a rename after the open
    does not matter); the fallback sets the file at the path it is given, as on Windows."""
    opened, renamed, other = (tmp_path / name for name in ("opened", "renamed", "other"))
    for path in (opened, other):
        path.write_text("")
        path.chmod(0o644)
    monkeypatch.delenv("TRACKER_GIT_FALLBACKS", raising=False)
    fd = os.open(opened, os.O_RDONLY)
    try:
        os.replace(opened, renamed)
        portable.chmod_open(fd, str(opened), 0o600)  # its old name: gone
        assert stat.S_IMODE(renamed.stat().st_mode) == 0o600
        monkeypatch.setenv("TRACKER_GIT_FALLBACKS", "1")
        portable.chmod_open(fd, str(other), 0o640)  # by path: the file at `other`
        assert [stat.S_IMODE(p.stat().st_mode) for p in (renamed, other)] == [0o600, 0o640]
        with pytest.raises(FileNotFoundError):
            portable.chmod_open(fd, str(opened), 0o600)
    finally:
        os.close(fd)
