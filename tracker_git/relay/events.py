"""From a verified forge delivery to a ReviewEvent: which forge, what happened, which issues.

Event mapping (docs/design/forges.md "Webhook events"):

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
(Data Center: `eventKey`; Cloud: a `comment`, `approval` or `changes_request` object, else
the pull request's `state`) a header that disagrees is refused (`Refused`): a captured signed
"opened" body cannot be replayed as "merged". Bodies that fit two events are told apart by
the intake remembering every Bitbucket Cloud body it verified (`PARTS.unsigned_event`).
Who and when (one place for both, `outsider` and `too_old`): the relay acts only for a pull
request whose author the forge marks as a member or collaborator (GitHub's
`author_association`; the other forges' deliveries do not say, and a branch in the repository
itself takes write access to push) and whose source is the repository itself, unless the
forge's `allow_forks` is on. A delivery whose signed body states only times older than
`[server] replay_window` is refused: its id may have been forgotten, so it could be a replay.

Keys come from the title, the description (GitHub sends null, Bitbucket DC leaves the key
out when empty) and the source branch, through tracker_git.core.keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from tracker_git.core.forgekinds import FORGES, KINDS, ForgeKind, forge_kind
from tracker_git.core.keys import find_keys, key_from_branch
from tracker_git.forges.registry import parts
from tracker_git.forges.webhook import BadPayload, Refused

__all__ = [
    "BadPayload",
    "Refused",
    "ReviewEvent",
    "detect_forge",
    "outsider",
    "review_event",
    "too_old",
]


@dataclass(frozen=True)
class ReviewEvent:
    forge: str
    kind: str  # opened | draft | approved | changes_requested | merged | declined
    keys: tuple[str, ...]
    delivery_id: str
    pr: str = ""  # the pull request's web address (or number), for logs
    more_keys: int = 0  # keys found beyond the per-delivery limit, not acted on


def detect_forge(headers: Mapping[str, str]) -> str | None:
    """The forge that sent a delivery, from its headers only (nothing is parsed before
    verification): the first forge in the table whose event header is there; forges that
    share it (Bitbucket's two variants share X-Event-Key) are told apart by the headers
    only one of them sends, then the User-Agent, then how the event's name begins."""
    first = next((row for row in FORGES if row.event_header in headers), None)
    if first is None:
        return None
    rivals = [row for row in FORGES if row.event_header == first.event_header]
    if len(rivals) == 1:
        return first.kind
    event = headers.get(first.event_header, "")
    agent = headers.get("user-agent", "")
    tests: tuple[Callable[[ForgeKind], bool], ...] = (
        lambda row: any(name in headers for name in row.marker_headers),
        lambda row: bool(row.user_agent) and agent.startswith(row.user_agent),
        lambda row: bool(row.event_prefixes) and event.startswith(row.event_prefixes),
    )
    for test in tests:
        for row in rivals:
            if test(row):
                return row.kind
    return None


def delivery_id(forge: str, headers: Mapping[str, str], body: bytes) -> str:
    """The id deliveries are deduplicated by: the forge's delivery header, else the body's
    hash (a forge that sends no id still sends the same bytes when it retries)."""
    names = forge_kind(forge).delivery_headers if forge in KINDS else ()
    for name in names:
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


def keys_in(
    title: str, description: str, branch: str, queues: Iterable[str], branch_keys: bool = True
) -> tuple[str, ...]:
    """Every key, in order: title, description, branch; linear in the texts' length."""
    queues = tuple(queues)
    found = [*find_keys(title, queues), *find_keys(description, queues)]
    branch_key = key_from_branch(branch, queues) if branch and branch_keys else None
    if branch_key:
        found.append(branch_key)
    return tuple(dict.fromkeys(found))


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
    if forge not in KINDS:
        return None
    reported = parts(forge).webhook(headers, dict(data))
    if reported is None:
        return None
    keys = keys_in(reported.title, reported.description, reported.branch, queues, branch_keys)
    return ReviewEvent(
        forge=forge,
        kind=reported.kind,
        keys=keys[:max_keys],
        delivery_id=delivery,
        pr=reported.link,
        more_keys=max(0, len(keys) - max_keys),
    )


def outsider(
    forge: str, headers: Mapping[str, str], data: Mapping[str, object], allow_forks: bool
) -> str:
    """Why the relay does not act for the pull request a delivery is about; "" when it does
    (or the delivery is about no pull request)."""
    if forge not in KINDS:
        return ""
    found = parts(forge).origin(headers, dict(data))
    if found is None:
        return ""
    if found.fork and not allow_forks:
        return "the pull request comes from a fork (allow_forks is off)"
    if found.member is False:
        return "the pull request's author (or the review's) is not a member or collaborator"
    return ""


def too_old(forge: str, data: Mapping[str, object], window: float, now: float) -> float | None:
    """How old (seconds) a delivery's signed body says it is, when that is more than
    `window` (0: no limit); None when it is not (or states no time)."""
    if not window or forge not in KINDS:
        return None
    stamped = parts(forge).stamped(dict(data))
    if stamped is None or now - stamped <= window:
        return None
    return now - stamped
