"""`hooks install --chain` over npm hook managers installed by their own install code
(testing/npm.py): the manager's hook still refuses what it refused, ours refuses what we
refuse, both pass what both accept, and uninstall puts the manager's files back byte for byte.

husky's hooks find the team's script by their own file name (`.husky/_/commit-msg` runs
`.husky/commit-msg`): kept as commit-msg.tracker-git-legacy and run by that name, husky's hook
found nothing and passed everything. Ours runs a sh hook under its own name."""

from __future__ import annotations

import json
import os
import shutil
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


def husky_4_install(repo: Path) -> None:
    """husky 4 as `npm install husky@4` sets it up: its tree unpacked, then its `install`
    script run from its folder with what npm gives an install script (INIT_CWD, the user
    agent it reads the package manager from) and none of the variables by which it knows a CI
    service (it skips installing there): git's, the home and the path only."""
    npm.unpack_tree(npm.HUSKY_4, repo)
    kept = ("PATH", "HOME", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in kept or k.startswith(("GIT_", "XDG_"))}
    env |= {"INIT_CWD": str(repo), "npm_config_user_agent": "npm/10.0.0 node/v20.0.0 linux x64"}
    husky = repo / "node_modules" / "husky"
    installed = run(husky, npm.node(), "husky", "install", env=env)
    assert installed.returncode == 0 and "husky > Done" in installed.stdout, installed.stdout


def test_chained_behind_husky_4(repo: Path) -> None:
    """husky 4 writes every hook into .git/hooks, each finding its command in package.json
    by the hook file's own name."""
    team = SIGNED.replace('"$1"', '"$HUSKY_GIT_PARAMS"')
    package = {"name": "app", "husky": {"hooks": {"commit-msg": team}}}
    (repo / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    husky_4_install(repo)
    hooks = repo / ".git" / "hooks"
    assert "Created by Husky v4.3.8" in (hooks / "commit-msg").read_text()
    before = snapshot(hooks)
    assert commit(repo, "DEV-1: not agreed")[0] == 1  # husky alone refuses it

    code, out = tracker(repo, "hooks", "install")
    assert code == 1, out
    assert f"husky manages the hooks here (husky's hooks are installed in {hooks})" in out
    code, out = tracker(repo, "hooks", "install", "--chain")
    assert code == 0, out
    both_ways(repo, "team check: not signed")
    assert "husky > commit-msg hook failed" in commit(repo, "DEV-2: no")[1]

    code, out = tracker(repo, "hooks", "uninstall")
    assert code == 0, out
    assert snapshot(hooks) == before
    assert commit(repo, "DEV-3: not agreed")[0] == 1  # husky alone again


LEFTHOOK_SIGNED = """\
commit-msg:
  commands:
    signed:
      run: "grep -q signed {1} || { echo 'team check: not signed' >&2; exit 1; }"
"""


def lefthook() -> str:
    """lefthook's own binary, from its PyPI package (the same build its npm package ships)."""
    found = shutil.which("lefthook", path=str(Path(sys.executable).parent))  # .exe on Windows
    assert found, "lefthook is a test dependency: scripts/setup --test installs it"
    return found


def hook_files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {k: v for k, v in snapshot(folder).items() if not k.endswith(".sample")}


def grow_lefthook_yml(repo: Path) -> None:
    """A pre-push command more in lefthook.yml, which lefthook notices at its next hook and
    re-syncs its hooks for. Its checksum file records the file's time in whole seconds and a
    time unchanged counts as no change: the new time is made a later second."""
    path = repo / "lefthook.yml"
    before = path.stat().st_mtime
    with path.open("a") as f:
        f.write('pre-push:\n  commands:\n    ok:\n      run: "true"\n')
    os.utime(path, (before + 2, before + 2))


def test_chained_behind_lefthook_and_its_re_sync(repo: Path) -> None:
    """lefthook rewrites its hooks when its configuration changes and moves any hook in its
    way to NAME.old: ours. Installing again chains behind the new hooks; uninstall then leaves
    exactly what lefthook wrote, no NAME.old of ours, no copy of lefthook's older hook."""
    (repo / "lefthook.yml").write_text(LEFTHOOK_SIGNED)
    git(repo, "add", "lefthook.yml")
    git(repo, "commit", "-q", "--no-verify", "-m", "lefthook")
    installed = run(repo, lefthook(), "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    hooks = repo / ".git" / "hooks"
    before = hook_files(hooks)
    assert list(before) == ["commit-msg"]

    code, out = tracker(repo, "hooks", "install")
    assert code == 1 and "lefthook manages the hooks here" in out
    assert tracker(repo, "hooks", "install", "--chain")[0] == 0
    both_ways(repo, "team check: not signed")
    code, out = tracker(repo, "hooks", "uninstall")
    assert code == 0, out
    assert hook_files(hooks) == before

    # The re-sync: a new lefthook.yml, and lefthook puts its hooks back at the next commit.
    assert tracker(repo, "hooks", "install", "--chain")[0] == 0
    grow_lefthook_yml(repo)
    git(repo, "add", "lefthook.yml")
    assert commit(repo, "DEV-1: signed, lefthook grows")[0] == 0
    assert (hooks / "commit-msg.old").exists() and (hooks / "pre-push.old").exists()
    assert commit(repo, "signed, no key yet")[0] == 0  # ours is out of the way now
    code, out = tracker(repo, "hooks", "install", "--chain")  # as the warning advises
    assert code == 0, out
    assert "commit-msg: installed again" in out and "pre-push: installed again" in out
    both_ways(repo, "team check: not signed")
    resynced = hook_files(hooks)
    code, out = tracker(repo, "hooks", "uninstall")
    assert code == 0, out
    after = hook_files(hooks)
    assert sorted(after) == ["commit-msg", "pre-push"]
    assert after["commit-msg"] == resynced["commit-msg.tracker-git-legacy"]
    assert run(repo, lefthook(), "install").returncode == 0
    assert hook_files(hooks) == after  # what lefthook itself would write: nothing to redo


def test_uninstall_after_lefthook_re_sync_leaves_no_orphans(repo: Path) -> None:
    """Uninstalled straight after the re-sync (without installing again)."""
    (repo / "lefthook.yml").write_text(LEFTHOOK_SIGNED)
    assert run(repo, lefthook(), "install").returncode == 0
    assert tracker(repo, "hooks", "install", "--chain")[0] == 0
    hooks = repo / ".git" / "hooks"
    grow_lefthook_yml(repo)
    assert commit(repo, "DEV-1: signed")[0] == 0
    code, out = tracker(repo, "hooks", "uninstall")
    assert code == 0, out
    assert sorted(hook_files(hooks)) == ["commit-msg", "pre-push"]
    assert "commit-msg: removed (the manager had rewritten its hook, which stays)" in out


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
