"""pre-push: every commit being pushed that the remote does not have yet references a key.

Commits from before `[hooks] since` (a commit or a date; `git tracker init` sets the HEAD it
found) are not checked, so the first push of an old repository to a new remote passes.

git gives the plain hook "<local ref> <local sha> <remote ref> <remote sha>" lines on stdin;
the pre-commit framework gives PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF instead.
"""

from __future__ import annotations

import os
import sys

from tracker_git.core import git, history
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


def _target(remote: str, local_sha: str, cwd: str | None) -> str:
    """Where a `[hooks] since` date is resolved: the remote's default branch as last fetched,
    else (a new remote) the history being pushed."""
    return git.commit(f"refs/remotes/{remote}/HEAD", cwd) or local_sha


def _ranges(remote: str, since: str, cwd: str | None) -> list[list[str]]:
    ranges = []
    for _, local_sha, remote_sha in pushed_refs():
        excluded = [f"^{remote_sha}"] if remote_sha != history.ZERO else []
        before = (
            history.since_revisions(since, _target(remote, local_sha, cwd), cwd) if since else []
        )
        ranges.append([local_sha, *excluded, *before, "--not", f"--remotes={remote}"])
    return ranges


def main(argv: list[str]) -> int:
    remote = argv[0] if argv else os.environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
    state, config = common.load()
    since_setting = config.hooks.since
    found: list[tuple[str, int, str]] = []
    for revisions in _ranges(remote, since_setting, state.toplevel):
        found += history.failing(revisions, config, state.toplevel)
    if not found:
        return 0
    detail = "\n".join(line for _, _, line in found)
    advice = history.rewording_advice(found[-1])
    if not since_setting:
        advice += (
            "; if they predate tracker-git, set [hooks] since (a commit or a date) in "
            ".tracker-git.toml to check only what came after"
        )
    raise CheckFailed(
        f"{len(found)} commit(s) to push reference no valid issue key; {advice}, and push "
        f"again:\n{detail}"
    )
