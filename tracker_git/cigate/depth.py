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

import re

from tracker_git.core import git
from tracker_git.core.errors import OperationFailed, UsageError

# How much each round deepens a shallow clone: a long branch takes the later rounds.
DEEPEN = (50, 250, 1000)
# Commits made this long before their descendants still count as maybe-descendants.
SLACK = 24 * 3600
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


def _dated(revisions: list[str], cwd: str | None) -> dict[str, int]:
    """sha -> committer time of every commit `git rev-list REVISIONS` lists."""
    out = git.output(["log", "--format=%H %ct", *revisions, "--"], cwd)
    return {
        sha: int(when) for sha, _, when in (line.partition(" ") for line in out.split("\n")) if when
    }


def is_whole(base: str, head: str, cwd: str | None = None) -> bool:
    """Whether the clone holds enough history to list the pull request's commits exactly:
    a merge base is found, no listed commit (head, not base) lost its parents to the shallow
    boundary (else commits are missing), and on the target's side no cut commit is as new
    as the oldest listed one (else a listed commit may be the target's own, reached by the
    branch through an earlier merge of the target, while the target's path to it is cut).
    Commits only reach an ancestor after they are made, hence the dates; SLACK allows
    for skewed clocks."""
    code, _, _ = git.run(["merge-base", base, head], cwd)
    if code != 0:
        return False
    boundary = _shallow_commits(cwd)
    if not boundary:
        return True
    listed = _dated([head, f"^{base}"], cwd)
    if not listed:
        return True
    if not boundary.isdisjoint(listed):
        return False
    oldest = min(listed.values()) - SLACK
    cut = [when for sha, when in _dated([base], cwd).items() if sha in boundary]
    return all(when < oldest for when in cut)


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


def target(
    branch: str, remote: str, ci: str, fallback: str | None = None, cwd: str | None = None
) -> str:
    """The sha of the target branch's tip as `remote` has it now, fetched into the full ref
    `refs/remotes/<remote>/<branch>`: a tag or a local branch of the same name never stands
    in for it. When it cannot be fetched: the CI's own sha of the target (`fallback`), else
    what the checkout already fetched into that ref; outside a CI, a local branch."""
    _check_revision(branch, "base")
    ref = f"refs/remotes/{remote}/{branch}"
    known = git.commit(ref, cwd)
    options = ["--depth=50"] if known is None and is_shallow(cwd) else []
    failed = _fetch_refs(remote, options, [f"+refs/heads/{branch}:{ref}"], cwd)
    if failed is None:
        fetched = git.commit(ref, cwd)
        if fetched:
            return fetched
    if fallback:
        _check_revision(fallback, "base")
        fetch_quietly(fallback, remote, cwd)
        sha = git.commit(fallback, cwd)
        if sha:
            return sha
    local = known or (git.commit(f"refs/heads/{branch}", cwd) if not ci else None)
    if local:
        return local
    raise OperationFailed(
        f"the target branch {branch} cannot be fetched from '{remote}' ({failed}); "
        f"{FULL_HISTORY.get(ci, FULL_HISTORY[''])}, or name it with --base"
    )


def _remotes(cwd: str | None) -> list[str]:
    return git.output(["remote"], cwd).split()


def base(name: str, remote: str, ci: str, cwd: str | None = None) -> str:
    """The sha `--base NAME` names: a commit sha as it is, `refs/remotes/...` as it is, and a
    branch (`main`, `origin/main`, `refs/heads/main`) as the remote's tip (`target`), never
    a tag of that name."""
    _check_revision(name, "base")
    if re.fullmatch(r"[0-9a-fA-F]{7,40}", name):
        sha = git.commit(name, cwd)
        if sha:
            return sha
    if name.startswith("refs/") and not name.startswith("refs/heads/"):
        return locate(name, None, remote, ci, "base", cwd)
    branch = name.removeprefix("refs/heads/")
    for other in _remotes(cwd):
        if branch.startswith(f"{other}/") and name == branch:
            remote, branch = other, branch[len(other) + 1 :]
            break
    return target(branch, remote, ci, cwd=cwd)


def make_whole(base: str, head: str, remote: str, ci: str, cwd: str | None = None) -> None:
    """Deepen a shallow clone until base..head is whole (is_whole), or say what to set."""
    if is_whole(base, head, cwd):
        return
    if not is_shallow(cwd):
        raise UsageError(
            f"{head[:10]} (head) and {base[:10]} (base) share no history; check --base"
        )
    complaint = ""
    for rounds in [[f"--deepen={depth}"] for depth in DEEPEN] + [["--unshallow"]]:
        failed = _fetch_refs(remote, rounds, [head, base], cwd)
        if failed is not None:
            complaint = f": fetching more from '{remote}' failed ({failed})"
            break
        if is_whole(base, head, cwd):
            return
        if not is_shallow(cwd):
            break
    raise UsageError(
        f"the clone is too shallow to find where the pull request leaves its base"
        f"{complaint}; {FULL_HISTORY.get(ci, FULL_HISTORY[''])}"
    )
