"""`git tracker hooks install|uninstall`.

Before installing, it looks for a hook manager (pre-commit, husky, lefthook, or a
core.hooksPath holding hooks of its own): their hooks are rewritten by the manager and chaining
ours behind them runs every check twice, so it refuses and says how to add tracker-git to that
manager instead, unless `--chain` asks for the plain hooks anyway (the manager's hooks are
kept and run first).
"""

from __future__ import annotations

import argparse

from tracker_git import hookmanagers as managers
from tracker_git import plainhooks
from tracker_git.core import gitstate, output
from tracker_git.core.errors import OperationFailed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["install", "uninstall"])
    parser.add_argument(
        "--chain",
        action="store_true",
        help="install over a hook manager's hooks (pre-commit, husky, lefthook), keeping theirs "
        "and running them first",
    )


def run(args: argparse.Namespace) -> int:
    state = gitstate.read_state()
    if args.action == "install":
        manager = managers.detect(state)
        if manager and not args.chain:
            output.info(
                f"{manager.name} manages the hooks here ({manager.evidence}); {manager.advice}"
            )
            raise OperationFailed(
                f"not installing plain hooks over {manager.name}'s: add tracker-git to "
                f"{manager.name} as shown above, or run 'git tracker hooks install --chain' to "
                f"keep {manager.name}'s hooks and run ours after them"
            )
        shared = plainhooks.shared_hooks_path(state)
        if shared:
            output.warn(
                f"core.hooksPath is set in your {shared} git config, so these hooks will run in "
                "every repository that uses it; unset it there to keep them to this one"
            )
        if manager:
            output.warn(
                f"chaining behind {manager.name}: its hooks run first, then ours; "
                f"{manager.name} may rewrite its hooks (run this again after it does)"
            )
        lines = plainhooks.install(state)
        output.info(f"plain git hooks in {state.hooks_dir}:")
    else:
        lines = plainhooks.uninstall(state)
        output.info(f"{state.hooks_dir}:" if lines else "no tracker-git hooks were installed")
    for line in lines:
        output.info(f"  {line}")
    return 0
