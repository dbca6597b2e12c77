"""`git tracker demo` is the README's first command: it must pass, and clean up after itself."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from testing.repos import run

CLI = str(Path(sys.executable).parent / "git-tracker")


def test_demo_runs_every_step_and_cleans_up(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = run(tmp_path, CLI, "demo", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all 8 steps did what they said." in proc.stdout
    assert proc.stdout.count("  ok: ") == 16
    assert "FAILED" not in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    # Step 7 shows the relay's whole answer, its status included, not a cut-off line.
    [answer] = [line for line in proc.stdout.splitlines() if line.startswith("  202 ")]
    assert '"status": "readyForTest"' in answer and answer.endswith("}"), answer
    assert list(tmp_path.iterdir()) == []  # the throwaway repository is gone


def test_demo_keep_leaves_the_repository(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "NO_COLOR": "1"}
    proc = run(tmp_path, CLI, "demo", "--keep", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kept = re.search(r"kept the demo repository: (\S+)", proc.stdout)
    assert kept
    # The release step merged the pull request's branch: HEAD is the merge, its second parent
    # the commit (by parent, not by date: both may carry the same second).
    subjects = [
        run(Path(kept.group(1)), "git", "log", "--format=%s", "-1", rev).stdout.strip()
        for rev in ("HEAD", "HEAD^2")
    ]
    assert subjects == [
        "Merge pull request #1: DEMO-1: Fix the login form",
        "DEMO-1: Fix the login form",
    ]
