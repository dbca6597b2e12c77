"""A real Secret Service for tests: a private D-Bus session bus and gnome-keyring-daemon on it.

The recipe of docs/design/testing.md, driven from Python so the test process itself can
talk to the bus: `dbus-daemon --session --nofork --print-address` gives a private bus (what
`dbus-run-session` does), then `gnome-keyring-daemon --foreground --unlock --components=secrets`
reads the keyring password on stdin, and we wait until `org.freedesktop.secrets` has an owner.

Every process started here, and everything D-Bus activates (gcr-prompter, a second daemon),
inherits a marker variable; `stop()` kills every process that carries this session's marker,
so nothing is left behind whatever the test did.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "TRACKER_GIT_TEST_KEYRING"
PACKAGES = "gnome-keyring dbus-daemon dbus-bin libsecret-tools"
INSTALL = f"apt-get install -y --no-install-recommends {PACKAGES}"
TOOLS = ("dbus-daemon", "dbus-send", "gnome-keyring-daemon", "secret-tool")
SECRETS_NAME = "org.freedesktop.secrets"
START_LIMIT = 10.0  # seconds: generous, the daemon starts in ~50 ms on an idle machine


class KeyringSetupError(RuntimeError):
    """The test keyring could not be started; the message says what to install or check."""


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass
class Session:
    """One private bus with (optionally) a gnome-keyring-daemon on it."""

    home: Path
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    address: str = ""
    bus: subprocess.Popen[bytes] | None = None
    daemon: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment for a process that should use this keyring."""
        env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        env.update(HOME=str(self.home), DBUS_SESSION_BUS_ADDRESS=self.address)
        env[MARKER] = self.marker
        return env

    def start_bus(self) -> None:
        bus_env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
        bus_env.update(HOME=str(self.home), **{MARKER: self.marker})
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # "Failed to set fd limit" is harmless noise
            env=bus_env,
            start_new_session=True,
        )
        assert self.bus.stdout is not None
        line = self.bus.stdout.readline().decode().strip()
        if not line:
            self.stop()
            raise KeyringSetupError("dbus-daemon --session did not print its address")
        self.address = line

    def start_daemon(self, password: str | None = "test-keyring-password") -> None:
        """gnome-keyring-daemon in the foreground; with a password it unlocks (or creates) the
        "login" keyring, without one it starts locked."""
        args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
        if password is not None:
            args.append("--unlock")
        self.daemon = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,
        )
        assert self.daemon.stdin is not None
        if password is not None:
            self.daemon.stdin.write(password.encode())
        self.daemon.stdin.close()
        self.wait_for_name(SECRETS_NAME)

    def name_has_owner(self, name: str) -> bool:
        proc = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=self.env, capture_output=True, text=True, check=False, timeout=START_LIMIT,
        )  # fmt: skip
        return "boolean true" in proc.stdout

    def wait_for_name(self, name: str) -> None:
        deadline = time.monotonic() + START_LIMIT
        while not self.name_has_owner(name):
            if self.daemon is not None and self.daemon.poll() is not None:
                raise KeyringSetupError(f"gnome-keyring-daemon exited ({self.daemon.returncode})")
            if time.monotonic() > deadline:
                raise KeyringSetupError(f"{name} did not appear on the test bus")
            time.sleep(0.02)

    def lookup(self, **attributes: str) -> str | None:
        """`secret-tool lookup`: the secret stored under these attributes, read independently
        of the keyring library."""
        args = [item for pair in attributes.items() for item in pair]
        proc = subprocess.run(
            ["secret-tool", "lookup", *args],
            env=self.env, capture_output=True, text=True, check=False, timeout=START_LIMIT,
        )  # fmt: skip
        return proc.stdout if proc.returncode == 0 and proc.stdout else None

    def store(self, secret: str, label: str = "test", **attributes: str) -> None:
        args = [item for pair in attributes.items() for item in pair]
        subprocess.run(
            ["secret-tool", "store", "--label", label, *args],
            input=secret, env=self.env, capture_output=True, text=True, check=True,
            timeout=START_LIMIT,
        )  # fmt: skip

    def stop_daemon(self) -> None:
        if self.daemon is not None:
            _end(self.daemon)
            self.daemon = None

    def freeze_daemon(self) -> None:
        """SIGSTOP the daemon: it keeps its bus name and never answers again."""
        assert self.daemon is not None
        os.kill(self.daemon.pid, signal.SIGSTOP)

    def processes(self) -> list[int]:
        """Every live process carrying this session's marker (the bus, the daemon, anything
        D-Bus activated)."""
        return processes_with(f"{MARKER}={self.marker}")

    def stop(self) -> None:
        """Stop everything this session started; afterwards no process of it is left."""
        self.stop_daemon()
        if self.bus is not None:
            _end(self.bus)
            self.bus = None
        for _ in range(50):
            left = self.processes()
            if not left:
                return
            for pid in left:
                _kill(pid, signal.SIGKILL)
            time.sleep(0.02)
        raise KeyringSetupError(f"processes left behind by the test keyring: {left}")


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        _kill(proc.pid, signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def processes_with(entry: str) -> list[int]:
    """Pids whose environment holds `entry` ("NAME=value"); our own process is never one."""
    wanted = entry.encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        if wanted in environ:
            found.append(int(name))
    return found


def start(home: Path, password: str | None = "test-keyring-password") -> Session:
    """A running bus with gnome-keyring-daemon; KeyringSetupError says what is missing."""
    missing = missing_tools()
    if missing:
        raise KeyringSetupError(f"the keyring tests need {', '.join(missing)}: run `{INSTALL}`")
    session = Session(home=home)
    session.start_bus()
    try:
        session.start_daemon(password)
    except BaseException:
        session.stop()
        raise
    return session
