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
