"""`git tracker check pr`: the pull request gate a CI job runs (see gate.py)."""
