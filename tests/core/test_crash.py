"""The crash report of a bug (issue 25 item 6): in the state folder, private, with versions,
the command and the traceback, without a secret; a real hook process that hits an unexpected
error says where its report is and exits 3."""

from __future__ import annotations

import calendar
import os
import platform
import re
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
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


@pytest.fixture
def east_of_utc() -> Iterator[None]:
    """A local time zone nine hours from UTC (a POSIX rule, no tz database needed), so a
    local time shows where UTC is promised."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "JST-9"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def utc_seconds(stamp: str, form: str) -> int:
    return calendar.timegm(time.strptime(stamp, form))


@pytest.mark.skipif(sys.platform == "win32", reason="time.tzset is POSIX only")
@pytest.mark.usefixtures("east_of_utc")
def test_the_whole_report_in_utc_and_its_name() -> None:
    """The report line by line (the golden text, with this Python's own values), its time and
    its file name in UTC whatever the local zone, and an argument that is not UTF-8 (argv
    carries such bytes as surrogates) kept readable instead of losing the report."""
    exc = boom()
    before = int(time.time())
    where = crash.write(exc, ["git-tracker", "show", CANARY, "caf\udce9"], "9.9.9", [CANARY])
    after = time.time()
    assert where is not None
    name = re.fullmatch(r"crash-(\d{8}-\d{6})-(\d+)\.txt", Path(where).name)
    assert name is not None and int(name[2]) == os.getpid()
    assert before <= utc_seconds(name[1], "%Y%m%d-%H%M%S") <= after
    text = Path(where).read_text(encoding="utf-8")
    when = text.split("\n")[6].removeprefix("time:        ")
    assert before <= utc_seconds(when, "%Y-%m-%dT%H:%M:%SZ") <= after
    trace = "".join(traceback.format_exception(exc)).rstrip().replace(CANARY, "***")
    assert trace.startswith("Traceback (most recent call last):\n")
    assert trace.endswith("\nRuntimeError: failed while holding ***")
    assert text == "\n".join(
        [
            "tracker-git crash report: please attach it to an issue (it holds no token, but read",
            "it first: the command line and the error are as they were).",
            "",
            "tracker-git: 9.9.9",
            f"python:      {sys.version.split()[0]} ({sys.executable})",
            f"platform:    {platform.platform()}",
            f"time:        {when}",
            "command:     git-tracker show *** caf\\udce9",
            "",
            trace,
            "",
        ]
    )


SECRET_NAMED = {
    "GITLAB_TOKEN": "glpat-canary-1",
    "RELAY_SECRET": "relay-canary-2",
    "DB_PASSWORD": "password-canary-3",
    "FTP_PASSWD": "passwd-canary-4",
    "SLACK_WEBHOOK_URL": "https://hooks.example.test/canary-5",
    "my_api_key": "lower-case-name-canary-6",  # the name's case does not matter
    "HTTP_AUTH": "sixsix",  # six characters: the shortest value hidden
}


def test_secret_values_by_name_longest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every value of a variable whose name has a secret word, and the caller's, at least six
    characters long, longest first: a secret that contains another is hidden whole."""
    for name in list(os.environ):
        if any(
            word in name.upper() for word in ("TOKEN", "SECRET", "PASSW", "WEBHOOK", "KEY", "AUTH")
        ):
            monkeypatch.delenv(name)
    for name, value in SECRET_NAMED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AUTHOR_NOTE", "short")  # under six characters: an ordinary word
    monkeypatch.setenv("EDITOR", "visible-editor-value")  # no secret word in the name
    # "aazzzzzz" holds "zzzzzz" and sorts before it: only the length decides the order.
    found = crash.secret_values(["zzzzzz", "aazzzzzz", "abcde"])
    assert set(found) == {*SECRET_NAMED.values(), "zzzzzz", "aazzzzzz"}
    assert [len(v) for v in found] == sorted((len(v) for v in found), reverse=True)
    command = ["git-tracker", "aazzzzzz", "sixsix", "short", "abcde", "visible-editor-value"]
    text = crash.report_text(boom(), command, "1", found)
    assert "command:     git-tracker *** *** short abcde visible-editor-value\n" in text
