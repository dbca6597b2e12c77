"""From a verified forge delivery to a ReviewEvent: which forge, what happened, which issues.

Event mapping (forges.md cheat sheet):

| kind | GitHub | GitLab `object_attributes.action` | Bitbucket Cloud | Bitbucket DC |
| --- | --- | --- | --- | --- |
| opened | pull_request opened, reopened, ready_for_review | open, reopen | pullrequest:created | pr:opened |
| approved | pull_request_review submitted, state approved | approved, approval (EE: not yet all approvals) | pullrequest:approved | pr:reviewer:approved |
| changes_requested | pull_request_review submitted, state changes_requested | update whose changes.reviewers gain state requested_changes | pullrequest:changes_request_created | pr:reviewer:needs_work (or changes_requested) |
| merged | pull_request closed, merged true | merge | pullrequest:fulfilled | pr:merged |
| declined | pull_request closed, merged false | close | pullrequest:rejected | pr:declined, pr:deleted |

A draft pull request opened (GitHub `draft`, GitLab `draft`, Bitbucket `draft`) is the kind
`draft` instead of `opened`, and one marked ready for review (GitHub `ready_for_review`, a
GitLab update whose `changes.draft` goes from true to false) is `opened`.

Anything else (pings, pushes, comments, edits) is not an event here: `review_event` returns None.

Bitbucket signs the body, not the X-Event-Key header, so where the body tells the event
(Data Center: `eventKey`; Cloud: the pull request's `state` and the `approval` or
`changes_request` object) a header that disagrees is refused (`Refused`): a captured signed
"opened" body cannot be replayed as "merged".
Keys come from the title, the description (GitHub sends null, Bitbucket DC leaves the key
out when empty) and the source branch, through tracker_git.core.keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from tracker_git.core.keys import find_keys, key_from_branch


@dataclass(frozen=True)
class ReviewEvent:
    forge: str
    kind: str  # opened | draft | approved | changes_requested | merged | declined
    keys: tuple[str, ...]
    delivery_id: str
    pr: str = ""  # the pull request's web address (or number), for logs
    more_keys: int = 0  # keys found beyond the per-delivery limit, not acted on


class BadPayload(Exception):
    """The body is not the JSON a forge sends; str() is safe to send back."""


class Refused(BadPayload):
    """The signed body contradicts the unsigned headers; str() is safe to send back."""


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
    return body_hash(forge, body)


def body_hash(forge: str, body: bytes) -> str:
    """What a delivery is also deduplicated by: the same signed bytes are the same delivery,
    whatever delivery id comes with them."""
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
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: nested deeper than the parser goes; no forge sends that.
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


def _keys(
    title: str, description: str, branch: str, queues: Iterable[str], branch_keys: bool = True
) -> tuple[str, ...]:
    """Every key, in order: title, description, branch; linear in the texts' length."""
    queues = tuple(queues)
    found = [*find_keys(title, queues), *find_keys(description, queues)]
    branch_key = key_from_branch(branch, queues) if branch and branch_keys else None
    if branch_key:
        found.append(branch_key)
    return tuple(dict.fromkeys(found))


def _github(event: str, data: dict[str, object]) -> tuple[str | None, dict[str, object]]:
    action = _text(data, "action")
    pr = _object(data, "pull_request")
    kind: str | None = None
    if event == "pull_request":
        if action in ("opened", "reopened"):
            kind = "draft" if _get(pr, "draft") is True else "opened"
        elif action == "ready_for_review":
            kind = "opened"
        elif action == "converted_to_draft":
            kind = "draft"
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
    if kind == "opened" and _gitlab_draft(attributes):
        kind = "draft"
    if action == "update":
        if _gitlab_changes_requested(data):
            kind = "changes_requested"
        else:
            draft = _get(data, "changes", "draft") or _get(data, "changes", "work_in_progress")
            if isinstance(draft, dict) and draft.get("previous") != draft.get("current"):
                kind = "draft" if draft.get("current") is True else "opened"
    return kind, attributes


def _gitlab_draft(attributes: dict[str, object]) -> bool:
    return _get(attributes, "draft") is True or _get(attributes, "work_in_progress") is True


# Bitbucket Cloud: what the body of each handled event holds (the header must agree).
_CLOUD_BODY: dict[str, Callable[[dict[str, object], str], bool]] = {
    "opened": lambda body, state: state == "OPEN" and not _cloud_review(body),
    "approved": lambda body, state: _cloud_review(body) == "approval",
    "changes_requested": lambda body, state: _cloud_review(body) == "changes_request",
    "merged": lambda body, state: state == "MERGED",
    "declined": lambda body, state: state == "DECLINED",
}


def _cloud_review(body: dict[str, object]) -> str:
    return next((name for name in ("approval", "changes_request") if name in body), "")


def _bitbucket_check(forge: str, header: str, kind: str, body: dict[str, object]) -> None:
    """Refused if the signed body says another event than the unsigned X-Event-Key."""
    if forge == "bitbucket-dc":
        said = body.get("eventKey")
        if isinstance(said, str) and said != header:
            raise Refused(
                f"X-Event-Key {header!r} disagrees with the signed body's eventKey; refused"
            )
        return
    state = _text(body, "pullrequest", "state")
    if (state or _cloud_review(body)) and not _CLOUD_BODY[kind](body, state):
        raise Refused(
            f"X-Event-Key {header!r} disagrees with the signed body (pull request "
            f"{state or 'state unknown'}); refused"
        )


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
    *,
    max_keys: int = 20,
    branch_keys: bool = True,
) -> ReviewEvent | None:
    """The review event a delivery reports, or None for anything the relay does not handle;
    Refused if a Bitbucket body contradicts its event header. At most `max_keys` keys are
    kept (`more_keys` counts the rest)."""
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
        if kind is not None:
            _bitbucket_check(forge, headers.get("x-event-key", ""), kind, body)
        texts = (
            _text(pr, "title"),
            _text(pr, "description") or _text(pr, "summary", "raw"),  # summary when absent
            _text(pr, "source", "branch", "name"),
        )
        link = _text(pr, "links", "html", "href")
    elif forge == "bitbucket-dc":
        kind = _BITBUCKET_DC.get(headers.get("x-event-key", ""))
        pr = _object(body, "pullRequest")
        if kind is not None:
            _bitbucket_check(forge, headers.get("x-event-key", ""), kind, body)
        texts = (_text(pr, "title"), _text(pr, "description"), _text(pr, "fromRef", "displayId"))
        links = _get(pr, "links", "self")
        link = _text(links[0], "href") if isinstance(links, list) and links else ""
    else:
        return None
    if kind is None:
        return None
    if kind == "opened" and forge.startswith("bitbucket") and _get(pr, "draft") is True:
        kind = "draft"
    keys = _keys(*texts, queues, branch_keys)
    return ReviewEvent(
        forge=forge,
        kind=kind,
        keys=keys[:max_keys],
        delivery_id=delivery,
        pr=link,
        more_keys=max(0, len(keys) - max_keys),
    )
