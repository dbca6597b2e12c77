"""pytest fixtures: keyring (registered in tests/conftest.py)."""

from __future__ import annotations
