"""tracker_git.core.git in-process, both ways it starts git (os.posix_spawnp, and subprocess as
on Windows: `spawned` runs each test both ways): the environment the child gets, the folder
it runs in, stdin, stdout and stderr as git wrote them, the exit code, the one-line failures,
the answers to questions, the config values, and the remote-reaching commands that must not
wait on a prompt."""

from __future__ import annotations

import errno
import linecache
import os
import signal
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from testing.repos import git as git_in
from testing.repos import make_repo
from tracker_git.core import git

# git runs the alias through the shell: what a child of git sees of the environment.
SHOW_ENV = ["-c", "alias.show-env=!env", "show-env"]
BIG = "".join(f"line {n:06d} of a file larger than a pipe's buffer\n" for n in range(4000))


@pytest.fixture(params=["posix_spawnp", "subprocess"])
def spawned(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The runner as on POSIX, then as on Windows (no os.posix_spawnp: subprocess)."""
    monkeypatch.setattr(git, "_SPAWN", request.param == "posix_spawnp")
    if request.param == "subprocess":
        monkeypatch.delattr(os, "posix_spawnp")
    elif not hasattr(os, "posix_spawnp"):
        pytest.skip("no os.posix_spawnp here (Windows)")
    yield request.param


class Repo:
    """main: the initial commit, then a big file and a tag; some config values."""

    def __init__(self, path: Path) -> None:
        self.path = make_repo(path)
        (path / "big.txt").write_text(BIG)
        git_in(path, "add", "-A")
        git_in(path, "commit", "-q", "--no-verify", "-m", "DEV-1: big file")
        git_in(path, "tag", "-a", "-m", "annotated", "v1")
        git_in(path, "config", "tracker.x.y", "dotted")
        git_in(path, "config", "tracker.xzy", "not the dotted one")
        git_in(path, "config", "tracker.lines", "one\ntwo")
        git_in(path, "config", "tracker.queue", "DEV")
        git_in(path, "config", "--add", "tracker.queue", "OPS")  # the last one wins
        git_in(path, "config", "Remote.origin.URL", "https://example.invalid/r.git")
        self.head = git_in(path, "rev-parse", "HEAD").strip()
        self.cwd = str(path)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return Repo(tmp_path_factory.mktemp("git-runner") / "repo")


def environment(text: str) -> dict[str, str]:
    return dict(line.partition("=")[::2] for line in text.splitlines() if "=" in line)


# --- the environment ------------------------------------------------------------------------


def test_child_environment_is_ours_or_the_callers_without_the_withheld() -> None:
    os.environ["SECRET_ONE"] = "canary-1"
    os.environ["PLAIN_ONE"] = "plain"
    git.withhold(["SECRET_ONE", "SECRET_TWO"])
    ours = git.child_environment()
    assert "SECRET_ONE" not in ours and ours["PLAIN_ONE"] == "plain"
    assert ours == {k: v for k, v in os.environ.items() if k != "SECRET_ONE"}
    given = {"SECRET_TWO": "canary-2", "OTHER": "x"}
    assert git.child_environment(given) == {"OTHER": "x"}
    assert git.child_environment({}) == {}
    git.forget_withheld()
    assert git.child_environment(given) == given


def test_the_child_gets_our_environment_or_the_given_one_minus_withheld(
    repo: Repo, spawned: str
) -> None:
    os.environ["PLAIN_ONE"] = "ours"
    seen = environment(git.output(SHOW_ENV, repo.cwd))
    assert seen["PLAIN_ONE"] == "ours"
    given = {**os.environ, "PLAIN_ONE": "given", "SECRET_ONE": "canary-1"}
    seen = environment(git.output(SHOW_ENV, repo.cwd, env=given))
    assert (seen["PLAIN_ONE"], seen["SECRET_ONE"]) == ("given", "canary-1")
    os.environ["SECRET_ONE"] = "canary-2"
    git.withhold(["SECRET_ONE"])
    for env in (None, given):
        seen = environment(git.output(SHOW_ENV, repo.cwd, env=env))
        assert "SECRET_ONE" not in seen
        assert seen["PLAIN_ONE"] == ("ours" if env is None else "given")
    seen = environment(git.run(SHOW_ENV, repo.cwd)[1].decode())
    assert "SECRET_ONE" not in seen and seen["PLAIN_ONE"] == "ours"


def remote_helper(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has `git-remote-canary`: git starts it for a `canary::` URL,
    and it writes the environment it got (what git had) to a file, then fails."""
    helper = tmp_path / "bin" / "git-remote-canary"
    helper.parent.mkdir()
    helper.write_text(f'#!/bin/sh\nenv > "{tmp_path / "seen"}"\nexit 1\n')
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{helper.parent}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize("how", ["run", "output", "answer"])
def test_a_command_reaching_a_remote_never_waits_on_a_prompt(
    repo: Repo, tmp_path: Path, spawned: str, how: str
) -> None:
    path = remote_helper(tmp_path)
    os.environ.update(path, PLAIN_ONE="ours")
    args = ["ls-remote", "canary::somewhere"]
    if how == "run":
        assert git.run(args, repo.cwd)[0] != 0
    elif how == "output":
        with pytest.raises(git.GitFailed):
            git.output(args, repo.cwd)
    else:
        assert git.answer(args, repo.cwd) is None
    seen = environment((tmp_path / "seen").read_text())
    assert (seen["GIT_TERMINAL_PROMPT"], seen["PLAIN_ONE"]) == ("0", "ours")
    given = {**os.environ, "PLAIN_ONE": "given"}
    git.run(["fetch", "canary::somewhere"], repo.cwd, env=given)
    seen = environment((tmp_path / "seen").read_text())
    assert (seen["GIT_TERMINAL_PROMPT"], seen["PLAIN_ONE"]) == ("0", "given")
    assert "GIT_TERMINAL_PROMPT" not in given  # the caller's mapping is left as it was


def test_other_commands_keep_the_prompt(repo: Repo, spawned: str) -> None:
    os.environ["GIT_TERMINAL_PROMPT"] = "1"
    assert environment(git.output(SHOW_ENV, repo.cwd))["GIT_TERMINAL_PROMPT"] == "1"


# --- what goes in and comes out ------------------------------------------------------------


def test_stdout_stdin_and_exit_code(repo: Repo, spawned: str) -> None:
    code, out, err = git.run(["show", "HEAD:big.txt"], repo.cwd)
    assert (code, out.decode(), err) == (0, BIG, b"")  # past one read of the pipe
    blob = git_in(repo.path, "hash-object", "--stdin", input="hello\n").strip()
    assert git.run(["hash-object", "--stdin"], repo.cwd, stdin=b"hello\n") == (
        0,
        f"{blob}\n".encode(),
        b"",
    )
    empty = git_in(repo.path, "hash-object", "--stdin", input="").strip()
    assert git.output(["hash-object", "--stdin"], repo.cwd).strip() == empty
    code, out, err = git.run(["rev-parse", "--verify", "nope"], repo.cwd)
    assert (code, out, err) == (128, b"", b"fatal: Needed a single revision\n")
    assert git.run(["-c", "alias.three=!exit 3", "three"], repo.cwd)[0] == 3


def test_no_folder_is_the_current_one(
    repo: Repo, spawned: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path / ".git")
    assert git.output(["rev-parse", "--git-dir"]) == ".\n"
    assert git.output(["rev-parse", "--git-dir"], repo.cwd) == ".git\n"
    assert git.output(["rev-parse", "--git-dir"], "") == ".\n"


def test_output_in_another_encoding_survives_the_round_trip(repo: Repo, spawned: str) -> None:
    latin = git.output(["-c", "alias.latin=!printf 'caf\\351'", "latin"], repo.cwd)
    assert latin == "caf\udce9"
    assert latin.encode("utf-8", "surrogateescape") == b"caf\xe9"
    assert git.text("café".encode()) == "café"


@pytest.mark.skipif(sys.platform != "linux", reason="macOS and Windows want file names in Unicode")
def test_a_path_in_latin_1(tmp_path: Path, spawned: str) -> None:
    repo = make_repo(tmp_path / "repo")
    Path(os.fsdecode(bytes(repo) + b"/caf\xe9.txt")).write_text("latin-1 name\n")
    git_in(repo, "add", "-A")
    names = git.output(["ls-files", "-z"], str(repo)).split("\0")
    assert names == ["README", "caf\udce9.txt", ""]
    assert (repo / names[1]).read_text() == "latin-1 name\n"


# --- failures, one line ----------------------------------------------------------------------


def test_git_failed_says_what_failed_why_and_what_to_do() -> None:
    failed = git.GitFailed(["push", "origin"], 1, "rejected")
    assert (failed.command, failed.code, failed.reason) == (
        ["git", "push", "origin"],
        1,
        "rejected",
    )
    assert str(failed) == "git push origin failed (rejected); run it yourself to see all git says"
    failed = git.GitFailed(["push"], 1, "rejected", what="the push", fix="pull first")
    assert str(failed) == "the push failed (rejected); pull first"
    failed = git.GitFailed(["push"], None, "No such file", what="the push", fix="pull first")
    assert str(failed) == "cannot run git (No such file); install git or put it on PATH"
    assert failed.code is None and failed.command == ["git", "push"]


def test_output_failure_carries_what_and_fix(repo: Repo, spawned: str) -> None:
    with pytest.raises(git.GitFailed) as failed:
        git.output(["rev-parse", "--verify", "nope"], repo.cwd, what="reading nope", fix="make it")
    assert str(failed.value) == "reading nope failed (Needed a single revision); make it"
    assert (failed.value.code, failed.value.reason) == (128, "Needed a single revision")
    with pytest.raises(git.GitFailed) as failed:
        git.output(["-c", "alias.three=!exit 3", "three"], repo.cwd)
    assert str(failed.value) == (
        "git -c alias.three=!exit 3 three failed (exit code 3); run it yourself to see all git says"
    )


@pytest.mark.parametrize(
    ("stderr", "why"),
    [
        (b"fatal: bad: very bad\nusage: git x\n", "bad: very bad"),  # the first ": " only
        (b"  \n\twarning: LF will be replaced\n  error: it broke  \nfatal: later\n", "it broke"),
        (b"hint: a hint\nwarning: a warning\nAborting\nthe odd line\n", "the odd line"),
        (b"\n  hint: only hints  \nAborting\n", "hint: only hints"),
        (b"fatal:no space\n", "fatal:no space"),
        (b"errors: 3\n", "errors: 3"),
        (b"error: caf\xe9\n", "caf\ufffd"),  # people read stderr: undecodable bytes replaced
        (b" \n\n", "exit code 5"),
        (None, "exit code 5, see git's message above"),
    ],
)
def test_the_reason_is_gits_first_complaint(stderr: bytes | None, why: str) -> None:
    assert git.reason(stderr, 5) == why


# The system's own words for a program it cannot find (CreateProcess's, or errno's).
NOT_FOUND = (
    "The system cannot find the file specified"
    if sys.platform == "win32"
    else os.strerror(errno.ENOENT)
)


def lowest_free_descriptor() -> int:
    probe = os.open(os.devnull, os.O_RDONLY)  # the lowest free one: a leaked pipe takes it
    os.close(probe)
    return probe


def test_git_that_cannot_start(repo: Repo, spawned: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo.path / "nothing-here"))
    fds = lowest_free_descriptor()
    for call in (
        lambda: git.run(["status"], repo.cwd),
        lambda: git.attached(["status"], repo.cwd),
    ):
        with pytest.raises(git.GitFailed) as failed:
            call()
        assert str(failed.value) == (f"cannot run git ({NOT_FOUND}); install git or put it on PATH")
        assert (failed.value.code, failed.value.command) == (None, ["git", "status"])
    assert lowest_free_descriptor() == fds  # the pipes were closed


# --- questions ---------------------------------------------------------------------------


def test_answer_is_the_text_or_none(repo: Repo, spawned: str) -> None:
    assert git.answer(["config", "tracker.x.y"], repo.cwd) == "dotted"
    assert git.answer(["config", "no.such"], repo.cwd) is None  # git says no
    assert git.answer(["-c", "alias.nothing=!true", "nothing"], repo.cwd) is None  # nothing
    assert git.answer(["-c", "alias.blank=!echo", "blank"], repo.cwd) is None
    failing = ["-c", "alias.half=!echo half an answer; exit 1", "half"]
    assert git.answer(failing, repo.cwd) is None  # what a failing git printed is no answer
    os.environ["PLAIN_ONE"] = "ours"
    env = {**os.environ, "PLAIN_ONE": "given"}
    seen = git.answer(["-c", "alias.one=!echo $PLAIN_ONE", "one"], repo.cwd, env=env)
    assert seen == "given"


def test_commit_names_a_commit_or_none(repo: Repo, spawned: str) -> None:
    assert git.commit("HEAD", repo.cwd) == repo.head
    assert git.commit("v1", repo.cwd) == repo.head  # the annotated tag, peeled
    assert git.commit("main~1", repo.cwd) != repo.head
    assert git.commit("HEAD^{tree}", repo.cwd) is None  # a tree is no commit
    assert git.commit("nowhere", repo.cwd) is None


def test_config_values_in_one_call(repo: Repo, spawned: str) -> None:
    names = ["tracker.x.y", "tracker.queue", "remote.origin.url", "tracker.lines", "no.such"]
    assert git.config_values(names, repo.cwd) == {
        "tracker.x.y": "dotted",  # not tracker.xzy: the dots are dots
        "tracker.lines": "one\ntwo",
        "tracker.queue": "OPS",
        "remote.origin.url": "https://example.invalid/r.git",
    }
    assert git.config_values(["TRACKER.QUEUE"], repo.cwd) == {"tracker.queue": "OPS"}
    assert git.config_values(["no.such"], repo.cwd) == {}
    assert git.config_values(["tracker.queue"], str(repo.path / "nothing-here")) == {}


# --- attached -------------------------------------------------------------------------------


def test_attached_writes_gits_output_to_our_stderr(
    repo: Repo, spawned: str, capfd: pytest.CaptureFixture[str]
) -> None:
    git.attached(["--no-pager", "log", "-1", "--format=attached %s"], repo.cwd)
    os.environ["PLAIN_ONE"] = "ours"
    git.attached(["-c", "alias.one=!echo $PLAIN_ONE", "one"], repo.cwd)
    git.attached(
        ["-c", "alias.one=!echo $PLAIN_ONE", "one"],
        repo.cwd,
        env={**os.environ, "PLAIN_ONE": "given"},
    )
    out, err = capfd.readouterr()
    assert (out, err) == ("", "attached DEV-1: big file\nours\ngiven\n")


def test_a_failed_attached_run_says_what_failed(
    repo: Repo, spawned: str, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(git.GitFailed) as failed:
        git.attached(["-c", "alias.three=!exit 3", "three"], repo.cwd, what="the three", fix="ask")
    assert str(failed.value) == "the three failed (exit code 3, see git's message above); ask"
    assert failed.value.code == 3
    with pytest.raises(git.GitFailed) as failed:
        git.attached(["rev-parse", "--verify", "nope"], repo.cwd)
    assert str(failed.value) == (
        "git rev-parse --verify nope failed (exit code 128, see git's message above); "
        "run it yourself to see all git says"
    )
    assert capfd.readouterr().err == "fatal: Needed a single revision\n"


def test_ctrl_c_during_an_attached_run_waits_for_git_and_leaves_no_zombie(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C reaches git and us alike: we wait for git to stop, then stop too. Here git's
    child interrupts us (again until we are waiting for git) and goes on a little, as git
    finishing its Ctrl-C would. (posix_spawnp only: the subprocess fallback, for Windows,
    kills git as subprocess does.)"""
    if not hasattr(os, "posix_spawnp"):
        pytest.skip("no os.posix_spawnp here (Windows), nor SIGUSR1")
    monkeypatch.setattr(git, "_SPAWN", True)
    got = tmp_path / "got"

    def interrupted(signum: int, frame: FrameType | None) -> None:
        assert frame is not None
        if "os.waitpid(pid, 0)" in linecache.getline(frame.f_code.co_filename, frame.f_lineno):
            got.touch()
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGUSR1, interrupted)
    script = (
        f"!echo $PPID > '{tmp_path / 'git.pid'}'; "
        f"until [ -e '{got}' ]; do kill -USR1 {os.getpid()}; sleep 0.05; done; sleep 0.3"
    )
    try:
        with pytest.raises(KeyboardInterrupt):
            git.attached(["-c", f"alias.slow={script}", "slow"], repo.cwd)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    with pytest.raises(ChildProcessError):  # git was waited for: no zombie is left
        os.waitpid(int((tmp_path / "git.pid").read_text()), os.WNOHANG)
