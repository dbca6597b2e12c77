"""Making sure a pull request's commits are in the clone, however shallow the CI made it.

Every CI clones shallow by default (GitHub Actions 1 commit, GitLab 20 or 50, Bitbucket 50)
and often fetches only the head, or GitHub's test merge commit. So: the head and the base
are fetched from the remote when the clone lacks them, and a shallow clone is deepened
(`git fetch --deepen`, a few rounds) until the history between them is whole: git finds
their merge base and no commit of the range sits on the shallow boundary. If that does not
happen (a fetch is refused, or the branch is very long), the message names the exact
setting that fetches the whole history in this CI.
"""

from __future__ import annotations

from tracker_git.core import git
from tracker_git.core.errors import OperationFailed, UsageError

# How much each round deepens a shallow clone: a long branch takes the later rounds.
DEEPEN = (50, 250, 1000)
FULL_HISTORY = {
    "github-actions": "set 'fetch-depth: 0' on the actions/checkout step",
    "gitlab-ci": 'set GIT_DEPTH: "0" in the job\'s variables',
    "bitbucket-pipelines": "set 'clone: depth: full' on the step",
    "": "fetch the whole history first (git fetch --unshallow)",
}


def _fetch_refs(remote: str, options: list[str], refs: list[str], cwd: str | None) -> str | None:
    """`git fetch OPTIONS REMOTE REFS`: None when it worked, else git's reason."""
    code, _, err = git.run(["fetch", "--no-tags", "--quiet", *options, remote, *refs], cwd)
    return None if code == 0 else git.reason(err, code)


def is_shallow(cwd: str | None = None) -> bool:
    return git.output(["rev-parse", "--is-shallow-repository"], cwd).strip() == "true"


def _shallow_commits(cwd: str | None) -> set[str]:
    path = git.output(["rev-parse", "--path-format=absolute", "--git-path", "shallow"], cwd)
    try:
        with open(path.strip(), encoding="ascii") as f:
            return set(f.read().split())
    except (OSError, UnicodeDecodeError):
        return set()


def is_whole(base: str, head: str, cwd: str | None = None) -> bool:
    """Whether the clone holds all of head's history since it left base: a merge base is
    found and no commit in base..head lost its parents to the shallow boundary."""
    code, _, _ = git.run(["merge-base", base, head], cwd)
    if code != 0:
        return False
    boundary = _shallow_commits(cwd)
    if not boundary:
        return True
    listed = git.output(["rev-list", head, f"^{base}"], cwd).split()
    return boundary.isdisjoint(listed)


def _check_revision(revision: str, what: str) -> None:
    if not revision or revision.startswith("-") or any(c.isspace() for c in revision):
        raise UsageError(f"{what} {revision!r} is not a commit or branch name; name another")


def locate(
    revision: str, branch: str | None, remote: str, ci: str, what: str, cwd: str | None = None
) -> str:
    """The sha of `revision` (a sha, a branch, `<remote>/<branch>`), fetched from `remote`
    when the clone lacks it (by sha or name, else `branch`)."""
    _check_revision(revision, what)
    for candidate in (revision, f"refs/remotes/{remote}/{revision}"):
        sha = git.commit(candidate, cwd)
        if sha:
            return sha
    depth = ["--depth=50"] if is_shallow(cwd) else []
    complaint = ""
    for wanted in dict.fromkeys(filter(None, (revision, branch))):
        _check_revision(wanted, what)
        failed = _fetch_refs(remote, depth, [wanted], cwd)
        if failed is None:
            sha = git.commit("FETCH_HEAD", cwd)
            if sha:
                return sha
        complaint = failed or "FETCH_HEAD names no commit"
    raise OperationFailed(
        f"the {what} {revision} is not in this clone and cannot be fetched from '{remote}' "
        f"({complaint}); {FULL_HISTORY.get(ci, FULL_HISTORY[''])}, or name it with --{what}"
    )


def fetch_quietly(revision: str, remote: str, cwd: str | None = None) -> None:
    """Fetch `revision` from `remote` if the clone lacks it; a failure is left to whoever
    needs the commit to report."""
    if revision.startswith("-") or git.commit(revision, cwd):
        return
    depth = ["--depth=50"] if is_shallow(cwd) else []
    _fetch_refs(remote, depth, [revision], cwd)


def make_whole(base: str, head: str, remote: str, ci: str, cwd: str | None = None) -> None:
    """Deepen a shallow clone until base..head is whole (is_whole), or say what to set."""
    if is_whole(base, head, cwd):
        return
    if not is_shallow(cwd):
        raise UsageError(
            f"{head[:10]} (head) and {base[:10]} (base) share no history; check --base"
        )
    complaint = ""
    for depth in DEEPEN:
        failed = _fetch_refs(remote, [f"--deepen={depth}"], [head, base], cwd)
        if failed is not None:
            complaint = f": fetching more from '{remote}' failed ({failed})"
            break
        if is_whole(base, head, cwd):
            return
    raise UsageError(
        f"the clone is too shallow to find where the pull request leaves its base"
        f"{complaint}; {FULL_HISTORY.get(ci, FULL_HISTORY[''])}"
    )
