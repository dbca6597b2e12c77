from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker_git.core import keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DEV-123: fix login", ["DEV-123"]),
        ("fix login (DEV-1, OPS-22)", ["DEV-1", "OPS-22"]),
        ("DEV-1 and DEV-1 again", ["DEV-1"]),
        ("see DEV-123.", ["DEV-123"]),
        ("feat(DEV-5): x", ["DEV-5"]),
        ("Refs: DEV-9", ["DEV-9"]),
        ("dev-123 lower case", []),
        ("DEV-0 DEV-012", []),
        ("UTF-8 SHA-256 ISO-8601", []),
        ("CVE-2024-1234", []),
        ("ABC-123x", []),
        ("xDEV-1", []),
        ("DEV-1_2", []),
        ("v4-2", []),
        ("DEV-1.2 release", []),
        ("Д-1 кириллица", []),
    ],
)
def test_find_keys_in_messages(text: str, expected: list[str]) -> None:
    assert keys.find_keys(text) == expected


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("dev-123-fix-login", "DEV-123"),
        ("DEV-123", "DEV-123"),
        ("feature/DEV-7-x", "DEV-7"),
        ("feature-dev-7", "DEV-7"),
        ("main", None),
        ("release/1.2-3", None),
        ("utf-8-fixes", None),
    ],
)
def test_key_from_branch(branch: str, expected: str | None) -> None:
    assert keys.key_from_branch(branch) == expected


def test_configured_queues_restrict_and_reopen_look_alikes() -> None:
    assert keys.find_keys("DEV-1 OPS-2", ["ops"]) == ["OPS-2"]
    assert keys.find_keys("ISO-8601", ["ISO"]) == ["ISO-8601"]
    assert keys.key_from_branch("dev-1-x", ["OPS"]) is None


def test_normalize_key() -> None:
    assert keys.normalize_key(" dev-12 ") == "DEV-12"
    assert keys.normalize_key("DEV-12x") is None
    assert keys.normalize_key("UTF-8") is None


def test_describe_queues() -> None:
    assert keys.describe_queues([]) == "an issue key such as DEV-123"
    assert keys.describe_queues(["ops", "DEV"]) == "a key of queue DEV or OPS (such as DEV-123)"


_queue = st.text(alphabet="ABCDEFGHJKLMNOPQRSTVWXYZ", min_size=1, max_size=6).filter(
    lambda q: q not in keys.LOOKALIKE_QUEUES
)
_number = st.integers(min_value=1, max_value=10**9)
_separator = st.sampled_from([" ", "\n", "(", ")", ": ", ", ", "[", "]", "/", "\t", "'", '"'])


@given(st.text())
def test_find_keys_never_fails_and_returns_wellformed_keys(text: str) -> None:
    for key in keys.find_keys(text) + keys.find_keys(text, any_case=True):
        assert keys.normalize_key(key) == key


@given(_queue, _number, _separator, _separator, st.text(), st.text())
def test_a_key_is_found_whatever_surrounds_it(
    queue: str, number: int, left: str, right: str, before: str, after: str
) -> None:
    key = f"{queue}-{number}"
    assert key in keys.find_keys(f"{before}{left}{key}{right}{after}")


@given(_queue, _number, st.sampled_from(["x", "_", "-1", ".5", "Z9"]))
def test_a_key_glued_to_a_word_is_not_a_key(queue: str, number: int, glue: str) -> None:
    assert keys.find_keys(f"{queue}-{number}{glue}") == []
    assert keys.find_keys(f"a{queue}-{number}") == []


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("DEV-123-2", "DEV-123"),
        ("DEV-123_fix", "DEV-123"),
        ("dev-123_fix", "DEV-123"),
        ("DEV-123-500-on-the-login-page", "DEV-123"),
        ("DEV-123.2", "DEV-123"),
        ("feature_DEV-7", "DEV-7"),
        ("feature/DEV-7/x", "DEV-7"),
        ("DEV-123x", None),
        ("xDEV-1", None),
        ("OPS-1-2", None),
    ],
)
def test_with_queues_any_separator_follows_a_key(branch: str, expected: str | None) -> None:
    assert keys.key_from_branch(branch, ["DEV"]) == expected


@pytest.mark.parametrize("branch", ["DEV-123-2", "DEV-123_fix", "DEV-123-500-on-the-login-page"])
def test_without_queues_the_ambiguous_stays_refused(branch: str) -> None:
    assert keys.key_from_branch(branch) is None
    assert keys.near_misses(branch) == ["DEV-123"]


def test_written_keys_keep_the_spelling() -> None:
    assert keys.written_keys("dev-12: fix, see Ops-3", any_case=True) == [
        ("dev-12", "DEV-12"),
        ("Ops-3", "OPS-3"),
    ]


@given(
    _queue, _number, st.sampled_from(["-", "_", "/", ".", "-1", "_2", ".5", "-500-x"]), st.text()
)
def test_with_queues_a_key_is_found_before_any_separator(
    queue: str, number: int, glue: str, after: str
) -> None:
    key = f"{queue}-{number}"
    assert keys.find_keys(f"{key}{glue}{after}", [queue])[:1] == [key]
    assert keys.key_from_branch(f"{key.lower()}{glue}{after}", [queue]) == key
