"""An address never blocks a commit, and our folders are never world-writable (issue 19).
A repository's `api_url` with a fullwidth slash (Python's urlsplit refuses it) made `show`
crash and failed the commit-msg hook; under `umask 000`, ~/.config and ~/.cache were made
world-writable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git import plainhooks
from tracker_git.core import gitstate, paths

CLI = str(Path(sys.executable).parent / "git-tracker")
MALFORMED = [
    "https://api.tracker.yandex.net\uff0fv3",  # a fullwidth slash
    "https://[::1/x",  # a bad IPv6 literal
    "https://api.tracker.yandex.net:99999",  # a port out of range
    "https://evil.test\\.api.tracker.yandex.net",  # read two ways
]


def hooked_repo(tmp_path: Path, api_url: str, strict: bool) -> Path:
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text(
        'queues = ["DEMO"]\n'
        f"[hooks]\nonline = true\nstrict = {'true' if strict else 'false'}\n"
        f"[tracker]\norg_id = \"1\"\napi_url = '{api_url}'\n",  # a literal string: no escapes
        encoding="utf-8",
    )
    plainhooks.install(gitstate.read_state(str(repo)))
    return repo


def run(repo: Path, *argv: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_TOKEN": "canary-address-token"}
    return subprocess.run(
        list(argv), cwd=repo, env=env, capture_output=True, text=True, timeout=60,
        check=False, preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )  # fmt: skip


@pytest.mark.parametrize("api_url", MALFORMED)
@pytest.mark.parametrize("strict", [False, True])
def test_a_malformed_address_is_a_note_and_the_commit_goes_on(
    tmp_path: Path, api_url: str, strict: bool
) -> None:
    repo = hooked_repo(tmp_path, api_url, strict)
    (repo / "f").write_text("x\n")
    git(repo, "add", "f")
    done = run(repo, "git", "commit", "-q", "-m", "DEMO-1: x")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("warning: skipped the online key check:"), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "canary-address-token" not in done.stderr
    # The offline check still runs: a message without a key is still refused.
    refused = run(repo, "git", "commit", "-q", "--allow-empty", "-m", "no key here")
    assert refused.returncode != 0 and "DEMO" in refused.stderr, refused.stderr


@pytest.mark.parametrize("api_url", MALFORMED[:3])
def test_a_command_says_what_is_wrong_in_one_line(tmp_path: Path, api_url: str) -> None:
    repo = hooked_repo(tmp_path, api_url, strict=False)
    shown = run(repo, CLI, "show", "DEMO-1")
    assert shown.returncode == 2, shown.stderr
    assert shown.stderr.count("\n") == 1 and "Traceback" not in shown.stderr, shown.stderr
    assert "not an address" in shown.stderr or "bad port" in shown.stderr, shown.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_folders_we_create_are_never_world_writable_whatever_the_umask(
    tmp_path: Path, isolated_home: Path
) -> None:
    repo = hooked_repo(tmp_path, "http://127.0.0.1:9", strict=False)  # trust writes its file
    for folder in (".config", ".cache", ".local"):
        assert not (isolated_home / folder).exists()
    (repo / "f").write_text("x\n")
    git(repo, "add", "f")
    assert run(repo, "git", "commit", "-q", "-m", "DEMO-1: x", umask=0).returncode == 0
    assert run(repo, CLI, "trust", "--yes", umask=0).returncode == 0
    made = [p for p in isolated_home.rglob("*") if p.is_dir()]
    assert isolated_home / ".cache" in made and isolated_home / ".config" in made
    for made_folder in made:
        assert not mode(made_folder) & 0o022, f"{made_folder}: {oct(mode(made_folder))}"
    # The one helper, in-process: parents 0700, the folder as asked minus group/other write.
    old = os.umask(0)
    try:
        made_here = paths.make_folder(str(tmp_path / "a" / "b" / "hooks"), 0o777)
    finally:
        os.umask(old)
    assert mode(Path(made_here)) == 0o755
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
