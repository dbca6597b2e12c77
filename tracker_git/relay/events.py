"""From a verified forge delivery to a ReviewEvent: which forge, what happened, which issues.

Event mapping (forges.md cheat sheet):

| kind | GitHub | GitLab `object_attributes.action` | Bitbucket Cloud | Bitbucket DC |
| --- | --- | --- | --- | --- |
| opened | pull_request opened, reopened, ready_for_review | open, reopen | pullrequest:created | pr:opened |
| approved | pull_request_review submitted, state approved | approved, approval (EE: not yet all approvals) | pullrequest:approved | pr:reviewer:approved |
| changes_requested | pull_request_review submitted, state changes_requested | update whose changes.reviewers gain state requested_changes | pullrequest:changes_request_created | pr:reviewer:needs_work (or changes_requested) |
| merged | pull_request closed, merged true | merge | pullrequest:fulfilled | pr:merged |
| declined | pull_request closed, merged false | close | pullrequest:rejected | pr:declined, pr:deleted |

Anything else (pings, pushes, comments, edits) is not an event here: `review_event` returns None.
Keys come from the title, the description (GitHub sends null, Bitbucket DC leaves the key
out when empty) and the source branch, through tracker_git.core.keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from tracker_git.core.keys import find_keys, key_from_branch


@dataclass(frozen=True)
class ReviewEvent:
    forge: str
    kind: str  # opened | approved | changes_requested | merged | declined
    keys: tuple[str, ...]
    delivery_id: str
    pr: str = ""  # the pull request's web address (or number), for logs


class BadPayload(Exception):
    """The body is not the JSON a forge sends; str() is safe to send back."""


def detect_forge(headers: Mapping[str, str]) -> str | None:
    """The forge that sent a delivery, from its headers only (nothing is parsed before
    verification). Bitbucket's two variants share X-Event-Key; their id headers differ."""
    if "x-github-event" in headers:
        return "github"
    if "x-gitlab-event" in headers:
        return "gitlab"
    event_key = headers.get("x-event-key")
    if event_key is None:
        return None
    if "x-request-uuid" in headers or "x-hook-uuid" in headers:
        return "bitbucket-cloud"
    if "x-request-id" in headers:
        return "bitbucket-dc"
    if headers.get("user-agent", "").startswith("Bitbucket-Webhooks/"):
        return "bitbucket-cloud"
    if event_key.startswith(("pr:", "diagnostics:")):
        return "bitbucket-dc"
    if event_key.startswith("pullrequest:"):
        return "bitbucket-cloud"
    return None


_DELIVERY_HEADERS = {
    "github": ("x-github-delivery",),
    # Idempotency-Key is stable across retries and "Resend"; the event UUID is older.
    "gitlab": ("idempotency-key", "webhook-id", "x-gitlab-event-uuid"),
    "bitbucket-cloud": ("x-request-uuid",),
    "bitbucket-dc": ("x-request-id",),
}


def delivery_id(forge: str, headers: Mapping[str, str], body: bytes) -> str:
    """The id deliveries are deduplicated by: the forge's delivery header, else the body's
    hash (a forge that sends no id still sends the same bytes when it retries)."""
    for name in _DELIVERY_HEADERS.get(forge, ()):
        value = headers.get(name, "").strip()
        if value:
            return f"{forge}:{value}"
    return f"{forge}:sha256:{hashlib.sha256(body).hexdigest()}"


def decode(headers: Mapping[str, str], body: bytes) -> dict[str, object]:
    """The JSON object in the body; GitHub's form-encoded variant carries it in `payload`."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    text: str | bytes = body
    if content_type == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise BadPayload("the form body cannot be decoded") from None
        if "payload" not in fields:
            raise BadPayload("the form body has no 'payload' field")
        text = fields["payload"][0]
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise BadPayload("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadPayload("the body is not a JSON object")
    return data


def _get(data: object, *path: str) -> object:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _object(data: object, *path: str) -> dict[str, object]:
    value = _get(data, *path)
    return value if isinstance(value, dict) else {}


def _text(data: object, *path: str) -> str:
    value = _get(data, *path)
    return value if isinstance(value, str) else ""


def _keys(title: str, description: str, branch: str, queues: Iterable[str]) -> tuple[str, ...]:
    queues = tuple(queues)
    found = [*find_keys(title, queues), *find_keys(description, queues)]
    branch_key = key_from_branch(branch, queues) if branch else None
    if branch_key:
        found.append(branch_key)
    return tuple(dict.fromkeys(found))


def _github(event: str, data: dict[str, object]) -> tuple[str | None, dict[str, object]]:
    action = _text(data, "action")
    pr = _object(data, "pull_request")
    kind: str | None = None
    if event == "pull_request":
        if action in ("opened", "reopened", "ready_for_review"):
            kind = "opened"
        elif action == "closed":
            kind = "merged" if _get(pr, "merged") is True else "declined"
    elif event == "pull_request_review" and action == "submitted":
        state = _text(data, "review", "state").lower()
        kind = {"approved": "approved", "changes_requested": "changes_requested"}.get(state)
    return kind, pr


def _gitlab_changes_requested(data: dict[str, object]) -> bool:
    """Newer GitLab reports "Request changes" as an update whose reviewers gain that state."""
    reviewers = _get(data, "changes", "reviewers")
    if not isinstance(reviewers, dict):
        return False

    def requested(side: object) -> set[object]:
        if not isinstance(side, list):
            return set()
        return {
            _get(r, "id") or _get(r, "username")
            for r in side
            if _get(r, "state") == "requested_changes"
        }

    return bool(requested(reviewers.get("current")) - requested(reviewers.get("previous")))


def _gitlab(data: dict[str, object]) -> tuple[str | None, dict[str, object]]:
    attributes = _object(data, "object_attributes")
    if _text(data, "object_kind") != "merge_request":
        return None, attributes
    action = _text(attributes, "action")
    kind = {
        "open": "opened",
        "reopen": "opened",
        # CE sends "approved" on each approval; EE sends "approval" while approvals remain.
        "approved": "approved",
        "approval": "approved",
        "merge": "merged",
        "close": "declined",
    }.get(action)
    if action == "update" and _gitlab_changes_requested(data):
        kind = "changes_requested"
    return kind, attributes


_BITBUCKET_CLOUD = {
    "pullrequest:created": "opened",
    "pullrequest:approved": "approved",
    "pullrequest:changes_request_created": "changes_requested",
    "pullrequest:fulfilled": "merged",
    "pullrequest:rejected": "declined",
}
_BITBUCKET_DC = {
    "pr:opened": "opened",
    "pr:reviewer:approved": "approved",
    "pr:reviewer:needs_work": "changes_requested",
    # Documented, though servers reportedly refuse to subscribe to it; accepted either way.
    "pr:reviewer:changes_requested": "changes_requested",
    "pr:merged": "merged",
    "pr:declined": "declined",
    "pr:deleted": "declined",
}


def review_event(
    forge: str,
    headers: Mapping[str, str],
    data: Mapping[str, object],
    delivery: str,
    queues: Iterable[str] = (),
) -> ReviewEvent | None:
    """The review event a delivery reports, or None for anything the relay does not handle."""
    body = dict(data)
    if forge == "github":
        kind, pr = _github(headers.get("x-github-event", ""), body)
        texts = (_text(pr, "title"), _text(pr, "body"), _text(pr, "head", "ref"))
        link = _text(pr, "html_url")
    elif forge == "gitlab":
        kind, pr = _gitlab(body)
        texts = (
            _text(pr, "title"),
            _text(pr, "description"),
            _text(pr, "source_branch"),
        )
        link = _text(pr, "url")
    elif forge == "bitbucket-cloud":
        kind = _BITBUCKET_CLOUD.get(headers.get("x-event-key", ""))
        pr = _object(body, "pullrequest")
        texts = (
            _text(pr, "title"),
            _text(pr, "description") or _text(pr, "summary", "raw"),  # summary when absent
            _text(pr, "source", "branch", "name"),
        )
        link = _text(pr, "links", "html", "href")
    elif forge == "bitbucket-dc":
        kind = _BITBUCKET_DC.get(headers.get("x-event-key", ""))
        pr = _object(body, "pullRequest")
        texts = (_text(pr, "title"), _text(pr, "description"), _text(pr, "fromRef", "displayId"))
        links = _get(pr, "links", "self")
        link = _text(links[0], "href") if isinstance(links, list) and links else ""
    else:
        return None
    if kind is None:
        return None
    return ReviewEvent(
        forge=forge, kind=kind, keys=_keys(*texts, queues), delivery_id=delivery, pr=link
    )
