"""A repository file written for a newer tracker-git (a key this version lacks, a higher
`min_version`) never stops a commit or a push: the hooks say so once, `check` and `doctor`
name it every time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from testing.repos import git, head_message, run

CLI = str(Path(sys.executable).parent / "git-tracker")


def commit(repo: Path, name: str, message: str) -> subprocess.CompletedProcess[str]:
    (repo / name).write_text("1")
    git(repo, "add", name)
    return run(repo, "git", "commit", "-q", "-m", message)


NEWER = 'min_version = "99.0"\nqueues = ["DEV"]\n[hooks]\nsign_off = true\n[review]\nbot = "x"\n'


def test_a_newer_teammates_file_does_not_stop_commits(repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text(NEWER)
    first = commit(repo, "a", "fix the login form")
    assert first.returncode == 0, first.stderr
    assert head_message(repo).startswith("DEV-1: fix the login form")  # the rest applies
    warnings = [line for line in first.stderr.splitlines() if line.startswith("warning:")]
    assert [w.split(": ", 2)[2] for w in warnings] == [
        "unknown key 'hooks.sign_off' (ignored); known here: hooks.allow_without_key, "
        "hooks.exempt_branches, hooks.insert, hooks.online, hooks.since, hooks.strict, "
        "hooks.timeout",
        "unknown table [review] (ignored); known here: [branch], [forge], [hooks], [pr], [release], "
        "[stand], [statuses], [tracker]",
        "this repository needs tracker-git 99.0 or later, this is 0.1.0; upgrade it (pipx "
        "upgrade tracker-git, or pip install --upgrade tracker-git). Commits are not blocked",
    ]  # once for the commit, though two hooks read the file
    second = commit(repo, "b", "and the logout")
    assert (second.returncode, "warning" in second.stderr) == (0, False), second.stderr


def test_check_and_doctor_name_the_keys_every_time(repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text(NEWER)
    for _ in range(2):
        proc = run(repo, CLI, "check", "branch")
        assert proc.returncode == 0, proc.stderr
        assert "unknown key 'hooks.sign_off'" in proc.stderr
        assert "needs tracker-git 99.0 or later" in proc.stderr
    doctor = run(repo, CLI, "doctor", "--offline")
    assert "unknown table [review] (ignored)" in doctor.stdout
    config_lines = doctor.stdout.split("  config: ")[1].split("\n")
    assert config_lines[0].startswith("valid (")
    assert (
        config_lines[1]
        .strip()
        .endswith(
            "unknown key 'hooks.sign_off' (ignored); known "
            "here: hooks.allow_without_key, hooks.exempt_branches,"
            " hooks.insert, hooks.online, hooks.since, "
            "hooks.strict, hooks.timeout"
        )
    )
    assert "warning:" not in doctor.stderr  # shown once, in the report
    assert " note  config: " in doctor.stdout
