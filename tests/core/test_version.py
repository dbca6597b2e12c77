"""What a repository's `min_version` may say, and how it compares with ours."""

from __future__ import annotations

import pytest

from tracker_git.core import version


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("1", (1, 0, 0)), ("1.2", (1, 2, 0)), (" 1.2.3 ", (1, 2, 3)), ("0.10rc1", (0, 10, 0)),
     ("2.0.0.1", (2, 0, 0)), ("v1.2", None), ("", None), ("soon", None)],
)  # fmt: skip
def test_a_version_reads_as_its_numbers(text: str, numbers: tuple[int, int, int] | None) -> None:
    assert version.parse(text) == numbers


def test_a_major_version_alone_is_not_newer_than_its_own_releases() -> None:
    assert not version.older_than("1", "1.0.5")
    assert not version.older_than("1.0", "1.0.0")
    assert version.older_than("1.1", "1.0.5")
    assert not version.older_than("0.1", version.VERSION)
