"""Fixtures of the `check pr` tests (tests/cigate/helpers.py)."""

from tests.cigate.helpers import github_event, upstream

__all__ = ["github_event", "upstream"]
