"""What every Tracker command starts from: the configuration, the issue key (argument, branch,
CI variable) and, when asked, the client. The token variables leave os.environ first, so no
process we start (git, a browser) inherits them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker_git import gitcli, secrets
from tracker_git.core import config, gitstate
from tracker_git.core.errors import TrackerGitError
from tracker_git.issue.key import Found, resolve

if TYPE_CHECKING:
    from tracker_git.core.config import Config
    from tracker_git.tracker.client import TrackerClient


@dataclass(frozen=True)
class Context:
    config: Config
    root: str | None
    branch: str | None

    def key(self, explicit: str | None, *, use_ci: bool = True) -> Found:
        return resolve(
            explicit, self.config.queues, self.branch, os.environ,
            use_ci=use_ci, in_repo=self.root is not None,
        )  # fmt: skip

    def client(self) -> TrackerClient:
        from tracker_git import account

        return account.connect(self.config)


def load(cwd: str | None = None) -> Context:
    """The context of the repository holding `cwd` (default: the current folder)."""
    secrets.scrub_environment()
    # One `git rev-parse` gives both the root and the branch; the second call is only for
    # when that one fails (outside a repository, or a git without --path-format).
    try:
        state = gitstate.read_state(cwd)
    except TrackerGitError:
        root = gitcli.toplevel(cwd)
        return Context(config.load(root), root, gitcli.current_branch(cwd) if root else None)
    return Context(config.load(state.toplevel), state.toplevel, state.branch)
