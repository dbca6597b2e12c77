"""The hooks through the real pre-commit framework, with `.pre-commit-hooks.yaml` as shipped.

The standard form `git tracker init` writes (`repo:` + `rev: v<version>`), with the project
URL swapped for a file:// URL of a throwaway git repository: a copy of this work tree's package
files (so the test sees the current code, and nobody's half-committed work elsewhere), tagged
v<version> as a release is. pre-commit clones it at the tag and pip-installs it into a hook
environment. That build takes ~10 s, so it happens once per test
run, in a run-wide PRE_COMMIT_HOME, and every test reuses it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.isolation import isolated_env
from testing.package import release_repo
from testing.repos import git, head_message, make_repo, run
from tracker_git import about, precommit

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = str(ROOT / ".venv" / "bin" / "pre-commit")
GIT_TRACKER = str(ROOT / ".venv" / "bin" / "git-tracker")
HOOK_TYPES = ("pre-commit", "commit-msg", "prepare-commit-msg", "pre-push")


@dataclass(frozen=True)
class HookRepo:
    url: str  # a file:// URL pre-commit clones from
    rev: str  # the release tag, v<version>, as `git tracker init` names it
    home: Path  # PRE_COMMIT_HOME holding the built environment

    def config(self) -> str:
        return precommit.standard_snippet(self.url, about.version())


def _session_env(scratch: Path) -> dict[str, str]:
    """The environment for building: the machine's pip settings, but a private HOME and git
    identity (the per-test isolation in conftest is not in force for session fixtures)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(isolated_env(scratch / "home"))
    return env


def _build(scratch: Path) -> HookRepo:
    """Copy the package into a new git repository and build pre-commit's environment for it."""
    env = _session_env(scratch)
    url, rev = release_repo(scratch / "tracker-git", env)

    def sh(cwd: Path, *args: str) -> str:
        proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    hook_repo = HookRepo(url=url, rev=rev, home=scratch / "pre-commit-home")
    # Build the hook environment now, so a failing pip shows up as this fixture's error.
    target = scratch / "warmup"
    sh(scratch, "git", "init", "-q", str(target))
    (target / ".pre-commit-config.yaml").write_text(hook_repo.config())
    env["PRE_COMMIT_HOME"] = str(hook_repo.home)
    sh(target, PRE_COMMIT, "install-hooks")
    return hook_repo


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """One build per test run. Under pytest-xdist every worker is its own session, so they
    share the build through the run's common temporary folder, the first one building it."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-N/, shared by this run's workers (not by later runs)
    scratch = base / "pre-commit-build"
    scratch.mkdir(exist_ok=True)
    with open(scratch / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        ready = scratch / "ready.json"
        if not ready.exists():
            built = _build(scratch)
            ready.write_text(json.dumps([built.url, built.rev, str(built.home)]))
        url, rev, home = json.loads(ready.read_text())
    return HookRepo(url=url, rev=rev, home=Path(home))


@pytest.fixture
def repo(tmp_path: Path, hook_repo: HookRepo) -> Path:
    """A repository on main whose four hook types run pre-commit with our hooks: the
    configuration `git tracker init --pre-commit` writes, its project URL swapped for the
    file:// clone (no network), installed by a bare `pre-commit install`."""
    path = make_repo(tmp_path / "repo", initial_commit=False)
    proc = run(path, GIT_TRACKER, "init", "--pre-commit")
    assert proc.returncode == 0, proc.stderr
    written = (path / ".pre-commit-config.yaml").read_text()
    assert f"  - repo: {about.project_url()}\n    rev: {hook_repo.rev}\n" in written
    (path / ".pre-commit-config.yaml").write_text(
        written.replace(about.project_url(), hook_repo.url)
    )
    git(path, "add", ".pre-commit-config.yaml", ".tracker-git.toml")
    git(path, "commit", "-q", "--no-verify", "-m", "DEV-1: add the pre-commit configuration")
    os.environ["PRE_COMMIT_HOME"] = str(hook_repo.home)  # conftest restores os.environ
    proc = run(path, PRE_COMMIT, "install")  # the hook types come from the configuration
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for hook_type in HOOK_TYPES:
        assert (path / ".git" / "hooks" / hook_type).exists()
    return path


def commit(repo: Path, message: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Stage a change and commit it through the hooks; git sends the hooks' output to stderr."""
    path = repo / "work.txt"
    path.write_text((path.read_text() if path.exists() else "") + message + "\n")
    git(repo, "add", "work.txt")
    return run(repo, "git", "commit", "-m", message, env={**os.environ, **env})


def status(output: str, name: str) -> str:
    """pre-commit's verdict for a hook, by its name in .pre-commit-hooks.yaml."""
    match = re.search(rf"^{re.escape(name)}\.*(?:\(no files to check\))?(\w+)$", output, re.M)
    assert match, f"no line for {name!r} in:\n{output}"
    return match.group(1)


def push(repo: Path, **env: str) -> tuple[int, str]:
    """`git push origin DEV-8-push`: git passes a pre-push hook's stdout to its own stdout."""
    proc = run(repo, "git", "push", "origin", "DEV-8-push", env={**os.environ, **env})
    return proc.returncode, proc.stdout + proc.stderr


def reasons(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("tracker-git:")]


BRANCH = "branch name carries a Tracker issue key"
INSERT = "insert the branch's Tracker issue key into the message"
MESSAGE = "commit message references a Tracker issue key"
PUSH = "pushed commits reference a Tracker issue key"


def test_key_is_inserted_from_the_branch_and_accepted(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "DEV-7-login")
    proc = commit(repo, "fix the login form")
    assert proc.returncode == 0, proc.stderr
    assert (status(proc.stderr, BRANCH), status(proc.stderr, INSERT)) == ("Passed", "Passed")
    assert status(proc.stderr, MESSAGE) == "Passed"
    assert head_message(repo) == "DEV-7: fix the login form\n\n"
    # Amending through the framework never inserts the key twice.
    proc = run(repo, "git", "commit", "--amend", "--no-edit")
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo) == "DEV-7: fix the login form\n\n"


def test_keyless_message_on_a_keyless_branch_is_rejected(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    proc = commit(repo, "fix the login form")
    assert proc.returncode == 1
    assert status(proc.stderr, MESSAGE) == "Failed"
    assert "- hook id: tracker-commit-msg" in proc.stderr
    [reason] = reasons(proc.stderr)
    assert "the commit message references no issue key" in reason
    assert 'reopen it with: git commit -e -F "$(git rev-parse --git-path' in reason
    assert git(repo, "rev-parse", "HEAD") == head
    saved = git(repo, "rev-parse", "--git-path", "tracker-git/REJECTED_COMMIT_MSG").strip()
    assert (repo / saved).read_text() == "fix the login form\n"


def test_skip_switches(repo: Path) -> None:
    proc = commit(repo, "keyless, skipped by id", SKIP="tracker-commit-msg")
    assert proc.returncode == 0, proc.stderr
    assert status(proc.stderr, MESSAGE) == "Skipped"
    proc = commit(repo, "keyless, everything skipped", TRACKER_GIT_SKIP="1")
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo) == "keyless, everything skipped\n\n"
    assert reasons(proc.stderr) == []


def test_keyless_branch_is_rejected_before_the_message(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature/login")
    proc = commit(repo, "DEV-1: fix the login form")
    assert proc.returncode == 1
    assert status(proc.stderr, BRANCH) == "Failed"
    assert "- hook id: tracker-branch-name" in proc.stderr
    [reason] = reasons(proc.stderr)
    assert "branch 'feature/login' carries no issue key" in reason


def test_push_accepted_and_rejected(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "checkout", "-q", "-b", "DEV-8-push")
    assert commit(repo, "first part").returncode == 0

    # A new branch: pre-commit hands the hook the range from the branch point.
    code, output = push(repo)
    assert code == 0, output
    assert (status(output, BRANCH), status(output, PUSH)) == ("Passed", "Passed")
    pushed = git(repo, "rev-parse", "HEAD").strip()
    assert git(remote, "rev-parse", "DEV-8-push").strip() == pushed

    # An update carrying a keyless commit (made with the hooks skipped) is refused.
    assert commit(repo, "second part, no key", TRACKER_GIT_SKIP="1").returncode == 0
    bad = git(repo, "rev-parse", "HEAD").strip()
    code, output = push(repo)
    assert code == 1
    assert status(output, PUSH) == "Failed"
    assert "- hook id: tracker-pre-push" in output
    [reason] = reasons(output)
    assert reason.startswith("tracker-git: 1 commit(s) to push reference no valid issue key")
    assert f"  {bad[:10]} 'second part, no key': " in output
    assert pushed[:10] not in output  # the remote has it already
    assert git(remote, "rev-parse", "DEV-8-push").strip() == pushed

    # SKIP by id lets it through.
    code, output = push(repo, SKIP="tracker-pre-push")
    assert code == 0, output
    assert status(output, PUSH) == "Skipped"
    assert git(remote, "rev-parse", "DEV-8-push").strip() == bad
