"""The rules behind the hooks and `check`, on plain values."""

from __future__ import annotations

import pytest

from tracker_git.core import checks
from tracker_git.core.config import Config, key, load


def config(**values: object) -> Config:
    overrides = {
        key(name if name == "queues" else f"hooks.{name}"): v for name, v in values.items()
    }
    return load(None, overrides=overrides)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MINOR: fix a typo\n", "MINOR"),
        ("[HOTFIX] restart the worker\n", "HOTFIX"),
        ("  MINOR:fix\n", "MINOR"),
        ("minor: fix a typo\n", None),  # the case counts
        ("MINOR fix a typo\n", None),  # a colon or brackets, not a bare word
        ("MINOR:\n", None),  # nothing after it
        ("MINORITY: report\n", None),
        ("fix it\n\nMINOR: below the subject\n", None),
    ],
)
def test_keyless_marker(text: str, expected: str | None) -> None:
    assert checks.keyless_marker(text, ["MINOR", "HOTFIX"]) == expected
    assert checks.keyless_marker(text, []) is None


def test_marker_lets_a_message_pass_only_when_configured() -> None:
    assert checks.check_message("MINOR: fix a typo\n", config(allow_without_key=["MINOR"])) is None
    problem = checks.check_message("MINOR: fix a typo\n", config())
    assert problem and "references no issue key" in problem
    # Merges aside, a commit already made follows the same rule (pre-push, check range).
    assert checks.check_commit(1, "HOTFIX: x\n", config(allow_without_key=["HOTFIX"])) is None


def test_wrong_case_key_is_named_with_its_right_spelling() -> None:
    problem = checks.check_message("dev-12: fix the login\n", config())
    assert problem == (
        "the commit message references no issue key: it needs an issue key such as DEV-123; "
        "'dev-12' is not read as a key in that case; write it as DEV-12"
    )
    assert "write it as" not in (checks.check_message("fix the login\n", config()) or "")


@pytest.mark.parametrize(
    ("branch", "queues", "advice"),
    [
        ("feature/login", [], "git branch -m 'feature/DEV-123-login'"),
        ("DEV-123_fix", [], "git branch -m 'DEV-123-fix'"),
        ("DEV-123-2", [], "git branch -m 'DEV-123'"),
        ("dev-123-500-login", [], "git branch -m 'DEV-123'"),
        ("OPS-12-x", ["DEV"], "git branch -m 'DEV-123-x'"),
        ("login", ["OPS"], "git branch -m 'OPS-123-login'"),
    ],
)
def test_rename_advice_never_doubles_a_key(branch: str, queues: list[str], advice: str) -> None:
    cfg = config(queues=queues)
    problem = checks.check_branch(branch, cfg)
    assert problem is not None
    assert problem.endswith(advice)
    suggested = advice.split("'")[1]
    assert checks.check_branch(suggested, cfg) is None


def test_ambiguous_branch_points_at_queues() -> None:
    problem = checks.check_branch("DEV-123-2", config())
    assert problem is not None
    assert 'list the queue in .tracker-git.toml (queues = ["DEV"])' in problem
    assert checks.check_branch("DEV-123-2", config(queues=["DEV"])) is None


@pytest.mark.parametrize(
    ("branch", "queues", "advice"),
    [
        # The look-alike token twice: the rest after its first place is kept.
        ("D\u0415V-7-x-D\u0415V-7-y", [], "DEV-7-x-D\u0415V-7-y"),
        # The foreign letter third in the token: the rest starts after the whole token.
        ("DE\u0415-7-ab", [], "DEE-7-ab"),
        # The near miss twice: the rest after its first place is kept.
        ("feature/DEV-123_a-DEV-123_b", [], "feature/DEV-123-a-DEV-123_b"),
        # A rest that starts with a digit is fine under `queues` (DEV-123-2fix carries DEV-123).
        ("OPS-12-2fix", ["DEV"], "DEV-123-2fix"),
    ],
)
def test_rename_advice_keeps_the_rest_of_the_name(
    branch: str, queues: list[str], advice: str
) -> None:
    cfg = config(queues=queues)
    problem = checks.check_branch(branch, cfg)
    assert problem is not None and problem.endswith(f" rename it with: git branch -m '{advice}'")
    assert checks.check_branch(advice, cfg) is None


@pytest.mark.parametrize("queues", [[], ["DEV"]])
def test_a_key_glued_to_a_word_is_named_with_or_without_queues(queues: list[str]) -> None:
    """Under `queues` too (the glued token's queue, LOGINDEV, is never listed): the hint names
    the key inside it, and only a key of the team's queues."""
    cfg = config(queues=queues)
    wanted = "a key of queue DEV (such as DEV-123)" if queues else "an issue key such as DEV-123"
    assert checks.check_message("fix loginDEV-12\n", cfg) == (
        f"the commit message references no issue key: it needs {wanted}; 'loginDEV-12' is not "
        "read as a key: DEV-12 is glued to 'login'; put a space before it"
    )
    if queues:
        assert checks.check_message("fix loginOPS-12\n", cfg) == (
            f"the commit message references no issue key: it needs {wanted}"
        )


def pr_config(key_in: str) -> Config:
    return load(None, overrides={key("pr.key_in"): key_in}, environ={})


NO_KEY = "the pull request title references no issue key: it needs an issue key such as DEV-123"
BOTH = (
    "the pull request title and description reference no issue key: it needs an issue key "
    "such as DEV-123"
)
ONLY_KEY = "the pull request title has nothing but the key DEV-5: say what it does"


@pytest.mark.parametrize(
    ("title", "description", "key_in", "verdict"),
    [
        ("DEV-5: add the report", None, "title", None),
        ("DEV-5: add the report", None, "title-or-description", None),
        ("Add the report", "Fixes DEV-5", "title", NO_KEY),
        ("Add the report", "Fixes DEV-5", "title-or-description", None),
        ("Add the report", "No key here", "title-or-description", BOTH),
        ("Add the report", "", "title-or-description", BOTH),
        ("Add the report", None, "title-or-description", BOTH),
        # A key in the description stands in for a missing key, not for a title that says
        # nothing but its key.
        ("DEV-5", "Fixes DEV-5", "title-or-description", ONLY_KEY),
        ("DEV-5", None, "title", ONLY_KEY),
        (
            "add dev-5",
            None,
            "title-or-description",
            BOTH + "; 'dev-5' is not read as a key in that case; write it as DEV-5",
        ),
        ('Revert "DEV-5: x"\n\nThis reverts commit ' + "a" * 40 + ".", None, "title", None),
    ],
)
def test_pull_request_title_and_description(
    title: str, description: str | None, key_in: str, verdict: str | None
) -> None:
    assert checks.check_pr_text(title, description, pr_config(key_in)) == verdict
