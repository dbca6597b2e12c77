"""Whether an edit would change anything (no-op edits are not sent)."""

from __future__ import annotations

from typing import Any

import pytest

from tracker_git.tracker.matching import same_value

REF = {"self": "https://x/v3/issuetypes/2", "id": "2", "key": "task", "display": "Task"}


@pytest.mark.parametrize(
    ("current", "wanted", "same"),
    [
        ("https://s", "https://s", True),
        ("https://s", "https://t", False),
        (None, "https://s", False),
        (REF, "task", True),
        (REF, "2", True),
        (REF, 2, True),
        (REF, "bug", False),
        (REF, {"key": "task"}, True),
        (REF, {"id": "3"}, False),
        ("x", {"set": "x"}, True),
        (["a"], {"add": ["a"]}, False),  # operators: always sent
        (None, None, True),
        ("", None, True),
        ("x", None, False),
        ([], [], True),
    ],
)
def test_same_value(current: Any, wanted: Any, same: bool) -> None:
    assert same_value(current, wanted) is same
