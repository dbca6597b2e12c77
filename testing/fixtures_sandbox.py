"""pytest fixtures: sandbox (registered in tests/conftest.py).

`sandbox` is a running Tracker sandbox (testing/servers.py SandboxHandle), fresh for each
test: seeded queue DEMO, token "sandbox-token", org id "sandbox-org"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testing.servers import SandboxHandle, run_sandbox


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with run_sandbox() as handle:
        yield handle
