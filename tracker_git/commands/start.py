"""`git tracker start KEY`: a branch named from the issue ([branch] pattern), switched to (or
created), then the issue moved to [statuses] start."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from tracker_git import gitcli
from tracker_git.core import keys, output
from tracker_git.core.errors import OperationFailed, UsageError
from tracker_git.issue import context
from tracker_git.issue.branch import branch_name, slug


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", metavar="KEY", help="the issue to start (DEV-123)")
    parser.add_argument(
        "--no-move", action="store_true", help="only the branch; leave the issue's status"
    )


def _existing(key: str, name: str, queues: Sequence[str], root: str) -> str | None:
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


def run(args: argparse.Namespace) -> int:
    ctx = context.load()
    if ctx.root is None:
        raise UsageError("not in a git repository; run it inside the work tree")
    found = ctx.key(args.key, use_ci=False)
    client = ctx.client()
    issue = client.get_issue(found.key)
    key = issue.key or found.key
    pattern = ctx.config.branch.pattern
    name = branch_name(pattern, key, issue.summary, ctx.config.queues)
    if "{slug}" in pattern and slug(issue.summary) not in name:
        output.warn(
            f"the branch is named {name}, without the summary: right after the key it would "
            "read as part of the key (a number, an underscore); list your queues in `queues` "
            "to keep it"
        )
    existing = _existing(key, name, ctx.config.queues, ctx.root)
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
    if args.no_move or not status:
        return 0
    from tracker_git.tracker.client import Unreachable

    try:
        result = client.move_to_status(key, status, issue=issue)
    except Unreachable as exc:
        # Starting an issue that is further along (in review, say) only needs the branch.
        output.warn(f"{key} is left where it is: {exc}")
        return 0
    except OperationFailed as exc:
        raise OperationFailed(f"the branch is ready, but {key} was not moved: {exc}") from None
    output.result(result.describe())
    return 0
