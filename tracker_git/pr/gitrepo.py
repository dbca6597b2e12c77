"""What `git tracker pr` asks git: the branch, the remote, the base, the commits; and the push.

Every child process gets the environment without any token variable (SPEC "Security"):
the forge's usual variables (GH_TOKEN, GITLAB_TOKEN, ...) may be set in the user's shell,
and neither the editor, nor git, nor its hooks and credential helpers need to see them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping

from tracker_git.core.errors import OperationFailed, UsageError
from tracker_git.pr.template import MAX_COMMITS, Commit


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for every process `pr` starts: the current one minus the tokens
    (tracker_git.secrets keeps the one list of them)."""
    from tracker_git import secrets

    return secrets.child_environment(environ)


def _git(args: list[str], cwd: str, env: Mapping[str, str]) -> tuple[int, str, str]:
    proc = subprocess.run(["git", *args], cwd=cwd, env=dict(env), capture_output=True, check=False)
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "surrogateescape"),
        proc.stderr.decode("utf-8", "replace"),
    )


def _failed(args: list[str], code: int, err: str, fix: str) -> OperationFailed:
    lines = err.strip().splitlines()
    reason = lines[-1] if lines else f"exit code {code}"
    return OperationFailed(f"git {' '.join(args)} failed ({reason}); {fix}")


def toplevel(cwd: str, env: Mapping[str, str]) -> str:
    code, out, _ = _git(["rev-parse", "--show-toplevel"], cwd, env)
    if code != 0 or not out.strip():
        raise UsageError(
            "not inside a git work tree; run git tracker pr in the repository of the branch"
        )
    return out.strip()


def current_branch(root: str, env: Mapping[str, str]) -> str:
    code, out, _ = _git(["symbolic-ref", "--quiet", "--short", "HEAD"], root, env)
    if code != 0 or not out.strip():
        raise UsageError(
            "HEAD is detached, so there is no branch to open a pull request from; "
            "switch to the issue's branch (git switch DEV-123-...)"
        )
    return out.strip()


def remote_url(root: str, remote: str, env: Mapping[str, str]) -> str:
    code, out, _ = _git(["remote", "get-url", remote], root, env)
    if code != 0 or not out.strip():
        raise UsageError(
            f"there is no git remote '{remote}'; add it (git remote add {remote} URL) "
            "or name another one with --remote"
        )
    return out.strip()


def local_default_branch(root: str, remote: str, env: Mapping[str, str]) -> str | None:
    """The remote's default branch as git last saw it (refs/remotes/REMOTE/HEAD), if known."""
    code, out, _ = _git(
        ["symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD"], root, env
    )
    prefix = f"{remote}/"
    name = out.strip()
    return name[len(prefix) :] if code == 0 and name.startswith(prefix) else None


def resolve(root: str, ref: str, env: Mapping[str, str]) -> str | None:
    code, out, _ = _git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"], root, env)
    return out.strip() if code == 0 and out.strip() else None


def commits(root: str, remote: str, base: str, env: Mapping[str, str]) -> tuple[Commit, ...]:
    """The branch's own commits, newest first: `git log BASE..HEAD`, with BASE the remote's
    copy of the base branch when git has one (the local one may be stale or missing)."""
    # `git log` first; only when it fails, whether the ref exists: one git call as a rule.
    for ref in (f"refs/remotes/{remote}/{base}", f"refs/heads/{base}"):
        args = ["log", "--no-merges", f"-n{MAX_COMMITS + 1}", "--format=%h%x1f%s", f"{ref}..HEAD"]
        code, out, err = _git(args, root, env)
        if code == 0:
            break
        if resolve(root, ref, env):
            raise _failed(args, code, err, "check that the base branch exists")
    else:
        return ()
    found = []
    for line in out.strip().splitlines():
        sha, _, subject = line.partition("\x1f")
        found.append(Commit(sha, subject))
    return tuple(found)


def push_state(root: str, remote: str, branch: str, env: Mapping[str, str]) -> str:
    """ "same" when the remote's branch (as git last saw it) is HEAD, "missing" when git knows
    no such branch there, else "differs"."""
    head = resolve(root, "HEAD", env)
    there = resolve(root, f"refs/remotes/{remote}/{branch}", env)
    if there is None:
        return "missing"
    return "same" if there == head else "differs"


def push_command(remote: str, branch: str) -> list[str]:
    # The URL comes from git's config: no token is ever put on this command line.
    return ["git", "push", "--set-upstream", remote, f"HEAD:refs/heads/{branch}"]


def push(root: str, remote: str, branch: str, env: Mapping[str, str]) -> None:
    """Push HEAD to the remote's branch; git's own progress goes to stderr."""
    proc = subprocess.run(
        push_command(remote, branch),
        cwd=root,
        env=dict(env),
        stdout=sys.stderr.fileno(),
        check=False,
    )
    if proc.returncode != 0:
        raise OperationFailed(
            f"git push to {remote} failed (exit code {proc.returncode}, see above); "
            "fix the push (git pull --rebase, credentials) and run the command again"
        )
