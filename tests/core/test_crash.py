"""The crash report of a bug (issue 25 item 6): in the state folder, private, with versions,
the command and the traceback, without a secret; a real hook process that hits an unexpected
error says where its report is and exits 3."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import make_repo
from tracker_git.core import crash, paths

CANARY = "canary-token-0123456789abcdef"
HOOK = str(Path(sys.executable).with_name("tracker-git-hook"))


def boom() -> BaseException:
    try:
        raise RuntimeError(f"failed while holding {CANARY}")
    except RuntimeError as exc:
        return exc


def test_the_report_holds_versions_command_and_traceback_but_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_SERVICE_PASSWORD", "hunter2-is-long-enough")
    where = crash.write(boom(), ["git-tracker", "show", "--token-like", CANARY], "9.9.9", [CANARY])
    assert where is not None
    report = Path(where)
    assert report.parent == Path(paths.user_state_dir()) / "crashes"
    text = report.read_text()
    assert "tracker-git: 9.9.9" in text
    assert f"python:      {sys.version.split()[0]}" in text
    assert "command:     git-tracker show --token-like ***" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: failed while" in text
    assert CANARY not in text and "hunter2-is-long-enough" not in text
    if sys.platform != "win32":
        assert stat.S_IMODE(report.stat().st_mode) == 0o600
        assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700


def test_old_reports_are_pruned() -> None:
    folder = Path(crash.folder())
    folder.mkdir(parents=True)
    for n in range(crash.KEEP + 5):
        (folder / f"crash-20000101-0000{n:02d}-1.txt").write_text("old")
    assert crash.write(boom(), ["git-tracker"], "1") is not None
    assert len(list(folder.iterdir())) == crash.KEEP
    assert not (folder / "crash-20000101-000000-1.txt").exists()


def test_a_report_that_cannot_be_written_is_no_second_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "state-is-a-file"
    blocker.write_text("")
    env = {"XDG_STATE_HOME": str(blocker)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assert crash.write(boom(), ["git-tracker"], "1") is None
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_an_unexpected_error_in_a_hook_writes_a_report_and_exits_3(tmp_path: Path) -> None:
    """A real hook process: given a folder as the message file (git never does; the hook does
    not expect it), it fails unexpectedly."""
    repo = make_repo(tmp_path / "repo")
    folder = tmp_path / "not-a-message"
    folder.mkdir()
    done = subprocess.run(
        [HOOK, "commit-msg", str(folder)], capture_output=True, text=True, cwd=repo,
        env={**os.environ, "TRACKER_TOKEN": CANARY}, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "(a bug of tracker-git); the crash report is " in done.stderr
    where = Path(done.stderr.split("the crash report is ")[1].split("; report it")[0])
    assert where.parent == Path(paths.user_state_dir()) / "crashes"
    text = where.read_text()
    assert "IsADirectoryError" in text and f"commit-msg {folder}" in text
    assert CANARY not in text
