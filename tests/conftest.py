"""Every test runs with its own HOME, config and cache folders, and a git identity, so nothing
reads or writes the developer's real files, keyring or git configuration."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from testing.isolation import XDG, isolated_env

pytest_plugins = [
    "testing.fixtures_sandbox",
    "testing.fixtures_keyring",
    "testing.fixtures_forges",
    "testing.fixtures_postgres",
]

# What a test must not inherit from the machine or the CI running the suite. The tokens and
# the CI variables come from their tables (secrets.TOKEN_VARIABLES from core/forgekinds.py,
# core/ciplatforms.py): a forge or CI added there is cleared here too.
_OTHERS = (
    "TRACKER_GIT_SKIP", "TRACKER_GIT_FORGE_API_URL", "TRACKER_GIT_RELAY_CONFIG",
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_EDITOR", "EDITOR", "VISUAL",
    "SKIP", "NO_COLOR", "DBUS_SESSION_BUS_ADDRESS", *XDG,
    "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip


@functools.cache
def cleared() -> tuple[str, ...]:
    """Every variable the isolated_home fixture removes for a test."""
    from tracker_git import secrets
    from tracker_git.core import ciplatforms, config

    return tuple(
        dict.fromkeys(
            [
                *secrets.TOKEN_VARIABLES,
                secrets.TOKEN_HOST,
                *config.ENVIRONMENT,
                *ciplatforms.VARIABLES,
                *_OTHERS,
            ]
        )
    )


_SESSION_HOME = pytest.StashKey[str]()

# Hypothesis on a loaded machine (2 cores shared by the suite's workers, CI runners): no
# deadline (a property test asserts behaviour, not time; the 200 ms default fails a correct
# example that waited for a core) and no "too slow" health check. "ci" also derandomizes, so a
# CI failure replays the same examples; HYPOTHESIS_PROFILE picks one by name.
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("ci", settings.get_profile("dev"), derandomize=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


def pytest_configure(config: pytest.Config) -> None:
    """Before collection and the session fixtures: the whole process already sees an isolated
    HOME and git config, so whatever runs outside a test's own fixture (session builds,
    module-level values) cannot read the machine's either. Each test then gets its own."""
    for name in XDG:
        os.environ.pop(name, None)
    home = tempfile.mkdtemp(prefix="tracker-git-session-home-")
    config.stash[_SESSION_HOME] = home
    os.environ.update(isolated_env(Path(home)))


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_SESSION_HOME, None)
    if home:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    for name in cleared():
        os.environ.pop(name, None)
    os.environ.update(
        isolated_env(home),
        GIT_EDITOR="true",
        # Any accidental use of the real keyring fails loudly; keyring tests set their own.
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        NO_PROXY="*",
        LC_ALL="C.UTF-8",
    )
    try:
        yield home
    finally:
        os.environ.clear()
        os.environ.update(saved)
        # cli.main() run in-process moves token variables into tracker_git.secrets; they must
        # not outlive the test that set them.
        from tracker_git import secrets

        secrets.forget_held()
