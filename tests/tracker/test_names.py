"""Branch names from issues, and which issue a command is about."""

from __future__ import annotations

import pytest

from tracker_git.core.errors import ConfigError, UsageError
from tracker_git.tracker.branchname import SLUG_MAX, branch_name, slug
from tracker_git.tracker.issuekey import resolve


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
    with pytest.raises(ConfigError, match="does not carry the key"):
        branch_name("work-{slug}", "DEV-12", "x")


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
