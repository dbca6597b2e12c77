"""What git is in the middle of, and on which branch, read from git's own state files.

`read_state` asks one `git rev-parse` call for the paths: MERGE_HEAD, REVERT_HEAD,
CHERRY_PICK_HEAD, rebase-merge/ and rebase-apply/ through `--git-path`, so linked worktrees
(whose state lives in .git/worktrees/<name>/) work. `hook_state` finds the same paths without
starting git where a hook run by git can (see there). The branch is read from HEAD, or during a
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

    __slots__ = ("_hooks_dir", "branch", "common_dir", "git_dir", "operation", "toplevel")

    def __init__(
        self,
        toplevel: str,
        git_dir: str,
        common_dir: str,
        hooks_dir: str | None,
        branch: str | None,
        operation: str | None,
    ) -> None:
        self.toplevel = toplevel
        self.git_dir = git_dir
        self.common_dir = common_dir
        self._hooks_dir = hooks_dir  # None: asked of git when first needed (core.hooksPath)
        self.branch = branch  # None on a detached HEAD outside a rebase
        self.operation = operation  # "merge", "revert", "cherry-pick", "rebase" or None

    @property
    def hooks_dir(self) -> str:
        """Where git looks for hooks (`core.hooksPath` or the common dir's hooks/)."""
        if self._hooks_dir is None:
            args = ["rev-parse", "--path-format=absolute", "--git-path", "hooks"]
            self._hooks_dir = os.path.normpath(git.output(args, self.toplevel).strip())
        return self._hooks_dir

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
        raise UsageError(
            f"not inside a git work tree ({git.reason(err, code)}); run this from a repository"
        )
    lines = [os.path.normpath(line) for line in git.text(out).split("\n")[:-1]]
    if len(lines) != 4 + len(_STATE_FILES):  # git writes paths as they are, one a line
        raise UsageError(
            f"the path of this repository has a line break in it ({lines[0]!r}...); "
            "tracker-git reads git's paths one a line: rename the folder"
        )
    toplevel, git_dir, common_dir, hooks_dir, *state_paths = lines
    return _state(toplevel, git_dir, common_dir, hooks_dir, state_paths)


def hook_state() -> RepoState:
    """`read_state()` for a hook that git runs, without starting git (~2 ms of CPU on every
    commit) where git's own setup tells: git starts a hook at the top of the work tree, where
    `.git` is the git dir or a file naming it ("gitdir: ..."; linked worktrees, submodules),
    and exports GIT_DIR only as that same folder (a linked worktree, `git --git-dir`). Anything
    else is left to `read_state`: a sub-folder (a hook run by hand), GIT_WORK_TREE or
    GIT_COMMON_DIR set, a GIT_DIR elsewhere, a `.git` that is no git dir."""
    found = _git_dir_here()
    if found is None:
        return read_state()
    toplevel, git_dir = found
    common = _read(os.path.join(git_dir, "commondir"))  # a linked worktree's shared folder
    common_dir = os.path.realpath(os.path.join(git_dir, common)) if common else git_dir
    state_paths = [os.path.join(git_dir, name) for name in _STATE_FILES]
    return _state(toplevel, git_dir, common_dir, None, state_paths)


def _git_dir_here() -> tuple[str, str] | None:
    """(top of the work tree, git dir) if the current folder is a work tree's top whose git
    dir git would pick itself; None where only git can tell."""
    environ = os.environ
    if environ.get("GIT_WORK_TREE") or environ.get("GIT_COMMON_DIR"):
        return None
    toplevel = os.getcwd()  # physical, as git's --show-toplevel
    dot_git = os.path.join(toplevel, ".git")
    if os.path.isdir(dot_git):
        git_dir = dot_git
    else:
        pointer = _read(dot_git)
        if not pointer.startswith("gitdir: "):
            return None
        git_dir = os.path.join(toplevel, pointer[len("gitdir: ") :])
    git_dir = os.path.realpath(git_dir)
    given = environ.get("GIT_DIR")
    if given and os.path.realpath(given) != git_dir:
        return None
    if not os.path.isfile(os.path.join(git_dir, "HEAD")):
        return None
    return toplevel, git_dir


def _state(
    toplevel: str, git_dir: str, common_dir: str, hooks_dir: str | None, state_paths: list[str]
) -> RepoState:
    operation = None
    for name, path in zip(_STATE_FILES, state_paths, strict=True):
        if os.path.exists(path):
            operation = _OPERATIONS[name]
            break
    branch = _branch_name(_read(os.path.join(git_dir, "HEAD")))
    if branch is None:  # HEAD detached: during a rebase (maybe stopped by a cherry-pick)
        for name, path in zip(_STATE_FILES, state_paths, strict=True):
            if name.startswith("rebase") and os.path.isdir(path):
                branch = _branch_name(_read(os.path.join(path, "head-name")))
    return RepoState(toplevel, git_dir, common_dir, hooks_dir, branch, operation)
