"""A captured git call that reaches the network never waits on a credential prompt: CI has
nobody to answer it (core/git.py sets GIT_TERMINAL_PROMPT=0 for them), while a push attached
to the user's terminal (`git tracker pr`) still asks. The processes get a controlling terminal
of their own (a pseudo-terminal), where git would otherwise prompt and wait, and stdin that
is not a terminal; GIT_ASKPASS and SSH_ASKPASS are unset."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.servers import run_attacker
from tests.cigate.helpers import CLI, Upstream, without_ci

LIMIT = 60.0  # seconds: a guard against a hang, not a measurement


@pytest.fixture
def demanding() -> Iterator[str]:
    """The URL of a loopback git server that answers every request 401, asking for Basic
    credentials, as a private repository over https does."""

    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        return 401, {"WWW-Authenticate": 'Basic realm="git"'}, b"credentials, please\n"

    with run_attacker(answer) as server:
        yield f"{server.url}/acme/app.git"


def environment() -> dict[str, str]:
    env = without_ci(os.environ)
    for name in ("GIT_ASKPASS", "SSH_ASKPASS", "GIT_TERMINAL_PROMPT"):
        env.pop(name, None)
    return env


class OwnTerminal:
    """`argv` in a session of its own whose controlling terminal is a fresh pseudo-terminal
    (git's credential prompt opens /dev/tty, not stdin), with stdin from /dev/null."""

    def __init__(self, argv: list[str], cwd: Path, *, attached: bool = False) -> None:
        self.master, slave = os.openpty()
        tty = os.ttyname(slave)
        streams = {"stdout": slave, "stderr": slave} if attached else {
            "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}  # fmt: skip
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=environment(), stdin=subprocess.DEVNULL, text=True,
            start_new_session=True,
            # A session leader that opens a terminal makes it its controlling terminal.
            preexec_fn=lambda: os.close(os.open(tty, os.O_RDWR)),
            stdout=streams["stdout"], stderr=streams["stderr"],
        )  # fmt: skip
        os.close(slave)
        self.screen = b""

    def finish(self) -> tuple[int | None, str, str]:
        """(exit code, stdout, stderr); exit code None: it still waited after LIMIT and was
        killed."""
        try:
            out, err = self.proc.communicate(timeout=LIMIT)
            code: int | None = self.proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate()
            code = None
        self.read_screen(0)
        return code, out or "", err or ""

    def read_screen(self, wait: float) -> None:
        while select.select([self.master], [], [], wait)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the other side is closed
                return
            if not chunk:
                return
            self.screen += chunk

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


def test_check_pr_fetching_from_a_remote_that_wants_credentials_fails_at_once(
    upstream: Upstream, demanding: str
) -> None:
    """The base is not in the clone, so `check pr` fetches it: the remote asks for a password,
    and the gate says why it cannot fetch in one line instead of waiting for an answer."""
    head = upstream.branch("DEV-8-x", "DEV-8: a")
    clone = upstream.clone("ci", "refs/heads/DEV-8-x", "refs/remotes/origin/DEV-8-x")
    subprocess.run(["git", "remote", "set-url", "origin", demanding], cwd=clone, check=True)
    argv = [CLI, "check", "pr", "--title", "DEV-8: x", "--branch", "DEV-8-x",
            "--base", upstream.sha("main~1"), "--head", head]  # fmt: skip
    terminal = OwnTerminal(argv, clone)
    try:
        code, out, err = terminal.finish()
    finally:
        terminal.close()
    assert code is not None, f"git waited for a credential prompt: {terminal.screen!r}"
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert "cannot be fetched from 'origin'" in err
    assert "could not read Username" in err and "terminal prompts disabled" in err, err
    assert b"Username" not in terminal.screen


def test_git_attached_to_the_terminal_still_asks(tmp_path: Path, demanding: str) -> None:
    """What `git tracker pr` pushes with (core.git.attached): the user is there to answer."""
    code = "import sys; from tracker_git.core import git; git.attached(['ls-remote', sys.argv[1]])"
    terminal = OwnTerminal([sys.executable, "-c", code, demanding], tmp_path, attached=True)
    try:
        deadline = time.monotonic() + LIMIT
        while b"Username for" not in terminal.screen and time.monotonic() < deadline:
            if terminal.proc.poll() is not None:
                terminal.read_screen(0)
                break
            terminal.read_screen(0.1)
        assert b"Username for 'http://127.0.0.1:" in terminal.screen, terminal.screen
    finally:
        terminal.close()
