"""`git tracker login` on a terminal (a real pseudo-terminal): it asks for the organization,
the token kind and the token, and the token is not echoed."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from testing.keyring_session import Session
from testing.servers import SandboxHandle

CLI = str(Path(sys.executable).parent / "git-tracker")
LIMIT = 60.0  # seconds: a guard against a hang, not a measurement


class Terminal:
    """A process on a pseudo-terminal; `expect` reads until a text shows up, `send` types."""

    def __init__(self, argv: list[str]) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=os.environ.copy(),
            start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.seen = b""

    def expect(self, text: str) -> None:
        deadline = time.monotonic() + LIMIT
        while text.encode() not in self.seen:
            assert time.monotonic() < deadline, f"no {text!r} in {self.seen!r}"
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the other side closed
                    chunk = b""
                assert chunk or text.encode() in self.seen, f"no {text!r} in {self.seen!r}"
                self.seen += chunk

    def send(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def finish(self) -> tuple[int, str]:
        code = self.proc.wait(timeout=LIMIT)
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
        os.close(self.master)
        return code, self.seen.decode(errors="replace")


def test_login_asks_everything_on_a_terminal_and_never_echoes_the_token(
    sandbox: SandboxHandle, secret_service: Session
) -> None:
    term = Terminal([CLI, "login", "--api-url", sandbox.url])
    term.expect("Organization id")
    term.send(sandbox.org_id)  # not all digits: a Yandex Cloud organization
    term.expect("Token kind, oauth or iam [oauth]: ")
    term.send("iam")
    term.expect("Paste your Tracker token (hidden): ")
    term.send(sandbox.token)
    code, screen = term.finish()

    assert code == 0, screen
    assert sandbox.token not in screen
    assert f"organization {sandbox.org_id} (X-Cloud-Org-ID)" in screen
    myself = [r for r in sandbox.requests if r["path"].endswith("/myself")]
    assert myself and myself[-1]["headers"].get("X-Cloud-Org-ID") == sandbox.org_id
    account = f"{sandbox.url.removeprefix('http://')}/{sandbox.org_id}"
    assert secret_service.lookup(service="tracker-git", username=account) == sandbox.token
