"""Which issue a command is about: the KEY given, else the current branch's, else (in CI,
where the checkout is often a detached HEAD) the branch the CI names in its variables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tracker_git.core import keys
from tracker_git.core.ciplatforms import BRANCH_VARIABLES
from tracker_git.core.errors import UsageError

# The CI's branch variables, most specific first (a pull/merge request's source branch before
# the ref being built: on GitHub that is "123/merge" for a pull request): core/ciplatforms.py.
CI_BRANCH_VARIABLES = BRANCH_VARIABLES


@dataclass(frozen=True)
class Found:
    key: str
    source: str  # "argument", "branch <name>", "$GITHUB_HEAD_REF (<value>)"


def resolve(
    explicit: str | None,
    queues: Sequence[str],
    branch: str | None,
    environ: Mapping[str, str],
    *,
    use_ci: bool = True,
    in_repo: bool = True,
) -> Found:
    if explicit:
        key = keys.normalize_key(explicit, queues)
        if key is None:
            raise UsageError(
                f"{explicit!r} is not an issue key; give {keys.describe_queues(queues)}"
            )
        return Found(key, "argument")
    if branch:
        key = keys.key_from_branch(branch, queues)
        if key:
            return Found(key, f"branch {branch}")
    if use_ci:
        for name in CI_BRANCH_VARIABLES:
            value = environ.get(name, "").strip()
            key = keys.key_from_branch(value, queues) if value else None
            if key:
                return Found(key, f"${name} ({value})")
    if not in_repo:
        where = "this is not a git repository"
    elif branch:
        where = f"branch {branch!r} carries no issue key"
    else:
        where = "no branch is checked out"
    raise UsageError(
        f"which issue? {where}; name it ({keys.describe_queues(queues)}) or switch to the "
        "issue's branch"
    )
