"""`tracker-git-hook NAME ARGS...` / `python -m tracker_git.hooks NAME ARGS...`.

The entry point of the pre-commit hooks and the plain git hooks. It imports only the hook it
runs; nothing here may import requests, keyring or pygit2 (a test guards it).
"""

from __future__ import annotations

import os
import sys

from tracker_git.core import output
from tracker_git.core.errors import handled
from tracker_git.hooks import BY_NAME


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    argv = [arg for arg in argv if arg != "--debug"]
    if not argv or argv[0] not in BY_NAME:
        output.info(f"usage: tracker-git-hook {{{','.join(BY_NAME)}}} [ARGS...]")
        return 2
    name, args = argv[0], argv[1:]
    from tracker_git.hooks import common

    if common.skipped(name):
        return 0
    module = __import__(BY_NAME[name].module, fromlist=["main"])

    def crash(exc: BaseException) -> str | None:
        from tracker_git.core import crash

        # The hooks never read the package metadata (slow to import); the folder tells.
        version = f"unknown (hook; the package in {os.path.dirname(os.path.dirname(__file__))})"
        return crash.write(exc, ["tracker-git-hook", name, *args], version)

    return handled(lambda: int(module.main(args)), debug, common.report, crash)


if __name__ == "__main__":
    raise SystemExit(main())
