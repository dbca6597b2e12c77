"""The one top-level handler (the CLI and the hooks) and the one time-limit helper."""

from __future__ import annotations

import threading

import pytest

from tracker_git.core import crash as crash_module
from tracker_git.core import deadline
from tracker_git.core.errors import CheckFailed, UsageError, handled


def run(job: object, debug: bool = False) -> tuple[int, list[str]]:
    said: list[str] = []

    def call() -> int:
        if isinstance(job, BaseException):
            raise job
        return int(job)  # type: ignore[call-overload, no-any-return]

    return handled(call, debug, said.append), said


def test_errors_are_one_line_and_their_exit_code() -> None:
    assert run(0) == (0, [])
    assert run(CheckFailed("no key; write one")) == (1, ["no key; write one"])
    assert run(UsageError("bad option")) == (2, ["bad option"])


def test_a_bug_is_one_line_with_the_same_words_for_the_cli_and_the_hooks() -> None:
    code, said = run(ValueError("boom"))
    assert (code, said) == (
        3,
        ["unexpected ValueError: boom (a bug of tracker-git); run again with --debug; report it"],
    )


def test_a_bug_names_its_crash_report_and_exits_with_its_own_code() -> None:
    said: list[str] = []
    seen: list[BaseException] = []

    def job() -> int:
        raise KeyError("x")

    def crash(exc: BaseException) -> str | None:
        seen.append(exc)
        return "/state/crashes/crash-1.txt"

    assert handled(job, False, said.append, crash) == crash_module.EXIT_CODE == 3
    assert isinstance(seen[0], KeyError)
    assert said == [
        "unexpected KeyError: 'x' (a bug of tracker-git); the crash report is "
        "/state/crashes/crash-1.txt; report it"
    ]
    # A failure the user can fix writes no report and keeps its code.
    assert handled(lambda: (_ for _ in ()).throw(UsageError("u")), False, said.append, crash) == 2
    assert len(seen) == 1


def test_interrupt_and_closed_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(KeyboardInterrupt()) == (130, [])
    assert capsys.readouterr().err == "\ninterrupted\n"  # below the ^C the terminal echoed
    assert run(BrokenPipeError()) == (1, [])


def test_debug_shows_the_traceback() -> None:
    with pytest.raises(ValueError):
        run(ValueError("boom"), debug=True)
    with pytest.raises(CheckFailed):
        run(CheckFailed("x"), debug=True)


def test_within_gives_the_result_or_the_jobs_error() -> None:
    assert deadline.within(lambda: 42, 5, "test-job") == 42
    # A daemon thread (one left behind must not keep the process alive) under its name.
    me = deadline.within(threading.current_thread, 5, "keyring-get")
    assert (me.name, me.daemon) == ("keyring-get", True)

    def fails() -> int:
        raise OSError("no")

    with pytest.raises(OSError, match="no"):
        deadline.within(fails, 5, "test-job")


def test_within_stops_waiting_for_a_job_that_hangs() -> None:
    release = threading.Event()
    try:
        with pytest.raises(deadline.TimedOut) as caught:
            deadline.within(release.wait, 0.05, "test-hung-job")
        assert str(caught.value) == "test-hung-job did not finish within 0.05 s"
    finally:
        release.set()
