"""`hooks install --chain` over npm hook managers installed by their own install code
(testing/npm.py): the manager's hook still refuses what it refused, ours refuses what we
refuse, both pass what both accept, and uninstall puts the manager's files back byte for byte.

husky's hooks find the team's script by their own file name (`.husky/_/commit-msg` runs
`.husky/commit-msg`): kept as commit-msg.tracker-git-legacy and run by that name, husky's hook
found nothing and passed everything. Ours runs a sh hook under its own name."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from testing import npm
from testing.repos import git, make_repo, run

CLI = str(Path(sys.executable).parent / "git-tracker")
# The team's own check: a message must say "signed".
SIGNED = 'grep -q signed "$1" || { echo "team check: not signed" >&2; exit 1; }'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = make_repo(tmp_path / "repo")
    (path / ".gitignore").write_text("node_modules/\n")
    git(path, "add", ".gitignore")
    git(path, "commit", "-q", "--no-verify", "-m", "ignore node_modules")
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def commit(repo: Path, message: str) -> tuple[int, str]:
    (repo / "f").write_text(message)
    git(repo, "add", "f")
    proc = run(repo, "git", "commit", "-q", "-m", message)
    return proc.returncode, proc.stdout + proc.stderr


def tracker(repo: Path, *args: str) -> tuple[int, str]:
    proc = run(repo, CLI, *args)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


def both_ways(repo: Path, team_says: str) -> None:
    """Theirs refusing, ours refusing, both passing: on a keyless branch, so our check bites."""
    code, out = commit(repo, "DEV-1: not agreed")
    assert code == 1, out
    assert team_says in out  # the manager's hook ran, by its own name
    code, out = commit(repo, "signed, but no key")
    assert code == 1, out
    assert "tracker-git: " in out and "references no issue key" in out
    code, out = commit(repo, "DEV-1: signed off")
    assert code == 0, out


def test_chained_behind_husky_9(repo: Path) -> None:
    husky = npm.unpack(npm.HUSKY, repo, "husky")
    installed = run(repo, npm.node(), str(husky / "bin.js"))
    assert installed.returncode == 0, installed.stderr
    assert git(repo, "config", "core.hooksPath").strip() == ".husky/_"
    (repo / ".husky" / "commit-msg").write_text(SIGNED + "\n")  # the team's script, tracked
    before = snapshot(repo / ".husky")
    assert commit(repo, "DEV-1: not agreed")[0] == 1  # husky alone refuses it

    code, out = tracker(repo, "hooks", "install")
    assert code == 1 and "husky manages the hooks here" in out
    code, out = tracker(repo, "hooks", "install", "--chain")
    assert code == 0, out
    # husky's .husky/_ ignores itself: nothing of ours can be committed.
    assert git(repo, "status", "--porcelain", "--untracked-files=all", "--", ".husky/_") == ""
    both_ways(repo, "team check: not signed")
    assert "husky - commit-msg script failed (code 1)" in commit(repo, "DEV-2: no")[1]

    code, out = tracker(repo, "hooks", "uninstall")
    assert code == 0, out
    assert snapshot(repo / ".husky") == before
    assert commit(repo, "DEV-3: not agreed")[0] == 1  # husky alone again


def test_chained_behind_simple_git_hooks(repo: Path) -> None:
    package = {"name": "app", "simple-git-hooks": {"commit-msg": SIGNED}}
    (repo / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    sgh = npm.unpack(npm.SIMPLE_GIT_HOOKS, repo, "simple-git-hooks")
    installed = run(repo, npm.node(), str(sgh / "cli.js"))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    hooks = repo / ".git" / "hooks"
    before = snapshot(hooks)
    assert "SIMPLE_GIT_HOOKS" in (hooks / "commit-msg").read_text()

    code, out = tracker(repo, "hooks", "install")
    assert code == 1, out
    assert "simple-git-hooks manages the hooks here" in out
    assert 'commit-msg: ... && tracker-git-hook commit-msg "$@"' in out
    code, out = tracker(repo, "hooks", "install", "--chain")
    assert code == 0, out
    both_ways(repo, "team check: not signed")

    code, out = tracker(repo, "hooks", "uninstall")
    assert code == 0, out
    assert snapshot(hooks) == before


def test_a_sh_hook_runs_under_its_own_name_and_others_as_they_are(repo: Path) -> None:
    """What the chained hook passes on: $0 ends in the hook's name for a sh script, the
    arguments and (pre-push) stdin are the same; a hook in another language is run as is."""
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    log = repo.parent / "log"
    (hooks / "commit-msg").write_text(f'#!/bin/sh\necho "sh $(basename "$0") $#" >> {log}\n')
    (hooks / "pre-push").write_text(
        "#!/usr/bin/env python3\nimport sys\n"
        f"open({str(log)!r}, 'a').write(f'py {{sys.argv[0].rsplit(\"/\", 1)[1]}} '\n"
        "    f'{len(sys.argv) - 1} {sys.stdin.read().split()[0]}\\n')\n"
    )
    for name in ("commit-msg", "pre-push"):
        os.chmod(hooks / name, 0o755)
    assert tracker(repo, "hooks", "install", "--chain")[0] == 0
    since = git(repo, "rev-parse", "HEAD").strip()  # the keyless commits before are not ours
    (repo / ".tracker-git.toml").write_text(f'[hooks]\nsince = "{since}"\n')
    git(repo, "checkout", "-q", "-b", "DEV-1-x")
    assert commit(repo, "a change")[0] == 0
    remote = make_repo(repo.parent / "remote.git", initial_commit=False)
    git(repo, "push", "-q", str(remote), "DEV-1-x")
    assert log.read_text().splitlines() == [
        "sh commit-msg 1",
        "py pre-push.tracker-git-legacy 2 refs/heads/DEV-1-x",
    ]


def test_a_hooks_folder_git_would_commit_gets_no_hooks_of_ours(repo: Path) -> None:
    """Our hooks name this machine's Python: never into a folder the team commits."""
    hooks = repo / ".githooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    (hooks / "pre-commit").chmod(0o755)
    git(repo, "config", "core.hooksPath", ".githooks")
    before = snapshot(hooks)
    code, out = tracker(repo, "hooks", "install", "--chain")
    assert code == 1
    assert "is in the work tree and git does not ignore it" in out
    assert 'tracker-git-hook commit-msg "$1"' in out
    assert snapshot(hooks) == before
    (repo / ".git" / "info").mkdir(exist_ok=True)
    with (repo / ".git" / "info" / "exclude").open("a") as f:
        f.write(".githooks/\n")  # ignored: a folder of this clone only
    assert tracker(repo, "hooks", "install", "--chain")[0] == 0
    git(repo, "add", "-f", ".githooks/pre-commit.tracker-git-legacy")  # tracked: refused again
    assert tracker(repo, "hooks", "install")[0] == 1
