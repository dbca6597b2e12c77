"""Bitbucket Cloud pull requests (docs/design/forges.md).

Traps handled: a PUT replaces the pull request (without `reviewers`, `draft` or
`close_source_branch` they are reset) and the list endpoint leaves reviewers out, so an
update reads the pull request first and sends all of them back; a duplicate
create is undocumented (reported to update the open one), so `submit` looks up first.
Auth: a token with a colon (`email:api_token`, `user:app_password`) is sent as Basic,
any other token (repository/workspace access tokens, OAuth) as Bearer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from tracker_git.core import forgekinds
from tracker_git.forges.base import (
    CommitStatus,
    Duplicate,
    Forge,
    PlannedRequest,
    PullRequest,
    Response,
    shorten,
)
from tracker_git.forges.detect import Located, RemoteUrl, two_segments
from tracker_git.forges.registry import ForgeParts
from tracker_git.forges.webhook import (
    Head,
    Origin,
    Refused,
    Reported,
    bitbucket_draft,
    get,
    newest,
    obj,
    same,
    text,
)

_STATES = {"OPEN": "open", "MERGED": "merged", "DECLINED": "declined", "SUPERSEDED": "closed"}
# Build status states, the same words on Cloud and Data Center.
BUILD_STATES = {"success": "SUCCESSFUL", "failure": "FAILED", "pending": "INPROGRESS"}


def build_status(status: CommitStatus, fallback_url: str) -> dict[str, str]:
    """A build status body (both Bitbuckets): `key` is the context, `url` is required."""
    return {
        "key": status.context,
        "state": BUILD_STATES[status.state],
        "name": status.name,
        "url": status.url or fallback_url,
        "description": shorten(status.description, 255),
    }


def basic_or_bearer(token: str) -> dict[str, str]:
    """Basic for `user:secret` credentials, Bearer for a bare token (both Bitbuckets)."""
    if ":" in token:
        return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode("ascii")}
    return {"Authorization": f"Bearer {token}"}


def _page(answer: Response) -> tuple[list[Any], str | None]:
    """A page's `values` and its `next` link (absent on the last page)."""
    data = answer.data or {}
    link = data.get("next")
    return data.get("values", []), link if isinstance(link, str) else None


class BitbucketCloudForge(Forge):
    def auth_headers(self, token: str) -> dict[str, str]:
        return basic_or_bearer(token)

    def error_text(self, data: Any) -> str:
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            error = data["error"]
            return "; ".join(str(error[k]) for k in ("message", "detail") if error.get(k))
        return ""

    def duplicate(self, status: int, data: Any) -> Duplicate | None:
        if status in (400, 409) and "already" in self.error_text(data).lower():
            return Duplicate()
        return None

    def _repo(self) -> str:
        return f"/repositories/{self.remote.owner}/{self.remote.repo}"

    def parse_json(self, data: Any) -> PullRequest:
        description = data.get("description")
        if description is None:
            description = (data.get("summary") or {}).get("raw") or ""
        return PullRequest(
            number=int(data["id"]),
            url=str(((data.get("links") or {}).get("html") or {}).get("href", "")),
            title=str(data.get("title") or ""),
            body=str(description),
            state=_STATES.get(str(data.get("state")), str(data.get("state")).lower()),
            draft=bool(data.get("draft")),
            source=str(data["source"]["branch"]["name"]),
            target=str(data["destination"]["branch"]["name"]),
            reviewers=tuple(
                str(r.get("uuid") or r.get("account_id")) for r in data.get("reviewers") or []
            ),
        )

    def _from_here(self, item: Any) -> bool:
        """Not a pull request from a fork that happens to use the same branch name."""
        name = ((item.get("source") or {}).get("repository") or {}).get("full_name")
        return name is None or str(name).lower() == self.remote.path.lower()

    def list_open(self, branch: str) -> list[PullRequest]:
        quoted = branch.replace("\\", "\\\\").replace('"', '\\"')
        params = {"q": f'source.branch.name="{quoted}"', "state": "OPEN", "pagelen": 50}
        items = self.read_pages(self.url(self._repo() + "/pullrequests"), params, _page)
        found = [self.parse(item) for item in items if self._from_here(item)]
        return [pr for pr in found if pr.source == branch]

    def get(self, number: int) -> PullRequest:
        return self.parse(self._get_raw(number))

    def _get_raw(self, number: int) -> dict[str, Any]:
        data = self.request("GET", self.url(f"{self._repo()}/pullrequests/{number}")).data
        assert isinstance(data, dict)
        return data

    def plan_create(
        self, title: str, body: str, source: str, target: str, draft: bool = False
    ) -> list[PlannedRequest]:
        payload = {
            "type": "pullrequest",  # the description's `object` base requires it
            "title": title,
            "description": body,
            "source": {"branch": {"name": source}},
            "destination": {"branch": {"name": target}},
            "draft": draft,
        }
        return [PlannedRequest("POST", self.url(self._repo() + "/pullrequests"), payload)]

    def plan_update(self, pr: PullRequest, title: str, body: str) -> list[PlannedRequest]:
        """Reads the pull request (the list leaves reviewers out) and PUTs back everything a
        PUT would otherwise reset: reviewers, draft state, close_source_branch."""
        current = self._get_raw(pr.number)
        reviewers = [
            {"type": "user", "uuid": r["uuid"]}
            if r.get("uuid")
            else {"type": "user", "account_id": r.get("account_id")}
            for r in current.get("reviewers") or []
        ]
        payload = {
            "type": "pullrequest",
            "title": title,
            "description": body,
            "reviewers": reviewers,
            "draft": bool(current.get("draft")),
            "close_source_branch": bool(current.get("close_source_branch")),
        }
        url = self.url(f"{self._repo()}/pullrequests/{pr.number}")
        return [PlannedRequest("PUT", url, payload)]

    def fetch_default_branch(self) -> str:
        data = self.request("GET", self.url(self._repo())).data
        return str(data["mainbranch"]["name"])

    def create_page_url(self, source: str, target: str, title: str, body: str) -> str:
        """`/pull-requests/new?source=&dest=` (docs/design/forges.md): Bitbucket has no title or
        description prefill, so those are not in the URL."""
        query = urlencode({"source": source, "dest": target})
        return f"{self.remote.web_url}/pull-requests/new?{query}"

    def plan_commit_status(self, sha: str, status: CommitStatus) -> PlannedRequest:
        """POST /repositories/{workspace}/{repo}/commit/{sha}/statuses/build; a status with
        the same key is replaced."""
        url = self.url(f"{self._repo()}/commit/{quote(sha, safe='')}/statuses/build")
        body: dict[str, str] = {"type": "build", **build_status(status, self.remote.web_url)}
        if status.branch:  # what shows the status on the pull request
            body["refname"] = status.branch
        return PlannedRequest("POST", url, body)


# --- what else is particular to Bitbucket Cloud (tracker_git.forges.registry) --------------

ROW = forgekinds.of_module(__name__)


def default_api_url(web_base: str) -> str:
    return f"https://api.{ROW.web_host}/2.0"


def locate(url: RemoteUrl, web_base: str, shown: str) -> Located:
    workspace, slug = two_segments(url.segments, shown, ROW.kind, "WORKSPACE/REPO")
    web_base = web_base or f"https://{ROW.web_host}"
    return Located(workspace, slug, f"{web_base}/{workspace}/{slug}", web_base, url.own)


_EVENTS = {
    "pullrequest:created": "opened",
    "pullrequest:approved": "approved",
    "pullrequest:changes_request_created": "changes_requested",
    "pullrequest:fulfilled": "merged",
    "pullrequest:rejected": "declined",
}
_PR = "pullrequest:"
# The events each kind of body can be (X-Event-Key is not signed; the body is): a comment
# object only comes with comment events, an approval with (un)approvals, a change request
# with its creation or removal, else the pull request's state says (updated: any state).
_COMMENTS = frozenset(
    f"{_PR}comment_{what}" for what in ("created", "updated", "deleted", "resolved", "reopened")
)
_FITS: tuple[tuple[Callable[[dict[str, object], str], bool], frozenset[str]], ...] = (
    (lambda body, state: "comment" in body, _COMMENTS),
    (lambda body, state: "approval" in body, frozenset({f"{_PR}approved", f"{_PR}unapproved"})),
    (
        lambda body, state: "changes_request" in body,
        frozenset({f"{_PR}changes_request_created", f"{_PR}changes_request_removed"}),
    ),
    (lambda body, state: state == "OPEN", frozenset({f"{_PR}created", f"{_PR}updated"})),
    (lambda body, state: state == "MERGED", frozenset({f"{_PR}fulfilled", f"{_PR}updated"})),
    (
        lambda body, state: state in ("DECLINED", "SUPERSEDED"),
        frozenset({f"{_PR}rejected", f"{_PR}updated"}),
    ),
)


def could_be(body: dict[str, object]) -> frozenset[str] | None:
    """The pull-request events whose body this can be; None when the body does not say."""
    state = text(obj(body, "pullrequest"), "state")
    return next((events for fits, events in _FITS if fits(body, state)), None)


def webhook(headers: Mapping[str, str], data: dict[str, object]) -> Reported | None:
    """Bitbucket signs the body, not X-Event-Key: where the body tells the event (a comment,
    an approval or change request object, the pull request's state) a header naming another
    is Refused, handled events and ignored ones alike, so a captured signed "opened" body
    cannot be replayed as "merged", nor a comment's as "created". Bodies that fit two events
    (approved and unapproved, a change request created and removed, created and updated)
    are told apart by the relay remembering every body it has seen (`unsigned_event`)."""
    header = headers.get("x-event-key", "")
    if header.startswith(_PR):
        fits = could_be(data)
        if fits is not None and header not in fits:
            state = text(obj(data, "pullrequest"), "state") or "state unknown"
            raise Refused(
                f"X-Event-Key {header!r} disagrees with the signed body (pull request "
                f"{state}; it can be: {', '.join(sorted(fits))}); refused"
            )
    kind = _EVENTS.get(header)
    if kind is None:
        return None
    pr = obj(data, "pullrequest")
    return Reported(
        bitbucket_draft(kind, pr),
        text(pr, "title"),
        text(pr, "description") or text(pr, "summary", "raw"),  # summary when absent
        text(pr, "source", "branch", "name"),
        text(pr, "links", "html", "href"),
    )


def head(headers: Mapping[str, str], data: dict[str, object]) -> Head | None:
    """pullrequest:created or pullrequest:updated (title, description, new commits); the
    head's hash is the short one Bitbucket sends, which its status API takes."""
    if headers.get("x-event-key") not in ("pullrequest:created", "pullrequest:updated"):
        return None
    pr = obj(data, "pullrequest")
    if text(pr, "state") not in ("", "OPEN"):
        return None
    return Head(
        text(pr, "source", "commit", "hash"),
        text(data, "repository", "full_name") or text(pr, "destination", "repository", "full_name"),
        text(pr, "source", "branch", "name"),
        text(pr, "title"),
        text(pr, "description") or text(pr, "summary", "raw"),
        text(pr, "links", "html", "href"),
    )


def origin(headers: Mapping[str, str], data: dict[str, object]) -> Origin | None:
    """The delivery says nothing of the author's rights; the source repository says whether
    it is a fork (a branch of the repository itself takes write access to push)."""
    pr = obj(data, "pullrequest")
    if not pr or not headers.get("x-event-key", "").startswith("pullrequest:"):
        return None
    source, target = obj(pr, "source", "repository"), obj(pr, "destination", "repository")
    if get(source, "uuid") is not None and get(target, "uuid") is not None:
        fork = not same(get(source, "uuid"), get(target, "uuid"))
    else:
        fork = not same(get(source, "full_name"), get(target, "full_name"))
    return Origin(None, fork)


def stamped(data: dict[str, object]) -> float | None:
    pr = obj(data, "pullrequest")
    return newest(
        get(pr, "created_on"),
        get(pr, "updated_on"),
        get(data, "approval", "date"),
        get(data, "changes_request", "date"),
    )


PARTS = ForgeParts(
    BitbucketCloudForge,
    default_api_url,
    locate,
    webhook,
    head=head,
    origin=origin,
    stamped=stamped,
    unsigned_event=True,
)
