"""pytest fixtures: a real Secret Service (gnome-keyring on a private D-Bus bus) per test.

`secret_service`: an unlocked keyring whose files live in the test's temporary HOME; while the
test runs, os.environ points DBUS_SESSION_BUS_ADDRESS at it and PYTHON_KEYRING_BACKEND is unset,
so both in-process calls and CLI subprocesses use it. `keyring_sessions`: a factory for tests
that need something else (a locked keyring, a frozen daemon); every session it made is stopped.

Function scope on purpose: a bus plus a daemon start in ~0.1 s, and a fresh keyring per test
means no test sees another's entries. Missing packages FAIL the test (they are part of the
test environment; see testing/keyring_session.INSTALL), they never skip it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testing import keyring_session
from testing.keyring_session import KeyringSetupError, Session

StartSession = Callable[..., Session]


def _use(session: Session) -> None:
    os.environ.pop("PYTHON_KEYRING_BACKEND", None)
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = session.address
    os.environ[keyring_session.MARKER] = session.marker
    # keyring picks its backend once per process; pick again now that the bus is here.
    import keyring.core

    keyring.core.init_backend()


def _forget() -> None:
    """After the test: in-process keyring calls fail loudly again, as conftest intends."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]


@pytest.fixture
def keyring_sessions(isolated_home: Path) -> Iterator[StartSession]:
    """`start(password="...", home=...)` -> a Session made current for the test (os.environ);
    `password=None` starts the daemon without unlocking. All are stopped at the end."""
    sessions: list[Session] = []

    def start(password: str | None = "test-keyring-password", home: Path | None = None) -> Session:
        try:
            session = keyring_session.start(home or isolated_home, password)
        except KeyringSetupError as exc:
            pytest.fail(str(exc), pytrace=False)
        sessions.append(session)
        _use(session)
        return session

    try:
        yield start
    finally:
        if sessions:
            _forget()
        errors = []
        for session in sessions:
            try:
                session.stop()
            except KeyringSetupError as exc:
                errors.append(str(exc))
        if errors:
            pytest.fail("; ".join(errors), pytrace=False)


@pytest.fixture
def secret_service(keyring_sessions: StartSession) -> Session:
    """An unlocked gnome-keyring Secret Service for this test (HOME: the test's home)."""
    return keyring_sessions()
