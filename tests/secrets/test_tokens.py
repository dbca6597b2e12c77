"""Tokens against a real gnome-keyring (and the fail backend conftest sets by default)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from testing.fixtures_keyring import StartSession
from testing.keyring_session import Session
from tracker_git import secrets
from tracker_git.core import config
from tracker_git.core.config import Config
from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.core.forgekinds import FORGES, KINDS

API = "https://api.tracker.yandex.net"


def cfg(org: str = "1234567", cloud: str = "", api: str = API) -> Config:
    return config.load(
        None,
        {
            config.Tracker.org_id: org,
            config.Tracker.cloud_org_id: cloud,
            config.Tracker.api_url: api,
        },
    )


def test_a_token_is_stored_per_host_and_organization(secret_service: Session) -> None:
    account = secrets.store_token(cfg(), "tok-360")
    secrets.store_token(cfg(org="", cloud="bpfcloud"), "tok-cloud")
    secrets.store_token(cfg(api="http://127.0.0.1:8080"), "tok-local")

    assert account == "api.tracker.yandex.net/1234567"
    assert secret_service.lookup(service="tracker-git", username=account) == "tok-360"
    assert secrets.tracker_token(cfg()) == "tok-360"
    assert secrets.tracker_token(cfg(org="", cloud="bpfcloud")) == "tok-cloud"
    assert secrets.tracker_token(cfg(api="http://127.0.0.1:8080/")) == "tok-local"
    assert secrets.token_source(cfg()) == "keyring (SecretService)"


def test_the_environment_wins_over_the_keyring(secret_service: Session) -> None:
    secrets.store_token(cfg(), "from-keyring")
    os.environ["TRACKER_TOKEN"] = " from-env\n"
    assert secrets.tracker_token(cfg()) == "from-env"
    assert secrets.token_source(cfg()) == "environment"


def test_delete_removes_only_that_entry(secret_service: Session) -> None:
    secrets.store_token(cfg(), "one")
    secrets.store_token(cfg(org="999"), "two")
    assert secrets.delete_token(cfg()) is True
    assert secrets.delete_token(cfg()) is False
    assert (
        secret_service.lookup(service="tracker-git", username="api.tracker.yandex.net/1234567")
        is None
    )
    assert secrets.tracker_token(cfg(org="999")) == "two"


def test_no_stored_token_names_both_fixes(secret_service: Session) -> None:
    with pytest.raises(OperationFailed) as failed:
        secrets.tracker_token(cfg())
    message = str(failed.value)
    assert "api.tracker.yandex.net/1234567" in message
    assert "git tracker login" in message and "TRACKER_TOKEN" in message


def test_no_organization_says_how_to_give_one(secret_service: Session) -> None:
    with pytest.raises(ConfigError, match="TRACKER_ORG_ID"):
        secrets.tracker_token(cfg(org=""))


def test_no_keyring_backend_is_one_clear_message() -> None:
    # conftest selects keyring's "fail" backend: what a headless machine without a keyring gets.
    import keyring.core

    keyring.core.init_backend()
    with pytest.raises(OperationFailed) as failed:
        secrets.tracker_token(cfg())
    message = str(failed.value)
    assert "no OS keyring is available" in message
    assert "gnome-keyring" in message and "TRACKER_TOKEN" in message
    assert "\n" not in message


def test_a_locked_keyring_is_one_clear_message(keyring_sessions: StartSession) -> None:
    first = keyring_sessions()
    first.store("old", service="tracker-git", username="api.tracker.yandex.net/1234567")
    first.stop()
    keyring_sessions(password=None)  # the same keyring file, not unlocked this time

    with pytest.raises(OperationFailed) as failed:
        secrets.tracker_token(cfg())
    assert "the keyring is locked" in str(failed.value)
    assert "TRACKER_TOKEN" in str(failed.value)


def test_a_keyring_that_never_answers_gives_up_at_the_limit(secret_service: Session) -> None:
    secrets.store_token(cfg(), "tok")
    secret_service.freeze_daemon()
    with pytest.raises(OperationFailed) as failed:
        secrets.tracker_token(cfg(), timeout=0.5)
    assert "did not answer within 0.5 s" in str(failed.value)


def test_tokens_that_cannot_be_a_header_are_refused() -> None:
    for bad in ("", "  \n", "two words", "tab\there", "nul\x00", "токен", "a\u200bb"):
        with pytest.raises(UsageError) as refused:
            secrets.check_token_text(bad)
        assert bad.strip() == "" or bad not in str(refused.value)
    assert secrets.check_token_text("  y0_abc\n") == "y0_abc"


def test_a_malformed_token_from_the_environment_is_refused_without_quoting_it() -> None:
    os.environ["TRACKER_TOKEN"] = "secret-part other-part"
    with pytest.raises(ConfigError) as refused:
        secrets.tracker_token(cfg())
    assert refused.value.exit_code == 2
    assert "TRACKER_TOKEN" in str(refused.value)
    assert "secret-part" not in str(refused.value)
    os.environ["GITLAB_TOKEN"] = "glpat\x07bell"
    with pytest.raises(ConfigError, match="GITLAB_TOKEN"):
        secrets.forge_token("gitlab", "https://gitlab.com/api/v4")


GITHUB_API = "https://api.github.com"


def test_forge_tokens_come_from_their_variable_then_the_keyring(secret_service: Session) -> None:
    assert secrets.forge_token("github", GITHUB_API) is None
    account = secrets.store_forge_token("github", "API.GitHub.com", "gh-keyring")
    assert account == "forge:github:api.github.com"
    assert secret_service.lookup(service="tracker-git", username=account) == "gh-keyring"
    assert secrets.forge_token("github", GITHUB_API) == "gh-keyring"
    assert secrets.forge_token("gitlab", GITHUB_API) is None
    os.environ["GITHUB_TOKEN"] = "gh-env"
    assert secrets.forge_token("github", GITHUB_API) == "gh-env"
    os.environ["GH_TOKEN"] = "gh-first"
    assert secrets.forge_token("github", GITHUB_API) == "gh-first"
    assert secrets.delete_forge_token("github", "api.github.com") is True
    with pytest.raises(UsageError):
        secrets.forge_token("sourcehut", "https://git.sr.ht/api")


PUBLIC = {
    "GH_TOKEN": [
        "https://api.github.com",
        "https://API.github.com:443/",
        "https://api.acme.ghe.com",
    ],
    "GITLAB_TOKEN": ["https://gitlab.com/api/v4"],
    "BITBUCKET_TOKEN": ["https://api.bitbucket.org/2.0"],
}
ELSEWHERE = [
    "https://code.example.test/api/v3",  # kind = "github" in a repository file
    "https://github.com/api/v3",  # the web host, not the API
    "https://api.github.com.evil.test",
    "https://evil.test/api.github.com",
    "https://api.github.com@evil.test",
    "https://api.github.com\\@evil.test",
    "https://api.github.com:8443",
    "http://api.github.com",
    "https://api.ghe.com",
    "https://api.a.b.ghe.com",
    "https://gitlab.example.test/api/v4",
    "https://bitbucket.corp/rest/api/latest",  # Data Center: never the Cloud's token
    "http://127.0.0.1:7990/rest/api/latest",
]


def test_an_environment_token_goes_only_to_its_public_services_own_api(
    secret_service: Session,
) -> None:
    """GH_TOKEN/GITHUB_TOKEN to api.github.com and api.*.ghe.com, GITLAB_TOKEN to gitlab.com,
    BITBUCKET_TOKEN to api.bitbucket.org: whatever the forge's kind, nowhere else."""
    for name in (name for row in FORGES for name in row.token_variables):
        os.environ[name] = f"canary-{name}"
    for name, urls in PUBLIC.items():
        for url in urls:
            for kind in KINDS:  # the kind a repository file may set changes nothing
                assert secrets.forge_token(kind, url) == f"canary-{name}", (kind, url)
    for url in ELSEWHERE:
        assert secrets.forge_variable(url) is None, url
        for kind in KINDS:
            assert secrets.forge_token(kind, url) is None, (kind, url)
        assert "TRACKER_GIT_FORGE_TOKEN with TRACKER_GIT_FORGE_HOST=" in (
            secrets.forge_token_advice(url)
        )
    assert secrets.forge_token_advice(GITHUB_API) == "set GH_TOKEN or GITHUB_TOKEN"


def test_a_self_hosted_forge_gets_the_token_bound_to_its_host(secret_service: Session) -> None:
    os.environ["TRACKER_GIT_FORGE_TOKEN"] = "canary-bound"
    # Bound to nothing: it goes nowhere.
    assert secrets.forge_token("github", "https://git.corp/api/v3") is None
    os.environ["TRACKER_GIT_FORGE_HOST"] = "https://GIT.corp/"
    for kind in KINDS:
        assert secrets.forge_token(kind, "https://git.corp/api/v3") == "canary-bound"
    for url in ("https://git.corp:8443/api/v3", "https://evil.test/api/v3", GITHUB_API):
        assert secrets.forge_token("github", url) is None, url
    os.environ["TRACKER_GIT_FORGE_HOST"] = "127.0.0.1:7990"
    assert secrets.forge_token("bitbucket-dc", "http://127.0.0.1:7990/rest") == "canary-bound"
    assert secrets.forge_token("bitbucket-dc", "http://127.0.0.1:7991/rest") is None
    assert "TRACKER_GIT_FORGE_TOKEN" in secrets.TOKEN_VARIABLES


def test_entries_stored_before_0_2_under_the_web_host_still_serve_their_api_host(
    secret_service: Session,
) -> None:
    for account, token in (
        ("forge:github:github.com", "gh-old-entry"),
        ("forge:bitbucket-cloud:bitbucket.org", "bb-old-entry"),
    ):
        secret_service.store(token, service=secrets.SERVICE, username=account)
    assert secrets.forge_token("github", GITHUB_API) == "gh-old-entry"
    assert secrets.forge_token("bitbucket-cloud", "https://api.bitbucket.org/2.0") == "bb-old-entry"
    # Only the API host that entry always went to; no other host gets it.
    assert secrets.forge_token("github", "https://ghe.example.com/api/v3") is None
    assert secrets.forge_token("github", "https://api.acme.ghe.com") is None
    # A newer entry wins over the old one.
    secrets.store_forge_token("github", "api.github.com", "gh-new-entry")
    assert secrets.forge_token("github", GITHUB_API) == "gh-new-entry"


def test_scrubbed_tokens_stay_readable_but_reach_no_subprocess() -> None:
    os.environ["TRACKER_TOKEN"] = "canary-scrub-1"
    os.environ["GITLAB_TOKEN"] = "canary-scrub-2"
    secrets.scrub_environment()
    try:
        assert "TRACKER_TOKEN" not in os.environ and "GITLAB_TOKEN" not in os.environ
        assert secrets.tracker_token(cfg()) == "canary-scrub-1"
        assert secrets.forge_token("gitlab", "https://gitlab.com/api/v4") == "canary-scrub-2"
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(sorted(os.environ.items()))"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "canary-scrub" not in child.stdout
    finally:
        secrets.forget_held()


def test_one_list_of_secret_variables_for_every_child() -> None:
    from tracker_git.core import git

    os.environ["GH_ENTERPRISE_TOKEN"] = "canary-ghe"
    os.environ["CANARY_WEBHOOK"] = "https://hooks.example/canary"
    try:
        secrets.scrub_environment()
        assert "GH_ENTERPRISE_TOKEN" not in os.environ
        assert "CANARY_WEBHOOK" in git.child_environment()
        assert secrets.named_secret("CANARY_WEBHOOK") == "https://hooks.example/canary"
        # Read once, it is held: no child of ours gets it, whichever way it is started.
        assert "CANARY_WEBHOOK" not in os.environ
        # Nor from an environment of its own (the demo's git gets one).
        canaries = {"CANARY_WEBHOOK": "x", "GH_ENTERPRISE_TOKEN": "y", "KEPT": "z"}
        assert git.child_environment(canaries) == {"KEPT": "z"}
        for env in (git.child_environment(), git.child_environment({**os.environ, **canaries})):
            assert "CANARY_WEBHOOK" not in env and "GH_ENTERPRISE_TOKEN" not in env
        with pytest.raises(UsageError, match="holds a Tracker or forge token"):
            secrets.named_secret("GH_TOKEN")
    finally:
        secrets.forget_held()
