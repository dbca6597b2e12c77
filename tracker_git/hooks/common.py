"""What every hook shares: the skip switches, loading state and configuration, reporting."""

from __future__ import annotations

import os

from tracker_git.core import config as config_module
from tracker_git.core import gitstate, message, output, paths
from tracker_git.core.config import Config
from tracker_git.core.gitstate import RepoState
from tracker_git.hooks import HOOKS

HOOK_IDS = {hook.name: hook.id for hook in HOOKS}
REJECTED_MESSAGE = "tracker-git/REJECTED_COMMIT_MSG"
VERIFIED = "verified-"  # + git's process id, in tracker-git/ beside git's message file
BRANCH_CHECK = "branch-check-"  # + git's process id, in tracker-git/ beside git's index


def skipped(hook: str) -> bool:
    """TRACKER_GIT_SKIP=1 skips every hook; SKIP=id[,id] (pre-commit's switch) skips by id,
    for the plain hooks too."""
    if os.environ.get("TRACKER_GIT_SKIP", "") not in ("", "0"):
        return True
    wanted = {item.strip() for item in os.environ.get("SKIP", "").split(",")}
    return HOOK_IDS[hook] in wanted


def load() -> tuple[RepoState, Config]:
    state = gitstate.hook_state()
    return state, config_module.load(state.toplevel)


def save_rejected(text: str, state: RepoState) -> str:
    """Keep a rejected message where the next commit will not overwrite it; return the command
    that reopens it (through --git-path, so it works in any worktree)."""
    path = state.git_path(REJECTED_MESSAGE)
    # A message may quote what it should not (a pasted token): readable by the user only.
    paths.write_private(path, message.encode(text))  # in .git/tracker-git/, a folder of ours
    return f'git commit -e -F "$(git rev-parse --git-path {REJECTED_MESSAGE})"'


def online_unknown(found: list[str], config: Config) -> list[str]:
    """Keys Tracker says do not exist, where online checking is on (imports the network path
    only then)."""
    if not found or not config.hooks.online:
        return []
    from tracker_git.online import verify_keys

    return verify_keys(found, config)


def report(message: str) -> None:
    """A rejection or failure, as the one line git shows under the hook's name."""
    output.info(f"tracker-git: {message}")


def remember_verified(message_path: str, data: bytes | None) -> None:
    """What prepare-commit-msg leaves for the plain commit-msg hook of the same `git commit`:
    the message file's bytes (`data`) where commit-msg would accept them, under a name holding
    git's process id (the parent of both hooks). The plain commit-msg script compares the file
    with it (`cmp`) and, when they are the same, exits 0 without starting Python; an edited
    message, another commit or another git starts Python as before. `data` None: nothing to
    confirm (files of earlier commits are removed either way)."""
    folder = os.path.join(os.path.dirname(message_path) or os.curdir, "tracker-git")
    mine = f"{VERIFIED}{os.getppid()}"
    try:
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.startswith(VERIFIED) and (name != mine or data is None):
                    os.unlink(os.path.join(folder, name))
        if data is not None:
            paths.write_private(os.path.join(folder, mine), data)
    except OSError:
        pass  # best effort: commit-msg then judges the message itself


def take_branch_check() -> bool:
    """Whether the plain pre-commit hook of this `git commit` (run by the same git, our
    parent) left the branch check to us (see resources/hooks/pre-commit); the marker is
    removed. No marker: pre-commit did not run (`--no-verify`) or checked the branch itself."""
    index = os.environ.get("GIT_INDEX_FILE", "")
    if "/" not in index:
        return False
    marker = os.path.join(index.rpartition("/")[0], "tracker-git", f"{BRANCH_CHECK}{os.getppid()}")
    try:
        os.unlink(marker)
    except OSError:
        return False
    return True
