"""A git and HOME environment that owes nothing to the machine: the one place that says what an
isolated test environment is, for conftest's per-test fixture, the session set-up and the
session-scoped builds that run before any test.

git reads no system config (GIT_CONFIG_NOSYSTEM), and its global config is a file we write,
holding an identity (so commits work on machines without one) and nothing else (so a user's
`commit.gpgsign`, hooks path or templates never reach a test).
"""

from __future__ import annotations

from pathlib import Path

GITCONFIG = (
    "[user]\n\tname = Test User\n\temail = test@example.com\n"
    "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
)


# Cleared, so that the XDG folders (config, cache, state, data) follow the isolated HOME.
XDG = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME")


def isolated_env(home: Path) -> dict[str, str]:
    """The variables that make `home` (created if needed) the only home git and platformdirs
    see, with XDG unset (see XDG); its .gitconfig is written fresh."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(GITCONFIG)
    return {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TEMPLATE_DIR": "",
    }
