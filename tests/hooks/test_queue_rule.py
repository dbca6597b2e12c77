"""A queue setting that is not a Tracker queue key is a configuration error naming the value
and the rule, in the hooks as in every command (it used to be accepted, and every commit was
then refused with advice to write DEV1-123, which failed too)."""

from __future__ import annotations

import sys
from pathlib import Path

from testing.repos import git, run

CLI = str(Path(sys.executable).parent / "git-tracker")
RULE = "Latin letters only, as Tracker's queue keys (DEV, SUPPORT)"


def test_a_bad_queue_is_a_config_error_in_the_hook_and_the_commands(repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text('queues = ["DEV1"]\n')
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-q", "-m", "DEV1-123: fix")
    assert proc.returncode != 0
    assert f"must be a list of queue keys ({RULE}), not 'DEV1'" in proc.stderr
    assert "DEV1-123" not in proc.stderr  # no advice that cannot work
    check = run(repo, CLI, "check", "branch")
    assert check.returncode == 2
    assert check.stderr.endswith(f"'queues' must be a list of queue keys ({RULE}), not 'DEV1'\n")
