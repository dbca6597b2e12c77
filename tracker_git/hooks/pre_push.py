"""pre-push: every commit being pushed that the remote does not have yet references a key.

git gives the plain hook "<local ref> <local sha> <remote ref> <remote sha>" lines on stdin;
the pre-commit framework gives PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF instead.
"""

from __future__ import annotations

import os
import sys

from tracker_git.core import history
from tracker_git.hooks import common


def _ranges(remote: str) -> list[list[str]]:
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if to_ref:
        from_ref = os.environ.get("PRE_COMMIT_FROM_REF", "")
        excluded = [f"^{from_ref}"] if from_ref and from_ref != history.ZERO else []
        return [[to_ref, *excluded, "--not", f"--remotes={remote}"]]
    ranges = []
    for line in sys.stdin.read().splitlines():
        fields = line.split()
        if len(fields) != 4 or fields[1] == history.ZERO:  # a deletion pushes no commits
            continue
        _, local_sha, _, remote_sha = fields
        excluded = [f"^{remote_sha}"] if remote_sha != history.ZERO else []
        ranges.append([local_sha, *excluded, "--not", f"--remotes={remote}"])
    return ranges


def main(argv: list[str]) -> int:
    remote = argv[0] if argv else os.environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
    _, config = common.load()
    lines: list[str] = []
    for revisions in _ranges(remote):
        lines += history.problems(revisions, config)
    if not lines:
        return 0
    detail = "\n".join(lines)
    return common.fail(
        f"{len(lines)} commit(s) to push reference no valid issue key; reword them with "
        f"'git rebase -i' (mark them 'reword') and push again:\n{detail}"
    )
