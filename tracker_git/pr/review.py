"""The Tracker side of `git tracker pr`: read the issue, then move it to review and leave one
comment with the pull request's address.

Round trips are what a person waits for, so the issue is read with `expand=transitions`
(docs/design/tracker-api.md "Issues"): the transition to review is then known without a second read, and the
move is one POST. The move and the comment go out side by side. A new pull request's address
cannot be in any comment yet, so comments are read only when updating (and then while the
forge updates the pull request).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tracker_git.core.errors import OperationFailed

if TYPE_CHECKING:
    from tracker_git.tracker.client import TrackerClient
    from tracker_git.tracker.models import Issue, Transition


@dataclass(frozen=True)
class IssueView:
    issue: Issue
    transitions: tuple[Transition, ...]

    def to_review(self, review: str) -> Transition | None:
        for transition in self.transitions:
            if transition.to_key == review:
                return transition
        return None


def comment_text(url: str) -> str:
    return f"Pull request: {url}"


def read_issue(tracker: TrackerClient, key: str) -> IssueView:
    """The issue and the transitions leaving its status, in one request."""
    from tracker_git.tracker.models import Issue, Transition

    data = tracker.request(
        "GET", ("issues", key), what=f"read {key}", params={"expand": "transitions"}, key=key
    )
    if not isinstance(data, Mapping):
        raise OperationFailed(f"cannot read {key}: Tracker answered something else than an issue")
    found = data.get("transitions")
    transitions = tuple(
        Transition.from_json(t)
        for t in (found if isinstance(found, list) else [])
        if isinstance(t, Mapping)
    )
    return IssueView(Issue.from_json(data, tracker.ui_url), transitions)


def needs_move(view: IssueView, review: str) -> bool:
    return bool(review) and view.issue.status_key != review


def _move(tracker: TrackerClient, view: IssueView, review: str) -> str:
    key = view.issue.key
    transition = view.to_review(review)
    if transition is not None:
        try:
            tracker.execute_transition(key, transition.id)
            return f"{key} moved to {transition.to_display or review}"
        except OperationFailed:
            pass  # the client's move re-reads the status and retries only what is safe
    # No direct transition (or a display name was configured): the client explains or moves.
    return tracker.move_to_status(key, review).describe()


def mentions(tracker: TrackerClient, key: str, url: str) -> bool:
    """Whether a comment of the issue already carries `url`."""
    return any(url in str(c.get("text") or "") for c in tracker.comments(key))


def _comment(
    tracker: TrackerClient, key: str, url: str, created: bool, mentioned: bool | None
) -> str:
    if mentioned is None:
        mentioned = False if created else mentions(tracker, key, url)
    if mentioned:
        return f"{key} already mentions the pull request"
    tracker.add_comment(key, comment_text(url))
    return f"{key}: commented the pull request's address"


def mark_review(
    tracker: TrackerClient,
    view: IssueView,
    review: str,
    url: str,
    created: bool,
    mentioned: bool | None = None,
) -> list[str]:
    """Move to `review` (if not there) and comment `url` once; what was done, for people.
    `mentioned`: whether the comments already carry `url`, when the caller read them."""
    key = view.issue.key
    with ThreadPoolExecutor(max_workers=2) as pool:
        moving = pool.submit(_move, tracker, view, review) if needs_move(view, review) else None
        commenting = pool.submit(_comment, tracker, key, url, created, mentioned)
        done = [moving.result()] if moving is not None else []
        done.append(commenting.result())
    if moving is None and review:
        done.insert(
            0, f"{key} is already in status {view.issue.status_display or review}; nothing to do"
        )
    return done


def plan(
    tracker: TrackerClient, view: IssueView, review: str, url: str, existing: bool
) -> list[str]:
    """The Tracker requests `mark_review` would send, described (reads comments if needed)."""
    key = view.issue.key
    base = f"{tracker.base}/issues/{quote(key, safe='')}"
    lines = []
    if needs_move(view, review):
        transition = view.to_review(review)
        tid = transition.id if transition else f"<the transition to {review}>"
        lines.append(f"POST {base}/transitions/{quote(tid, safe='<> ')}/_execute\n{{}}")
    if not (existing and mentions(tracker, key, url)):
        body = json.dumps({"text": comment_text(url)}, indent=2, ensure_ascii=False)
        lines.append(f"POST {base}/comments?isAddToFollowers=false\n{body}")
    return lines


def stand_link(issue: Issue, field: str) -> str:
    """The value of the field `[stand] field` names (a global id or a local field's key)."""
    value: Any = issue.field(field) if field else None
    return value if isinstance(value, str) else ""
