"""`git tracker hooks install` / `uninstall`, run through the real console script, with real git.

Foreign hooks are kept and chained, `core.hooksPath` and linked worktrees are respected, and
uninstall gives back exactly what was there.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from testing.repos import commit_file, git, head_message, make_repo, run

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "bin" / "git-tracker"
HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "pre-push")
LEGACY = ".tracker-git-legacy"
MARKER = "# tracker-git plain hook:"
SKIP_ALL = {"TRACKER_GIT_SKIP": "1"}


def tracker(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cwd, str(CLI), *args)


def install(cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = tracker(cwd, "hooks", "install")
    assert proc.returncode == 0, proc.stderr
    return proc


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def write_hook(path: Path, text: str | bytes, mode: int = 0o755) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    path.chmod(mode)


def snapshot(folder: Path) -> dict[str, tuple[str, bytes, int]]:
    """Every entry of a hooks folder: kind, bytes (or link target) and permission bits."""
    found = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            found[entry.name] = ("link", os.readlink(entry).encode(), 0)
        else:
            found[entry.name] = ("file", entry.read_bytes(), stat.S_IMODE(entry.stat().st_mode))
    return found


def baked_python(hook: Path) -> str:
    for line in hook.read_text().splitlines():
        if line.startswith("PYTHON='"):
            return line[len("PYTHON='") : -1]
    raise AssertionError(f"{hook} names no interpreter")


def stage(repo: Path, name: str, content: str) -> None:
    (repo / name).write_text(content)
    git(repo, "add", name)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def test_fresh_install_writes_all_four_with_the_absolute_interpreter(repo: Path) -> None:
    proc = install(repo)
    hooks_dir = repo / ".git" / "hooks"
    assert f"plain git hooks in {hooks_dir}:" in proc.stderr
    # The interpreter the console script runs under, as git's PATH may not lead to it.
    interpreter = CLI.read_text().splitlines()[0].removeprefix("#!")
    for name in HOOKS:
        hook = hooks_dir / name
        assert f"  {name}: installed" in proc.stderr.splitlines()
        assert hook.stat().st_mode & 0o111 == 0o111, name
        assert MARKER in hook.read_text()
        assert baked_python(hook) == interpreter
        assert os.path.isabs(interpreter) and os.access(interpreter, os.X_OK)
    assert not list(hooks_dir.glob(f"*{LEGACY}"))
    # And git runs them: the key comes from the branch, a keyless branch is refused.
    git(repo, "checkout", "-q", "-b", "DEV-1-login")
    commit_file(repo, "a", "1", "fix the login form")
    assert head_message(repo).startswith("DEV-1: fix the login form")
    git(repo, "checkout", "-q", "-b", "topic")
    stage(repo, "b", "2")
    proc = run(repo, "git", "commit", "-q", "-m", "DEV-1: more")
    assert proc.returncode == 1
    assert "branch 'topic' carries no issue key" in proc.stderr


def test_foreign_commit_msg_hook_is_kept_and_runs_first(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "commit-msg"
    write_hook(
        hook, '#!/bin/sh\necho "legacy saw: $(head -n 1 "$1")" >&2\nexit "${LEGACY_EXIT:-0}"\n'
    )
    original = hook.read_bytes()
    proc = install(repo)
    legacy = hook.with_name("commit-msg" + LEGACY)
    assert legacy.read_bytes() == original
    assert f"commit-msg: installed; the existing hook is kept and runs first ({legacy})" in (
        proc.stderr
    )
    git(repo, "checkout", "-q", "-b", "DEV-1-login")
    # Its failure blocks a message ours would accept, and its output reaches the user.
    stage(repo, "a", "1")
    proc = run(repo, "git", "commit", "-q", "-m", "fix it", env=env(LEGACY_EXIT="3"))
    assert proc.returncode == 1
    assert "legacy saw: DEV-1: fix it" in proc.stderr
    assert "tracker-git:" not in proc.stderr
    # When it passes, ours still judges the message, after it.
    git(repo, "checkout", "-q", "main")
    proc = run(repo, "git", "commit", "-q", "-m", "no key here")
    assert proc.returncode == 1
    assert proc.stderr.index("legacy saw: no key here") < proc.stderr.index("tracker-git:")
    assert "references no issue key" in proc.stderr
    proc = run(repo, "git", "commit", "-q", "-m", "DEV-2: with a key")
    assert proc.returncode == 0, proc.stderr
    assert "legacy saw: DEV-2: with a key" in proc.stderr


def test_foreign_prepare_commit_msg_hook_runs_before_the_key_is_inserted(repo: Path) -> None:
    # A hook that puts its own key in: ours then finds a key and inserts none.
    write_hook(
        repo / ".git" / "hooks" / "prepare-commit-msg",
        '#!/bin/sh\nprintf "OPS-9: %s\\n" "$(cat "$1")" > "$1.new" && mv "$1.new" "$1"\n',
    )
    install(repo)
    git(repo, "checkout", "-q", "-b", "DEV-1-login")
    commit_file(repo, "a", "1", "fix the login form")
    assert head_message(repo).startswith("OPS-9: fix the login form")
    assert "DEV-1" not in head_message(repo)


PRE_PUSH_LOGGER = """#!/bin/sh
echo "args: $1 $2" >> "$LEGACY_LOG"
cat >> "$LEGACY_LOG"
exit "${LEGACY_EXIT:-0}"
"""


def test_foreign_pre_push_hook_and_ours_both_get_the_refs(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    write_hook(repo / ".git" / "hooks" / "pre-push", PRE_PUSH_LOGGER)
    install(repo)
    log = tmp_path / "legacy.log"
    git(repo, "checkout", "-q", "-b", "DEV-1-push")
    commit_file(repo, "a", "1", "fix the push")
    sha = git(repo, "rev-parse", "HEAD").strip()
    refs = f"refs/heads/DEV-1-push {sha} refs/heads/DEV-1-push {'0' * 40}"

    proc = run(repo, "git", "push", "-q", "origin", "DEV-1-push", env=env(LEGACY_LOG=str(log)))
    assert proc.returncode == 0, proc.stderr
    assert log.read_text() == f"args: origin {remote}\n{refs}\n"
    assert git(remote, "rev-parse", "DEV-1-push").strip() == sha

    # A keyless commit: the legacy hook passes and sees the refs; ours sees them too and refuses.
    log.unlink()
    (repo / "b").write_text("2")
    git(repo, "add", "b")
    git(repo, "commit", "-q", "-m", "no key", env=env(**SKIP_ALL))
    bad = git(repo, "rev-parse", "HEAD").strip()
    proc = run(repo, "git", "push", "origin", "DEV-1-push", env=env(LEGACY_LOG=str(log)))
    assert proc.returncode == 1
    assert (
        log.read_text()
        == f"args: origin {remote}\nrefs/heads/DEV-1-push {bad} refs/heads/DEV-1-push {sha}\n"
    )
    assert f"{bad[:10]} 'no key'" in proc.stderr
    assert git(remote, "rev-parse", "DEV-1-push").strip() == sha

    # The legacy hook's failure blocks a push ours would allow.
    git(repo, "commit", "-q", "--amend", "-m", "DEV-1: with a key", env=env(**SKIP_ALL))
    proc = run(
        repo,
        "git",
        "push",
        "origin",
        "DEV-1-push",
        env=env(LEGACY_LOG=str(log), LEGACY_EXIT="1"),
    )
    assert proc.returncode == 1
    assert "tracker-git:" not in proc.stderr
    assert git(remote, "rev-parse", "DEV-1-push").strip() == sha


def test_reinstall_updates_ours_and_leaves_the_legacy_hook(repo: Path) -> None:
    hooks_dir = repo / ".git" / "hooks"
    write_hook(hooks_dir / "commit-msg", "#!/bin/sh\nexit 0\n")
    install(repo)
    fresh = snapshot(hooks_dir)
    # An older or edited copy of ours: still ours (the marker), so it is replaced, not kept.
    ours = hooks_dir / "commit-msg"
    ours.write_text(ours.read_text().replace("exec ", "exec /bin/false ") + "# stale\n")
    proc = install(repo)
    lines = proc.stderr.splitlines()
    assert "  commit-msg: updated" in lines
    for name in set(HOOKS) - {"commit-msg"}:  # what is already as it would be written
        assert f"  {name}: unchanged" in lines
    assert snapshot(hooks_dir) == fresh
    assert (hooks_dir / f"commit-msg{LEGACY}").read_text() == "#!/bin/sh\nexit 0\n"
    assert not (hooks_dir / f"commit-msg{LEGACY}{LEGACY}").exists()


def test_uninstall_restores_what_was_there_byte_for_byte(repo: Path, tmp_path: Path) -> None:
    hooks_dir = repo / ".git" / "hooks"
    # Odd bytes, odd modes, a symlink (as husky-style setups have): all come back as they were.
    write_hook(hooks_dir / "commit-msg", b"#!/bin/sh\r\n# caf\xe9\r\nexit 0", mode=0o750)
    write_hook(hooks_dir / "pre-push", "#!/bin/sh\nexit 0\n", mode=0o700)
    script = tmp_path / "shared-hook"
    write_hook(script, "#!/bin/sh\nexit 0\n")
    (hooks_dir / "prepare-commit-msg").symlink_to(script)
    write_hook(hooks_dir / "post-checkout", "#!/bin/sh\nexit 0\n")
    before = snapshot(hooks_dir)

    install(repo)
    assert (hooks_dir / f"prepare-commit-msg{LEGACY}").is_symlink()
    proc = tracker(repo, "hooks", "uninstall")
    assert proc.returncode == 0, proc.stderr
    assert "  commit-msg: removed; the previous hook is restored" in proc.stderr.splitlines()
    assert "  pre-commit: removed" in proc.stderr.splitlines()
    assert snapshot(hooks_dir) == before

    # Again: nothing of ours is left, so the foreign hooks are only named, never touched.
    proc = tracker(repo, "hooks", "uninstall")
    assert proc.returncode == 0
    assert "removed" not in proc.stderr
    assert snapshot(hooks_dir) == before


def test_uninstall_leaves_a_hook_that_is_not_ours(repo: Path) -> None:
    install(repo)
    hooks_dir = repo / ".git" / "hooks"
    write_hook(hooks_dir / "pre-push", "#!/bin/sh\n# someone else's, written after ours\n")
    proc = tracker(repo, "hooks", "uninstall")
    assert proc.returncode == 0, proc.stderr
    assert "  pre-push: left alone (not installed by tracker-git)" in proc.stderr.splitlines()
    assert sorted(p.name for p in hooks_dir.iterdir()) == ["pre-push"]
    assert "someone else's" in (hooks_dir / "pre-push").read_text()


@pytest.mark.parametrize("kind", ["relative", "absolute"])
def test_core_hooks_path_is_respected(repo: Path, tmp_path: Path, kind: str) -> None:
    target = repo / ".githooks" if kind == "relative" else tmp_path / "team-hooks"
    git(repo, "config", "core.hooksPath", ".githooks" if kind == "relative" else str(target))
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text(".githooks/\n")  # not for committing
    (repo / "src" / "deep").mkdir(parents=True)
    # From a subfolder: a relative hooksPath is relative to the top of the work tree, as git
    # reads it when it runs hooks.
    proc = install(repo / "src" / "deep")
    assert f"plain git hooks in {target}:" in proc.stderr
    assert sorted(p.name for p in target.iterdir()) == sorted(HOOKS)
    assert not [p for p in (repo / ".git" / "hooks").glob("*") if p.name in HOOKS]
    git(repo, "checkout", "-q", "-b", "DEV-5-paths")
    (repo / "src" / "deep" / "f").write_text("1")
    git(repo / "src" / "deep", "add", "f")
    git(repo / "src" / "deep", "commit", "-q", "-m", "from a subfolder")
    assert head_message(repo).startswith("DEV-5: from a subfolder")
    proc = tracker(repo, "hooks", "uninstall")
    assert proc.returncode == 0
    assert list(target.iterdir()) == []


def test_install_from_a_linked_worktree_uses_the_common_hooks(repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(worktree), "-b", "DEV-2-worktree")
    proc = install(worktree)
    common = repo / ".git" / "hooks"
    assert f"plain git hooks in {common}:" in proc.stderr
    assert sorted(p.name for p in common.iterdir()) == sorted(HOOKS)
    commit_file(worktree, "a", "1", "work in the worktree")
    assert head_message(worktree).startswith("DEV-2: work in the worktree")
    # The same hooks guard the main work tree.
    stage(repo, "b", "2")
    assert run(repo, "git", "commit", "-q", "-m", "keyless on main").returncode == 1
    # And a keyless branch in the worktree is refused there.
    git(worktree, "checkout", "-q", "-b", "topic")
    stage(worktree, "c", "3")
    proc = run(worktree, "git", "commit", "-q", "-m", "DEV-2: more")
    assert proc.returncode == 1
    assert "branch 'topic' carries no issue key" in proc.stderr


def test_refuses_when_a_foreign_hook_and_a_legacy_copy_both_exist(repo: Path) -> None:
    hooks_dir = repo / ".git" / "hooks"
    write_hook(hooks_dir / "pre-commit", "#!/bin/sh\necho new\n")
    write_hook(hooks_dir / f"pre-commit{LEGACY}", "#!/bin/sh\necho old\n")
    before = snapshot(hooks_dir)
    proc = tracker(repo, "hooks", "install")
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert str(hooks_dir / "pre-commit") in lines[0]
    assert str(hooks_dir / f"pre-commit{LEGACY}") in lines[0]
    assert "git tracker hooks install" in lines[0]
    assert "Traceback" not in proc.stderr
    assert snapshot(hooks_dir) == before


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    proc = tracker(tmp_path, "hooks", "install")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: not inside a git work tree")
    assert len(proc.stderr.splitlines()) == 1


def test_interpreter_path_with_quotes_and_spaces(repo: Path, tmp_path: Path) -> None:
    """The baked path is shell-quoted: a venv under "it's here" still runs the hooks."""
    odd = tmp_path / "it's a dir" / "venv"
    odd.parent.mkdir()
    odd.symlink_to(ROOT / ".venv")
    python = odd / "bin" / "python"
    proc = run(repo, str(python), "-m", "tracker_git", "hooks", "install")
    assert proc.returncode == 0, proc.stderr
    assert baked_python(repo / ".git" / "hooks" / "commit-msg") == str(python).replace("'", "'\\''")
    # Without the venv on PATH, so only the baked path can lead to the hooks.
    system_path = env(PATH="/usr/bin:/bin")
    git(repo, "checkout", "-q", "-b", "DEV-3-quotes")
    stage(repo, "a", "1")
    git(repo, "commit", "-q", "-m", "quoted", env=system_path)
    assert head_message(repo).startswith("DEV-3: quoted")
    stage(repo, "b", "2")
    git(repo, "checkout", "-q", "main")
    proc = run(repo, "git", "commit", "-q", "-m", "no key", env=system_path)
    assert proc.returncode == 1
    assert "references no issue key" in proc.stderr
