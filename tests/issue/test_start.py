"""`git tracker start`, branch by branch, in this process (tracker_git.issue.start.start): a real
repository, the sandbox Tracker over a real socket. The CLI's wiring (a process, the token kept
from git hooks) is tests/commands_tracker/test_tracker_commands.py's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from testing.servers import SandboxHandle
from tracker_git.core.errors import UsageError
from tracker_git.issue.start import start


@dataclass(frozen=True)
class Row:
    """Branches made first, the branch checked out, the issue's status, start's arguments;
    then the branch it ends on, the status, what it returns and says (or the error)."""

    name: str
    key: str
    status: str = "open"
    made: tuple[str, ...] = ()
    on: str = "main"
    move: bool = True
    branch: str = ""  # "" : the branch named from the issue
    status_after: str = "inProgress"
    returned: str | None = "moved to In progress"
    says: str = "created and switched to"
    error: str = ""


SUMMARY = "Sign in with SSO"
NAMED = "-sign-in-with-sso"  # after the key

ROWS = [
    Row("creates and moves", "KEY"),
    Row("switches to its branch", "KEY", made=("KEY" + NAMED,), says="switched to KEY" + NAMED),
    Row("already on it", "KEY", made=("KEY" + NAMED,), on="KEY" + NAMED, says="already on"),
    Row("a branch carrying the key", "KEY", made=("key-my-own",), branch="key-my-own",
        says="switched to key-my-own"),
    Row("several carry it", "KEY", made=("KEY-a", "key-b"), branch="main", status_after="open",
        error="several branches carry KEY: KEY-a, key-b"),
    Row("no move", "KEY", move=False, status_after="open", returned=None),
    Row("already moved", "KEY", status="inProgress", returned="is already in In progress; nothing to do"),
    Row("further along", "KEY", status="inReview", status_after="inReview", returned=None,
        says="is left where it is"),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_start(
    row: Row, sandbox: SandboxHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.environ.update(sandbox.env)  # tests/conftest.py puts the environment back
    key = sandbox.state.add_issue(SUMMARY, status=row.status)
    repo = make_repo(tmp_path / "repo")
    for made in row.made:
        git(repo, "branch", made.replace("KEY", key).replace("key", key.lower()))
    if row.on != "main":
        git(repo, "switch", "-q", row.on.replace("KEY", key))

    def ours(text: str) -> str:
        return text.replace("KEY", key).replace("key", key.lower())

    if row.error:
        with pytest.raises(UsageError) as raised:
            start(key.lower(), move=row.move, cwd=str(repo))
        assert str(raised.value) == ours(row.error) + "; switch to one with git switch"
    else:
        returned = start(key.lower(), move=row.move, cwd=str(repo))
        assert returned == (f"{key} {row.returned}" if row.returned else None)
        assert ours(row.says) in capsys.readouterr().err
    branch = ours(row.branch) if row.branch else key + NAMED
    assert git(repo, "branch", "--show-current").strip() == branch
    issue = sandbox.state.issue(key)
    assert issue is not None and issue["status"] == row.status_after


def test_outside_a_repository(sandbox: SandboxHandle, tmp_path: Path) -> None:
    os.environ.update(sandbox.env)
    with pytest.raises(UsageError, match="not in a git repository"):
        start("DEMO-1", cwd=str(tmp_path))
    assert sandbox.requests == []
