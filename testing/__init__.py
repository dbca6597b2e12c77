"""Test helpers shared by the suite (not shipped)."""
