"""What a forge's webhook delivery reports, as each forge module reads it (`PARTS.webhook`),
and the defensive readers of untrusted JSON they share. Stdlib only; the relay
(tracker_git.relay.events) turns a `Reported` into a ReviewEvent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Reported:
    """A pull request event: kind (opened | draft | approved | changes_requested | merged |
    declined), the pull request's title, description and source branch (where keys are
    looked for), and its web address (or number) for logs."""

    kind: str
    title: str
    description: str
    branch: str
    link: str


@dataclass(frozen=True)
class Head:
    """A pull request whose head commit gets a commit status (`PARTS.head`): opened,
    reopened, edited or given new commits. sha: the head commit; repository: the target
    repository's path (owner/repo, group/sub/project, PROJECT/slug); branch: the source
    branch; title, description: where keys are looked for; link: the pull request's page."""

    sha: str
    repository: str
    branch: str
    title: str
    description: str
    link: str


@dataclass(frozen=True)
class Origin:
    """Who a pull request comes from, as the delivery says (`PARTS.origin`). member: whether
    the forge marks its author (and a review's author) a member or collaborator of the target
    repository (None: the forge's delivery does not say); fork: whether its source branch lives in another
    repository than the target (a deleted fork counts as a fork)."""

    member: bool | None
    fork: bool


class BadPayload(Exception):
    """The body is not the JSON a forge sends; str() is safe to send back."""


class Refused(BadPayload):
    """The signed body contradicts the unsigned headers; str() is safe to send back."""


def get(data: object, *path: str) -> object:
    """data[path[0]][path[1]]...; None where a step is not an object or lacks the key."""
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def obj(data: object, *path: str) -> dict[str, object]:
    """The object at `path`, {} for anything else."""
    value = get(data, *path)
    return value if isinstance(value, dict) else {}


def text(data: object, *path: str) -> str:
    """The string at `path`, "" for anything else."""
    value = get(data, *path)
    return value if isinstance(value, str) else ""


def bitbucket_draft(kind: str, pr: dict[str, object]) -> str:
    """Both Bitbucket variants: an opened pull request marked draft is the kind `draft`."""
    return "draft" if kind == "opened" and get(pr, "draft") is True else kind


def same(a: object, b: object) -> bool:
    """Two identifiers from a body are the same (and not missing)."""
    return a is not None and a != "" and a == b


def moment(value: object) -> float | None:
    """A time a body states, as seconds since the epoch: ISO 8601 (`2019-05-15T15:20:33Z`,
    `+1000` or `+10:00` offsets, GitLab's older `2013-12-03 17:23:34 UTC`) or milliseconds
    since the epoch (Bitbucket Data Center's numbers); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) / 1000.0
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    text = value.strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def newest(*values: object) -> float | None:
    """The newest of the times a body states (None: it states none)."""
    times = [t for t in (moment(v) for v in values) if t is not None]
    return max(times) if times else None
