"""What `git tracker pr` asks git: the branch, the remote, the base, the commits; and the push.

git runs through tracker_git.core.git, which keeps every token variable from it (docs/configuration.md,
"What is trusted"): the forge's usual variables (GH_TOKEN, GITLAB_TOKEN, ...) may be set in the
user's shell, and neither git, nor its hooks and credential helpers need to see them.
"""

from __future__ import annotations

from tracker_git.core import git
from tracker_git.core.errors import UsageError
from tracker_git.pr.template import MAX_COMMITS, Commit


def toplevel(cwd: str) -> str:
    found = git.answer(["rev-parse", "--show-toplevel"], cwd)
    if found is None:
        raise UsageError(
            "not inside a git work tree; run git tracker pr in the repository of the branch"
        )
    return found


def current_branch(root: str) -> str:
    found = git.answer(["symbolic-ref", "--quiet", "--short", "HEAD"], root)
    if found is None:
        raise UsageError(
            "HEAD is detached, so there is no branch to open a pull request from; "
            "switch to the issue's branch (git switch DEV-123-...)"
        )
    return found


def remote_url(root: str, remote: str) -> str:
    found = git.answer(["remote", "get-url", remote], root)
    if found is None:
        raise UsageError(
            f"there is no git remote '{remote}'; add it (git remote add {remote} URL) "
            "or name another one with --remote"
        )
    return found


def local_default_branch(root: str, remote: str) -> str | None:
    """The remote's default branch as git last saw it (refs/remotes/REMOTE/HEAD), if known."""
    name = git.answer(["symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD"], root)
    prefix = f"{remote}/"
    return name[len(prefix) :] if name and name.startswith(prefix) else None


def commits(root: str, remote: str, base: str) -> tuple[Commit, ...]:
    """The branch's own commits, newest first: `git log BASE..HEAD`, with BASE the remote's
    copy of the base branch when git has one (the local one may be stale or missing)."""
    # `git log` first; only when it fails, whether the ref exists: one git call as a rule.
    for ref in (f"refs/remotes/{remote}/{base}", f"refs/heads/{base}"):
        args = ["log", "--no-merges", f"-n{MAX_COMMITS + 1}", "--format=%h%x1f%s", f"{ref}..HEAD"]
        code, out, err = git.run(args, root)
        if code == 0:
            break
        if git.commit(ref, root):
            raise git.GitFailed(
                args, code, git.reason(err, code), fix="check that the base branch exists"
            )
    else:
        return ()
    found = []
    for line in git.text(out).strip().splitlines():
        sha, _, subject = line.partition("\x1f")
        found.append(Commit(sha, subject))
    return tuple(found)


def push_state(root: str, remote: str, branch: str) -> str:
    """ "same" when the remote's branch (as git last saw it) is HEAD, "missing" when git knows
    no such branch there, else "differs"."""
    head = git.commit("HEAD", root)
    there = git.commit(f"refs/remotes/{remote}/{branch}", root)
    if there is None:
        return "missing"
    return "same" if there == head else "differs"


def push_args(remote: str, branch: str) -> list[str]:
    # The URL comes from git's config: no token is ever put on this command line.
    return ["push", "--set-upstream", remote, f"HEAD:refs/heads/{branch}"]


def push(root: str, remote: str, branch: str) -> None:
    """Push HEAD to the remote's branch; git's own progress goes to stderr."""
    git.attached(
        push_args(remote, branch),
        root,
        what=f"git push to {remote}",
        fix="fix the push (git pull --rebase, credentials) and run the command again",
    )
