"""The suite's own settings for loaded machines (issue 25 item 7): Hypothesis examples have no
deadline (tests/conftest.py), so a correct example that waited for a core is not a failure."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st


def test_the_profile_has_no_deadline() -> None:
    assert settings().deadline is None


@settings(max_examples=2, database=None)
@given(st.integers())
def test_a_slow_example_is_not_a_failure(n: int) -> None:
    time.sleep(0.25)  # longer than Hypothesis's default deadline (200 ms), as on a busy machine
    assert isinstance(n, int)
