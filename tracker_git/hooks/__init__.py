"""The hooks tracker-git ships: the one table of their names, ids, git hook types and modules.

Everything that lists hooks reads it: the hook runner (`__main__`), the SKIP ids (`common`),
the plain hooks (`plainhooks`; the scripts in resources/hooks/ are checked against it by a test,
as is `.pre-commit-hooks.yaml`), the pre-commit snippets (`precommit`), the hook managers'
advice (`hookmanagers`) and the man page (`helptext`). Data only: every hook imports it.
"""

from __future__ import annotations


class Hook:
    """One hook. name: the argument of `tracker-git-hook`. id: its pre-commit id (and the
    name SKIP takes). module: its code. git_hook: the git hook it is named for (the plain hook
    file and the hook managers' entry). stages: the git hooks that run it (pre-commit's
    `stages`). takes_file: git hands it the message file. title: its pre-commit name. lost:
    what goes unchecked where it is not installed."""

    __slots__ = ("git_hook", "id", "lost", "module", "name", "stages", "takes_file", "title")

    def __init__(
        self,
        name: str,
        *,
        git_hook: str,
        stages: tuple[str, ...],
        takes_file: bool,
        title: str,
        lost: str,
    ) -> None:
        self.name = name
        self.id = f"tracker-{name}"
        self.module = f"tracker_git.hooks.{name.replace('-', '_')}"
        self.git_hook = git_hook
        self.stages = stages
        self.takes_file = takes_file
        self.title = title
        self.lost = lost


HOOKS = (
    Hook(
        "branch-name",
        git_hook="pre-commit",
        stages=("pre-commit", "pre-push"),
        takes_file=False,
        title="branch name carries a Tracker issue key",
        lost="branch names are not checked at commit",
    ),
    Hook(
        "prepare-commit-msg",
        git_hook="prepare-commit-msg",
        stages=("prepare-commit-msg",),
        takes_file=True,
        title="insert the branch's Tracker issue key into the message",
        lost="the branch's key is not put into messages",
    ),
    Hook(
        "commit-msg",
        git_hook="commit-msg",
        stages=("commit-msg",),
        takes_file=True,
        title="commit message references a Tracker issue key",
        lost="messages are not checked",
    ),
    Hook(
        "pre-push",
        git_hook="pre-push",
        stages=("pre-push",),
        takes_file=False,
        title="pushed commits reference a Tracker issue key",
        lost="pushed commits are not checked",
    ),
)
BY_NAME = {hook.name: hook for hook in HOOKS}
# The git hooks the plain install writes, in the order git runs them.
GIT_HOOKS = tuple(hook.git_hook for hook in HOOKS)
