"""Colour where it helps a person: on a terminal, unless NO_COLOR is set; never in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from testing.repos import make_repo

CLI = str(Path(sys.executable).parent / "git-tracker")
GREEN = b"\x1b[32m"


def on_a_terminal(cwd: Path, env: dict[str, str]) -> bytes:
    """What `git tracker doctor --offline` writes to a pseudo-terminal."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [CLI, "doctor", "--offline"], cwd=cwd, env=env, stdout=secondary, stderr=secondary
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=30)
    os.close(primary)
    return b"".join(chunks)


def test_colour_on_a_terminal_only_and_never_with_no_color(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    env = {**os.environ, "TERM": "xterm"}
    assert GREEN in on_a_terminal(repo, env)
    assert b"\x1b[" not in on_a_terminal(repo, {**env, "NO_COLOR": "1"})
    piped = subprocess.run([CLI, "doctor", "--offline"], cwd=repo, env=env, capture_output=True)
    assert b"ok  repository" in piped.stdout
    assert b"\x1b[" not in piped.stdout + piped.stderr
