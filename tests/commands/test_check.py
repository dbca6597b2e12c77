"""`git tracker check branch|message|range`: the hooks' checks for scripts and CI, run through
the real console script. Exit 0 passes, 1 rejects with the reason, 2 is a usage or
configuration error; every failure is one line on stderr (a range lists its commits)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from testing.repos import git, make_repo, run

CLI = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "git-tracker")
NO_HOOKS = {"TRACKER_GIT_SKIP": "1"}


def check(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run(cwd, CLI, "check", *args, input=stdin)


def passes(proc: subprocess.CompletedProcess[str], says: str) -> None:
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout == f"{says}\n"


def fails(proc: subprocess.CompletedProcess[str], code: int, says: str) -> str:
    """The one error line, which must say `says`."""
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert says in lines[0], lines[0]
    return lines[0]


def commit(repo: Path, message: str, name: str = "f") -> str:
    path = repo / name
    path.write_text(path.read_text() + "x" if path.exists() else "x")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message, env={**os.environ, **NO_HOOKS})
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.mark.parametrize(
    ("name", "key"),
    [("DEV-12-fix-login", "DEV-12"), ("feature/dev-7-lower", "DEV-7"), ("ops-3", "OPS-3")],
)
def test_branch_with_a_key(repo: Path, name: str, key: str) -> None:
    passes(check(repo, "branch", name), f"branch '{name}' carries {key}")


@pytest.mark.parametrize("name", ["main", "master", "develop", "release/2.1"])
def test_exempt_branches_pass(repo: Path, name: str) -> None:
    passes(check(repo, "branch", name), f"branch '{name}' is exempt")


@pytest.mark.parametrize("name", ["feature/login", "fix-utf-8", "DEV-0-zero", "sha-256"])
def test_branch_without_a_key_is_rejected(repo: Path, name: str) -> None:
    line = fails(check(repo, "branch", name), 1, f"branch '{name}' carries no issue key")
    assert "rename it with: git branch -m" in line


def test_branch_defaults_to_the_current_one(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "DEV-3-current")
    passes(check(repo, "branch"), "branch 'DEV-3-current' carries DEV-3")
    git(repo, "checkout", "-q", "-b", "topic")
    fails(check(repo, "branch"), 1, "branch 'topic' carries no issue key")
    # A detached HEAD has no branch to judge (as in the hook): it passes.
    git(repo, "checkout", "-q", "--detach")
    assert check(repo, "branch").returncode == 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b"DEV-1: fix the login form\n", "the message references DEV-1"),
        (b"fix the login form\n\nRefs: DEV-1, OPS-2\n", "the message references DEV-1, OPS-2"),
        (b"DEV-1: fix it\r\n\r\nbody\r\n", "the message references DEV-1"),
        (b"DEV-1: caf\xe9 au lait\n", "the message references DEV-1"),
        (b"fixup! fix the login form\n", "no key needed"),
        (b'Revert "x"\n\nThis reverts commit ' + b"a" * 40 + b".\n", "no key needed"),
    ],
)
def test_good_messages(repo: Path, tmp_path: Path, text: bytes, says: str) -> None:
    (tmp_path / "msg").write_bytes(text)
    passes(check(repo, "message", str(tmp_path / "msg")), says)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("fix the login form\n", "the commit message references no issue key"),
        ("fix it\n# DEV-1 only in a comment\n", "the commit message references no issue key"),
        ("bump to UTF-8 and SHA-256\n", "the commit message references no issue key"),
        ("DEV-1:\n", "has nothing but the key DEV-1"),
    ],
)
def test_bad_messages(repo: Path, tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "msg").write_text(text)
    line = fails(check(repo, "message", str(tmp_path / "msg")), 1, says)
    assert "DEV-123" in line or "say what it does" in line


def test_message_from_stdin(repo: Path) -> None:
    passes(
        check(repo, "message", "-", stdin="DEV-9: from a pipe\n"), "the message references DEV-9"
    )
    fails(check(repo, "message", "-", stdin="from a pipe\n"), 1, "references no issue key")


def test_message_file_that_cannot_be_read(repo: Path, tmp_path: Path) -> None:
    line = fails(check(repo, "message", str(tmp_path / "missing")), 2, "cannot read")
    assert str(tmp_path / "missing") in line


def test_range_of_good_commits(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "DEV-1-topic")
    commit(repo, "DEV-1: first")
    commit(repo, "second\n\nRefs: DEV-1")
    passes(check(repo, "range", "main..HEAD"), "every commit in main..HEAD references a key")
    # An empty range passes too.
    passes(check(repo, "range", "HEAD..HEAD"), "every commit in HEAD..HEAD references a key")


def test_range_with_bad_commits_lists_each(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "DEV-1-topic")
    commit(repo, "DEV-1: fine")
    bad1 = commit(repo, "no key at all")
    commit(repo, "fixup! DEV-1: fine")
    bad2 = commit(repo, "DEV-1:")
    proc = check(repo, "range", "main..DEV-1-topic")
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0] == "error: 2 commit(s) reference no valid key:"
    assert len(lines) == 3
    # Newest first, each with its sha and subject.
    assert lines[1].startswith(f"  {bad2[:10]} 'DEV-1:': ")
    assert "nothing but the key DEV-1" in lines[1]
    assert lines[2].startswith(f"  {bad1[:10]} 'no key at all': ")
    assert "references no issue key" in lines[2]


def test_range_merges_need_no_key(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "DEV-2-merge")
    commit(repo, "DEV-2: on the branch", "a")
    git(repo, "checkout", "-q", "main")
    commit(repo, "DEV-3: on main", "b")
    git(repo, "checkout", "-q", "DEV-2-merge")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "main", env={**os.environ, **NO_HOOKS})
    assert len(git(repo, "log", "-1", "--format=%P").split()) == 2
    passes(check(repo, "range", "main..HEAD"), "every commit in main..HEAD references a key")


def test_range_usage_errors(repo: Path) -> None:
    fails(check(repo, "range", "main"), 2, "'main' is not a range; write it as A..B")
    # A revision git does not know: git's own complaint, on one line.
    proc = check(repo, "range", "nope..HEAD")
    assert proc.returncode in (1, 2)
    assert len(proc.stderr.splitlines()) == 1
    assert "nope" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_queues_from_the_repository_config(repo: Path, tmp_path: Path) -> None:
    (repo / ".tracker-git.toml").write_text('queues = ["DEV", "iso"]\n')
    # Only those queues count; a listed queue wins over the look-alike deny-list.
    passes(check(repo, "branch", "iso-9001-audit"), "branch 'iso-9001-audit' carries ISO-9001")
    line = fails(check(repo, "branch", "OPS-1-other"), 1, "carries no issue key")
    assert "a key of queue DEV or ISO (such as DEV-123)" in line
    fails(check(repo, "message", "-", stdin="OPS-1: other queue\n"), 1, "a key of queue DEV or ISO")
    passes(
        check(repo, "message", "-", stdin="ISO-9001: certify\n"), "the message references ISO-9001"
    )
    git(repo, "checkout", "-q", "-b", "DEV-1-queues")
    commit(repo, "DEV-1: ours")
    other = commit(repo, "OPS-1: theirs")
    proc = check(repo, "range", "main..HEAD")
    assert proc.returncode == 1
    assert f"  {other[:10]} 'OPS-1: theirs'" in proc.stderr
    # From a subfolder, the same configuration.
    (repo / "sub").mkdir()
    fails(check(repo / "sub", "branch", "OPS-1-other"), 1, "a key of queue DEV or ISO")


def test_configuration_errors_are_exit_2(repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text('queues = "DEV"\n')
    line = fails(check(repo, "branch", "DEV-1-x"), 2, "'queues' must be a list of queue keys")
    assert str(repo / ".tracker-git.toml") in line
    (repo / ".tracker-git.toml").write_text("queues = [\n")
    fails(check(repo, "branch", "DEV-1-x"), 2, "not valid TOML")


def test_outside_a_repository_and_without_what(tmp_path: Path) -> None:
    fails(check(tmp_path, "branch", "DEV-1-x"), 2, "not inside a git work tree")
    proc = check(tmp_path)
    assert proc.returncode == 2
    assert "required: WHAT" in proc.stderr


def test_message_with_a_no_issue_marker(repo: Path) -> None:
    assert check(repo, "message", "-", stdin="MINOR: fix a typo\n").returncode == 1
    (repo / ".tracker-git.toml").write_text('[hooks]\nallow_without_key = ["MINOR"]\n')
    passes(check(repo, "message", "-", stdin="MINOR: fix a typo\n"), "no key needed")
    commit(repo, "MINOR: keyless by design")
    passes(check(repo, "range", "HEAD~1..HEAD"), "every commit in HEAD~1..HEAD references a key")


def test_range_leaves_out_what_came_before_since(repo: Path) -> None:
    """`[hooks] since` exempts old history from `check range` as from the hooks and `check pr`:
    a commit leaves out itself and what came before, a date what the range's start had then."""

    def failing(proc: subprocess.CompletedProcess[str]) -> list[str]:
        assert proc.returncode == 1, proc.stderr
        return [line.split("'")[1] for line in proc.stderr.splitlines()[1:]]

    git(repo, "checkout", "-q", "-b", "DEV-1-adopt")
    old = {"GIT_COMMITTER_DATE": "2020-06-01T12:00:00", "GIT_AUTHOR_DATE": "2020-06-01T12:00:00"}
    git(repo, "commit", "-q", "--allow-empty", "-m", "legacy, no key",
        env={**os.environ, **NO_HOOKS, **old})  # fmt: skip
    adopted = commit(repo, "adoption, no key")
    assert failing(check(repo, "range", "main..HEAD")) == ["adoption, no key", "legacy, no key"]
    (repo / ".tracker-git.toml").write_text(f'[hooks]\nsince = "{adopted}"\n')
    passes(
        check(repo, "range", "main..HEAD"),
        f"every commit in main..HEAD after [hooks] since = {adopted} references a key",
    )
    commit(repo, "after adoption, no key")
    assert failing(check(repo, "range", "main..HEAD")) == ["after adoption, no key"]
    # A date stands for the last commit before it on the range's start (main) first-parent
    # history: a commit backdated on the branch hides neither itself nor what is below it.
    (repo / ".tracker-git.toml").write_text('[hooks]\nsince = "2021-01-01"\n')
    assert failing(check(repo, "range", "main..HEAD")) == [
        "after adoption, no key",
        "adoption, no key",
        "legacy, no key",
    ]
    git(repo, "commit", "-q", "--allow-empty", "-m", "backdated on top, no key",
        env={**os.environ, **NO_HOOKS, **old})  # fmt: skip
    assert len(failing(check(repo, "range", "main..HEAD"))) == 4
    # A since that names no commit is a configuration error, as for the hooks.
    (repo / ".tracker-git.toml").write_text('[hooks]\nsince = "no-such-commit"\n')
    fails(check(repo, "range", "main..HEAD"), 2, "names no commit of this repository")
