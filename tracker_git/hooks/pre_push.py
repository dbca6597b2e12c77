"""pre-push: every commit being pushed that the remote does not have yet references a key.

git gives the plain hook "<local ref> <local sha> <remote ref> <remote sha>" lines on stdin;
the pre-commit framework gives PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF instead.
"""

from __future__ import annotations

import os
import sys

from tracker_git.core import history
from tracker_git.core.errors import CheckFailed
from tracker_git.hooks import common


def pushed_refs() -> list[tuple[str, str, str]]:
    """(local ref, local sha, remote sha) of every ref being pushed, deletions left out.

    Under pre-commit, which has read git's stdin itself, from its PRE_COMMIT_* variables;
    pre-commit sets no FROM/TO refs for a new branch whose history the remote lacks entirely.
    """
    if "PRE_COMMIT_REMOTE_NAME" in os.environ:
        local = os.environ.get("PRE_COMMIT_LOCAL_BRANCH", "")
        to_ref = os.environ.get("PRE_COMMIT_TO_REF") or local
        from_ref = os.environ.get("PRE_COMMIT_FROM_REF") or history.ZERO
        return [(local, to_ref, from_ref)] if to_ref else []
    refs = []
    for line in sys.stdin.read().splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[1] != history.ZERO:  # a deletion pushes no commits
            refs.append((fields[0], fields[1], fields[3]))
    return refs


def _ranges(remote: str) -> list[list[str]]:
    ranges = []
    for _, local_sha, remote_sha in pushed_refs():
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
    raise CheckFailed(
        f"{len(lines)} commit(s) to push reference no valid issue key; reword them with "
        f"'git rebase -i' (mark them 'reword') and push again:\n{detail}"
    )
