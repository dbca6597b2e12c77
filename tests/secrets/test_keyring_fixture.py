"""The keyring fixture itself: a real daemon, reachable from this process and from
subprocesses, and nothing left running afterwards."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from testing import keyring_session
from testing.keyring_session import KeyringSetupError, Session, processes_with


def test_the_fixture_gives_a_working_secret_service(secret_service: Session) -> None:
    import keyring

    assert type(keyring.get_keyring()).__name__ == "Keyring"
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    keyring.set_password("fixture-test", "alice", "s3cret")
    assert secret_service.lookup(service="fixture-test", username="alice") == "s3cret"
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == secret_service.address
    assert "PYTHON_KEYRING_BACKEND" not in os.environ


def test_stop_leaves_no_process(secret_service: Session) -> None:
    marker = f"TRACKER_GIT_TEST_KEYRING={secret_service.marker}"
    assert len(processes_with(marker)) >= 2  # the bus and the daemon
    secret_service.stop()
    assert processes_with(marker) == []


def test_missing_packages_are_an_error_that_names_them(tmp_path: Path) -> None:
    os.environ["PATH"] = str(tmp_path)  # none of the tools here
    with pytest.raises(KeyringSetupError) as failed:
        keyring_session.start(tmp_path)
    message = str(failed.value)
    assert "gnome-keyring-daemon" in message
    assert "apt-get install -y --no-install-recommends gnome-keyring" in message
