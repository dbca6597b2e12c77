"""pre-push: every commit being pushed that the remote does not have yet references a key.

Commits from before `[hooks] since` (a commit or a date; `git tracker init` sets the HEAD it
found) are not checked, so the first push of an old repository to a new remote passes.

git gives the plain hook "<local ref> <local sha> <remote ref> <remote sha>" lines on stdin;
the pre-commit framework gives PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF instead.
"""

from __future__ import annotations

import os
import sys

from tracker_git.core import git, history, output
from tracker_git.core.errors import CheckFailed, ConfigError
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


def _ranges(remote: str, since: str, cwd: str) -> list[list[str]]:
    ranges = []
    unresolved = False
    for _, local_sha, remote_sha in pushed_refs():
        excluded = [f"^{remote_sha}"] if remote_sha != history.ZERO else []
        before = _since(remote, since, local_sha, cwd)
        unresolved |= before is None
        ranges.append([local_sha, *excluded, *(before or []), "--not", f"--remotes={remote}"])
    if unresolved:
        # The commit is beyond this clone's history, not wrong: the team's file is fine, and
        # what the remote lacks is still checked (the range stops at the remote's branches).
        output.info(
            f"tracker-git: note: [hooks] since ({since[:60]!r}) is not in this shallow "
            f"or partial clone; checking the commits {remote} does not have yet"
        )
    return ranges


def _since(remote: str, since: str, local_sha: str, cwd: str) -> list[str] | None:
    """What `[hooks] since` leaves out of one pushed ref's range; None where this shallow or
    partial clone lacks the commit it names."""
    if not since:
        return []
    try:
        return history.since_revisions(since, _target(remote, local_sha, cwd), cwd)
    except ConfigError:
        if not _incomplete(cwd):
            raise
        return None


SHOWN = 5  # commits listed by name when a push has more to refuse


def _incomplete(cwd: str) -> bool:
    """Whether this clone lacks part of its history: shallow (--depth) or partial (--filter)."""
    if git.answer(["rev-parse", "--is-shallow-repository"], cwd) == "true":
        return True
    return git.answer(["config", "--get", "extensions.partialClone"], cwd) is not None


def main(argv: list[str]) -> int:
    remote = argv[0] if argv else os.environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
    state, config = common.load()
    since_setting = config.hooks.since
    found: list[tuple[str, int, str]] = []
    for revisions in _ranges(remote, since_setting, state.toplevel):
        found += history.failing(revisions, config, state.toplevel)
    if not found:
        return 0
    lines = [line for _, _, line in found[:SHOWN]]
    if len(found) > SHOWN:  # an old history: a summary, not thousands of lines
        lines.append(f"  ... and {len(found) - SHOWN} more")
    advice = history.rewording_advice(found[-1])
    if not since_setting:  # the likely fix first: old commits, made before tracker-git
        advice = (
            "if they predate tracker-git, set [hooks] since (a commit or a date) in "
            f".tracker-git.toml to check only what came after; otherwise {advice}"
        )
    raise CheckFailed(
        f"{len(found)} commit(s) to push reference no valid issue key; {advice}, and push "
        "again:\n" + "\n".join(lines)
    )
