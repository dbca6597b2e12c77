"""`git tracker start KEY`'s work: a branch named from the issue ([branch] pattern), switched
to (or created), then the issue moved to [statuses] start. A plain function of values (the
key, whether to move, the folder), so it runs in-process in tests as the command runs it."""

from __future__ import annotations

from collections.abc import Sequence

from tracker_git import gitcli
from tracker_git.core import keys, output
from tracker_git.core.errors import OperationFailed, UsageError
from tracker_git.issue import context
from tracker_git.issue.branch import branch_name, slug


def existing_branch(key: str, name: str, queues: Sequence[str], root: str) -> str | None:
    """The branch to switch to: `name` if it exists, else the one local branch already
    carrying the key (the summary, and so the slug, may have changed since)."""
    branches = gitcli.local_branches(root)
    if name in branches:
        return name
    carrying = [b for b in branches if keys.key_from_branch(b, queues) == key]
    if len(carrying) > 1:
        raise UsageError(
            f"several branches carry {key}: {', '.join(carrying)}; switch to one with git switch"
        )
    return carrying[0] if carrying else None


def start(wanted: str, *, move: bool = True, cwd: str | None = None) -> str | None:
    """Switch to (or create) the branch of issue `wanted` in the repository holding `cwd`,
    then move the issue to [statuses] start when `move`; the move's result for people, None
    when there was none. Progress goes to stderr."""
    ctx = context.load(cwd)
    if ctx.root is None:
        raise UsageError("not in a git repository; run it inside the work tree")
    found = ctx.key(wanted, use_ci=False)
    with ctx.client() as client:
        issue = client.get_issue(found.key)
        key = issue.key or found.key
        pattern = ctx.config.branch.pattern
        name = branch_name(pattern, key, issue.summary, ctx.config.queues)
        if "{slug}" in pattern and slug(issue.summary) not in name:
            output.warn(
                f"the branch is named {name}, without the summary: right after the key it "
                "would read as part of the key (a number, an underscore); list your queues in "
                "`queues` to keep it"
            )
        existing = existing_branch(key, name, ctx.config.queues, ctx.root)
        if existing == ctx.branch:
            output.info(f"already on {existing}")
        elif existing:
            gitcli.switch(existing, create=False, cwd=ctx.root)
            output.info(f"switched to {existing}")
        else:
            gitcli.check_branch_name(name, ctx.root)
            gitcli.switch(name, create=True, cwd=ctx.root)
            output.info(f"created and switched to {name}")
        status = ctx.config.statuses.start
        if not move or not status:
            return None
        from tracker_git.tracker.client import Unreachable

        try:
            result = client.move_to_status(key, status, issue=issue)
        except Unreachable as exc:
            # Starting an issue that is further along (in review, say) only needs the branch.
            output.warn(f"{key} is left where it is: {exc}")
            return None
        except OperationFailed as exc:
            raise OperationFailed(f"the branch is ready, but {key} was not moved: {exc}") from None
        return result.describe()
