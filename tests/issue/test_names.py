"""Branch names from issues, and which issue a command is about."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker_git.core.checks import check_branch
from tracker_git.core.config import Config, Top, load
from tracker_git.core.errors import ConfigError, UsageError
from tracker_git.core.keys import key_from_branch
from tracker_git.issue.branch import SLUG_MAX, branch_name, slug
from tracker_git.issue.key import resolve


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Fix login: 500 on SSO", "fix-login-500-on-sso"),
        ("Исправить вход через SSO", "ispravit-vkhod-cherez-sso"),
        ("Щука, ёж и объём", "shchuka-ezh-i-obieem"),
        ("Café  déjà-vu!!", "cafe-deja-vu"),
        ("🎉", ""),
    ],
)
def test_slug(summary: str, expected: str) -> None:
    assert slug(summary) == expected


def test_slug_is_capped_at_a_word_boundary() -> None:
    long = "Переделать экран входа чтобы он работал на медленных телефонах"
    made = slug(long)
    assert len(made) <= SLUG_MAX
    assert slug(long + " extra").startswith(made)
    assert not made.endswith("-")
    assert len(slug("a" * 100)) == SLUG_MAX


def test_branch_name_from_the_pattern() -> None:
    assert branch_name("{key}-{slug}", "DEV-12", "Fix it") == "DEV-12-fix-it"
    assert branch_name("feature/{key}-{slug}", "DEV-12", "🎉") == "feature/DEV-12"
    assert branch_name("{queue}/{number}-{key}", "DEV-12", "x") == "DEV/12-DEV-12"
    with pytest.raises(ConfigError, match="unknown placeholder"):
        branch_name("{key}-{title}", "DEV-12", "x")
    with pytest.raises(ConfigError, match="the hooks do not find DEV-12"):
        branch_name("work-{slug}", "DEV-12", "x")
    with pytest.raises(ConfigError, match="the hooks do not find DEV-12"):
        branch_name("x{key}-{slug}", "DEV-12", "x")


@pytest.mark.parametrize(
    ("pattern", "summary", "queues", "expected"),
    [
        ("{key}-{slug}", "500 on the login page", ["DEV"], "DEV-123-500-on-the-login-page"),
        ("{key}-{slug}", "2FA for admins", ["DEV"], "DEV-123-2fa-for-admins"),
        ("{key}_{slug}", "Fix login", ["DEV"], "DEV-123_fix-login"),
        # Without queues these would read as part of the key: the name keeps only the key.
        ("{key}-{slug}", "500 on the login page", [], "DEV-123"),
        ("{key}_{slug}", "Fix login", [], "DEV-123"),
        ("{slug}-{key}", "Port python 3", [], "DEV-123"),
        ("feature/{key}.{slug}", "fix", [], "feature/DEV-123.fix"),
    ],
)
def test_branch_name_is_one_the_hooks_accept(
    pattern: str, summary: str, queues: list[str], expected: str
) -> None:
    name = branch_name(pattern, "DEV-123", summary, queues)
    assert name == expected
    assert check_branch(name, config_with(queues)) is None


_PATTERNS = st.builds(
    lambda prefix, first, sep, suffix: prefix + (first[0] + sep + first[1]) + suffix,
    st.sampled_from(["", "feature/", "bug-", "users/me/"]),
    st.sampled_from([("{key}", "{slug}"), ("{slug}", "{key}")]),
    st.sampled_from(["-", "_", "/", ".", "--"]),
    st.sampled_from(["", "-wip", "/wip"]),
)


@settings(max_examples=300)  # no deadline: the profile in tests/conftest.py
@given(
    _PATTERNS,
    st.text(),
    st.sampled_from(["DEV-1", "DEV-123", "OPS-7", "AB-99999"]),
    st.sampled_from([[], ["DEV", "OPS", "AB"]]),
)
def test_start_names_always_pass_the_branch_check(
    pattern: str, summary: str, key: str, queues: list[str]
) -> None:
    """For every summary and every pattern accepted, the branch `start` makes carries its
    key under the branch-name check, as the first key the hooks read from it."""
    name = branch_name(pattern, key, summary, queues)
    config = config_with(queues)
    assert check_branch(name, config) is None, name
    assert key_from_branch(name, config.queues) == key, name


@pytest.mark.parametrize(
    "pattern", ["{key:>100000}", "{key!r}", "{key.__class__}", "{slug[0]}", "{{key}}", "{"]
)
def test_a_pattern_cannot_grow_a_name_or_reach_into_objects(pattern: str) -> None:
    # The pattern comes from a cloned repository's file: no format specs, no attributes.
    with pytest.raises(ConfigError, match="unknown placeholder or a format spec"):
        branch_name(pattern, "DEV-12", "x")


def test_a_name_over_200_characters_is_refused() -> None:
    assert len(branch_name("{key}-" + "x" * 190, "DEV-12", "x")) == 197
    with pytest.raises(ConfigError, match="gives a name of 207 characters"):
        branch_name("{key}-" + "x" * 200, "DEV-12", "x")


def test_key_order_argument_branch_ci() -> None:
    env = {"GITHUB_HEAD_REF": "DEV-3-from-ci"}
    assert resolve("dev-1", [], "DEV-2-x", env).key == "DEV-1"
    assert resolve(None, [], "feature/dev-2-x", env).key == "DEV-2"
    found = resolve(None, [], None, env)
    assert (found.key, found.source) == ("DEV-3", "$GITHUB_HEAD_REF (DEV-3-from-ci)")


@pytest.mark.parametrize(
    "variable",
    [
        "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
        "CI_COMMIT_REF_NAME", "BITBUCKET_BRANCH", "BRANCH_NAME", "GIT_BRANCH",
        "TEAMCITY_BUILD_BRANCH",
    ],
)  # fmt: skip
def test_each_ci_variable(variable: str) -> None:
    assert resolve(None, [], None, {variable: "origin/dev-7-x"}).key == "DEV-7"


def test_a_pull_request_ref_without_a_key_falls_through() -> None:
    env = {"GITHUB_REF_NAME": "12/merge", "GIT_BRANCH": "origin/DEV-8-y"}
    assert resolve(None, [], None, env).key == "DEV-8"


def test_no_key_anywhere_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="branch 'main' carries no issue key"):
        resolve(None, [], "main", {})
    with pytest.raises(UsageError, match="not an issue key"):
        resolve("UTF-8", [], None, {})
    with pytest.raises(UsageError, match="queue DEV"):
        resolve("OPS-1", ["DEV"], None, {})
    with pytest.raises(UsageError):
        resolve(None, [], None, {"GITHUB_HEAD_REF": "DEV-1-x"}, use_ci=False)


def config_with(queues: list[str]) -> Config:
    return load(None, overrides={Top.queues: queues})
