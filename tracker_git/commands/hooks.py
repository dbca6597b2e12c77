"""`git tracker hooks install|uninstall`."""

from __future__ import annotations

import argparse

from tracker_git.core import gitstate, output
from tracker_git.hooks import install


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["install", "uninstall"])


def run(args: argparse.Namespace) -> int:
    state = gitstate.read_state()
    if args.action == "install":
        shared = install.shared_hooks_path(state)
        if shared:
            output.warn(
                f"core.hooksPath is set in your {shared} git config, so these hooks will run in "
                "every repository that uses it; unset it there to keep them to this one"
            )
        lines = install.install(state)
        output.info(f"plain git hooks in {state.hooks_dir}:")
    else:
        lines = install.uninstall(state)
        output.info(f"{state.hooks_dir}:" if lines else "no tracker-git hooks were installed")
    for line in lines:
        output.info(f"  {line}")
    return 0
