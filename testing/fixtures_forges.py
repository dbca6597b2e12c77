"""pytest fixtures: forges (registered in tests/conftest.py).

- `start_forge(kind, **options)`: starts an emulator (tracker_git.emulators.start_emulator
  options: token, repo, default_branch, latency, page_size) and stops it after the test.
- `forge_emulator`: one running emulator per kind (the test runs four times), with
  TRACKER_GIT_FORGE_API_URL pointing at it. Choose kinds or options with indirect
  parametrization: `@pytest.mark.parametrize("forge_emulator", ["gitlab"], indirect=True)`
  or a dict `{"kind": "gitlab", "page_size": 2}`.
- `forge_client`: a tracker_git.forges client for `forge_emulator`, with the right token.

The emulator's `remote_url()` is a git remote URL of its kind (git@github.com:octo/hello.git,
...) that tracker_git.forges.detect maps to it while the variable is set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tracker_git.emulators import Emulator, start_emulator

FORGE_KINDS = ("github", "gitlab", "bitbucket-cloud", "bitbucket-dc")


@pytest.fixture
def start_forge() -> Iterator[Callable[..., Emulator]]:
    started: list[Emulator] = []

    def start(kind: str, **options: Any) -> Emulator:
        emulator = start_emulator(kind, **options)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture(params=FORGE_KINDS)
def forge_emulator(
    request: pytest.FixtureRequest,
    start_forge: Callable[..., Emulator],
    monkeypatch: pytest.MonkeyPatch,
) -> Emulator:
    param = request.param
    options = dict(param) if isinstance(param, dict) else {"kind": param}
    emulator = start_forge(options.pop("kind"), **options)
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", emulator.url)
    return emulator


@pytest.fixture
def forge_client(forge_emulator: Emulator) -> Any:
    from tracker_git import forges
    from tracker_git.core import config

    cfg = config.load(None, environ={})
    remote = forges.detect(forge_emulator.remote_url(), cfg)
    return forges.client_for(remote, forge_emulator.token)
