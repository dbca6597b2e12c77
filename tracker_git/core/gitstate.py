"""What git is in the middle of, and on which branch, read from git's own state files.

Everything comes from one `git rev-parse` call: the paths of MERGE_HEAD, REVERT_HEAD,
CHERRY_PICK_HEAD, rebase-merge/ and rebase-apply/ through `--git-path`, so linked worktrees
(whose state lives in .git/worktrees/<name>/) work. The branch is read from HEAD, or during a
rebase from the rebase's head-name, where git keeps it while HEAD is detached.
"""

from __future__ import annotations

import os

from tracker_git.core import git
from tracker_git.core.errors import UsageError

_STATE_FILES = ("MERGE_HEAD", "REVERT_HEAD", "CHERRY_PICK_HEAD", "rebase-merge", "rebase-apply")
# The operation each state file stands for, in the order git would report them.
_OPERATIONS = {
    "MERGE_HEAD": "merge",
    "REVERT_HEAD": "revert",
    "CHERRY_PICK_HEAD": "cherry-pick",
    "rebase-merge": "rebase",
    "rebase-apply": "rebase",
}


class RepoState:
    """Where the repository is and what it is doing. Paths are absolute."""

    __slots__ = ("branch", "common_dir", "git_dir", "hooks_dir", "operation", "toplevel")

    def __init__(
        self,
        toplevel: str,
        git_dir: str,
        common_dir: str,
        hooks_dir: str,
        branch: str | None,
        operation: str | None,
    ) -> None:
        self.toplevel = toplevel
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.hooks_dir = hooks_dir
        self.branch = branch  # None on a detached HEAD outside a rebase
        self.operation = operation  # "merge", "revert", "cherry-pick", "rebase" or None

    def git_path(self, name: str) -> str:
        """A per-worktree file under the git dir (what `git rev-parse --git-path` gives
        for names git does not share between worktrees)."""
        return os.path.join(self.git_dir, name)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read().strip()
    except OSError:
        return ""


def _branch_name(ref: str) -> str | None:
    if ref.startswith("ref: "):
        ref = ref[5:]
    return ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else None


def read_state(cwd: str | None = None) -> RepoState:
    """The state of the repository containing `cwd` (default: the current folder)."""
    args = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir"]
    args += ["--git-common-dir", "--git-path", "hooks"]
    for name in _STATE_FILES:
        args += ["--git-path", name]
    code, out, err = git.run(args, cwd)
    if code != 0:
        reason = err.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(
            f"not inside a git work tree ({reason[-1] if reason else 'git rev-parse failed'}); "
            "run this from a repository"
        )
    lines = [os.path.normpath(line) for line in out.decode("utf-8", "surrogateescape").splitlines()]
    toplevel, git_dir, common_dir, hooks_dir, *state_paths = lines
    operation = None
    for name, path in zip(_STATE_FILES, state_paths, strict=True):
        if os.path.exists(path):
            operation = _OPERATIONS[name]
            break
    branch = _branch_name(_read(os.path.join(git_dir, "HEAD")))
    if branch is None and operation == "rebase":
        for name, path in zip(_STATE_FILES, state_paths, strict=True):
            if name.startswith("rebase") and os.path.isdir(path):
                branch = _branch_name(_read(os.path.join(path, "head-name")))
    return RepoState(toplevel, git_dir, common_dir, hooks_dir, branch, operation)
