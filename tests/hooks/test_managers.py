"""Living next to other hook managers: `hooks install` says what it finds and refuses (or
chains with --chain), `doctor` shows every hook type and who runs it, and a commit-msg hook
alone on a keyed branch says which hook would put the key in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo, run

BIN = Path(sys.executable).parent
CLI = str(BIN / "git-tracker")
PRE_COMMIT = str(BIN / "pre-commit")
HOOK_TYPES = ("pre-commit", "prepare-commit-msg", "commit-msg", "pre-push")
# What husky 9 writes into .husky/_/ for every hook (core.hooksPath points there).
HUSKY_SHIM = '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def tracker(repo: Path, *args: str) -> tuple[int, str]:
    proc = run(repo, CLI, *args)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


def doctor_hooks(repo: Path) -> tuple[int, list[str]]:
    """doctor --offline's exit code and its hooks lines (the summary, then one per type)."""
    code, out = tracker(repo, "doctor", "--offline")
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "  hooks: " in line)
    return code, [line.strip() for line in lines[start : start + 5]]


def test_over_pre_commit_install_refuses_with_the_snippet_then_chains(repo: Path) -> None:
    proc = run(
        repo, PRE_COMMIT, "install", "--hook-type", "commit-msg", "--hook-type", "pre-commit"
    )
    assert proc.returncode == 0, proc.stderr
    before = (repo / ".git" / "hooks" / "commit-msg").read_text()
    code, out = tracker(repo, "hooks", "install")
    assert code == 1
    assert "pre-commit manages the hooks here" in out
    assert "- id: tracker-commit-msg" in out  # the snippet to add instead
    assert "git tracker hooks install --chain" in out
    assert (repo / ".git" / "hooks" / "commit-msg").read_text() == before  # untouched

    code, out = tracker(repo, "hooks", "install", "--chain")
    assert code == 0, out
    assert "chaining behind pre-commit" in out
    code, lines = doctor_hooks(repo)
    assert code == 0
    assert "commit-msg: tracker-git, after pre-commit" in lines
    assert "pre-push: tracker-git" in lines


def test_husky_and_lefthook_are_recognised(repo: Path, tmp_path: Path) -> None:
    husky = repo / ".husky" / "_"
    husky.mkdir(parents=True)
    for name in HOOK_TYPES:
        (husky / name).write_text(HUSKY_SHIM)
        (husky / name).chmod(0o755)
    git(repo, "config", "core.hooksPath", ".husky/_")
    code, out = tracker(repo, "hooks", "install")
    assert code == 1
    assert "husky manages the hooks here" in out
    assert '.husky/commit-msg: tracker-git-hook commit-msg "$@"' in out

    other = make_repo(tmp_path / "other")
    (other / "lefthook.yml").write_text("pre-commit:\n  commands: {}\n")
    code, out = tracker(other, "hooks", "install")
    assert code == 1
    assert "lefthook manages the hooks here" in out
    assert "run: tracker-git-hook commit-msg {1}" in out


def test_a_hooks_path_with_hooks_of_its_own(repo: Path) -> None:
    hooks = repo / ".githooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    (hooks / "pre-commit").chmod(0o755)
    git(repo, "config", "core.hooksPath", ".githooks")
    code, out = tracker(repo, "hooks", "install")
    assert code == 1
    assert "core.hooksPath is .githooks, which holds hooks of its own" in out
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text(".githooks/\n")  # this clone's own folder
    assert tracker(repo, "hooks", "install", "--chain")[0] == 0
    assert (hooks / "pre-commit.tracker-git-legacy").exists()


def test_doctor_shows_every_hook_type_and_what_is_missing(repo: Path) -> None:
    code, lines = doctor_hooks(repo)
    assert code == 1
    assert lines[0].startswith("problem  hooks: tracker-git runs in none")
    assert tracker(repo, "hooks", "install")[0] == 0
    for name in ("pre-commit", "prepare-commit-msg", "pre-push"):
        os.remove(repo / ".git" / "hooks" / name)
    # Hooks-only, no organization, commit-msg alone: what is there works, so exit 0.
    code, lines = doctor_hooks(repo)
    assert code == 0, lines
    assert lines == [
        "note  hooks: tracker-git runs in 1 of 4 hook types",
        "pre-commit: none, so branch names are not checked at commit",
        "prepare-commit-msg: none, so the branch's key is not put into messages",
        "commit-msg: tracker-git",
        "pre-push: none, so pushed commits are not checked",
    ]
    _, out = tracker(repo, "doctor", "--offline")
    assert "note  organization: none: fine for the hooks" in out


def test_commit_msg_alone_on_a_keyed_branch_says_which_hook_would_fill_the_key(
    repo: Path,
) -> None:
    assert tracker(repo, "hooks", "install")[0] == 0
    os.remove(repo / ".git" / "hooks" / "prepare-commit-msg")
    git(repo, "checkout", "-q", "-b", "DEV-9-x")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-q", "-m", "fix it")
    assert proc.returncode == 1
    assert "the branch carries DEV-9" in proc.stderr
    assert "no prepare-commit-msg hook puts it in" in proc.stderr
    assert "git tracker hooks install" in proc.stderr
