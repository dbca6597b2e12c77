"""pytest fixtures: forges (registered in tests/conftest.py).

- `start_forge(kind, **options)`: starts an emulator (tracker_git.emulators.start_emulator
  options: token, repo, default_branch, latency, page_size, and the kind's own) and stops it
  after the test; then every request our clients sent it and every answer it gave are
  checked against the forge's published API description (testing/openapi_contract.py), and
  the test fails on any mismatch.
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

from testing.openapi_contract import check_exchanges
from tracker_git.core.forgekinds import KINDS
from tracker_git.emulators import Emulator, start_emulator

FORGE_KINDS = KINDS


def bound_token(url: str, token: str) -> dict[str, str]:
    """The environment giving `token` to the server at `url` (an emulator on loopback): the
    host-bound pair, since GH_TOKEN and its kin go only to the public services' own APIs."""
    from urllib.parse import urlsplit

    from tracker_git.secrets import HOST_TOKEN, TOKEN_HOST

    return {HOST_TOKEN: token, TOKEN_HOST: urlsplit(url).netloc}


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
    # Fidelity: what our clients sent and the emulators answered, against the forges' own
    # descriptions (testing/openapi_contract.py).
    problems = [problem for emulator in started for problem in check_exchanges(emulator)]
    assert not problems, "against the forge's API description:\n" + "\n".join(problems)


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
