"""Fixtures for the relay tests (helpers in tests/relay/helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import Relay, relay_in_thread, write_config


@pytest.fixture
def relay_config(tmp_path: Path, sandbox: SandboxHandle) -> Path:
    return write_config(tmp_path, sandbox)


@pytest.fixture
def relay(relay_config: Path) -> Iterator[Relay]:
    with relay_in_thread(relay_config) as running:
        yield running
