"""Bitbucket Data Center / Server pull requests (docs/design/forges.md).

Traps handled: an update must carry the current `version` (a stale one answers 409
PullRequestOutOfDateException: read the pull request again and retry once) and the current
`reviewers` (omitting them removes them all); a duplicate create answers 409
DuplicatePullRequestException with `existingPullRequest`, which is then updated.
Auth: Bearer for HTTP access tokens, Basic for `user:password`. A 401 is also what a user
without permission on the repository gets (AuthorisationException), so its message says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from tracker_git.core import forgekinds
from tracker_git.core.errors import OperationFailed
from tracker_git.forges.base import (
    CommitStatus,
    Duplicate,
    Forge,
    PlannedRequest,
    PullRequest,
    Response,
)
from tracker_git.forges.bitbucket_cloud import basic_or_bearer, build_status
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

_DUPLICATE = "DuplicatePullRequestException"
_OUT_OF_DATE = "PullRequestOutOfDateException"
_DENIED = "AuthorisationException"
_STATES = {"OPEN": "open", "MERGED": "merged", "DECLINED": "declined"}


def _errors(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        return [e for e in data["errors"] if isinstance(e, dict)]
    return []


class _OutOfDate(Exception):
    pass


class BitbucketDCForge(Forge):
    def auth_headers(self, token: str) -> dict[str, str]:
        return basic_or_bearer(token)

    def error_text(self, data: Any) -> str:
        return "; ".join(str(e.get("message", "")) for e in _errors(data))

    def failure(
        self, method: str, status: int, data: Any, headers: Mapping[str, str] | None = None
    ) -> str:
        """Data Center answers 401 both for a bad token and for a user without permission on
        the repository (AuthorisationException); the message says which, or both when the
        answer does not tell."""
        names = [str(e.get("exceptionName", "")) for e in _errors(data)]
        if status != 401 or any("Authentication" in name for name in names):
            return super().failure(method, status, data, headers)
        said = " ".join(self.error_text(data).split())[:300]
        said_part = f": {said}" if said else ""
        login = f"'git tracker login --forge {self.remote.kind}'"
        if any(name.endswith(_DENIED) for name in names):
            return (
                f"{self.NAME} at {self.remote.host} says the token's user may not do this on "
                f"{self.remote.path} (401{said_part}); ask for permission on the repository "
                f"(write to open pull requests, read to post build statuses), or store a "
                f"token of a user who has it with {login}"
            )
        return (
            f"{self.NAME} at {self.remote.host} refused the request (401{said_part}); the token "
            f"is wrong or its user lacks permission on {self.remote.path}: check both, or "
            f"store a new token with {login}"
        )

    def duplicate(self, status: int, data: Any) -> Duplicate | None:
        for error in _errors(data):
            if status == 409 and str(error.get("exceptionName", "")).endswith(_DUPLICATE):
                existing = error.get("existingPullRequest")
                if isinstance(existing, dict) and "id" in existing:
                    return Duplicate(int(existing["id"]), self.parse(existing))
                return Duplicate()
        return None

    def _repo(self) -> str:
        return f"/projects/{self.remote.owner}/repos/{self.remote.repo}"

    def _ref(self, branch: str) -> dict[str, Any]:
        repository = {"slug": self.remote.repo, "project": {"key": self.remote.owner}}
        return {"id": f"refs/heads/{branch}", "repository": repository}

    def parse_json(self, data: Any) -> PullRequest:
        links = (data.get("links") or {}).get("self") or [{}]
        return PullRequest(
            number=int(data["id"]),
            url=str((links[0] or {}).get("href", "")),
            title=str(data.get("title") or ""),
            body=str(data.get("description") or ""),  # the key is left out when empty
            state=_STATES.get(str(data.get("state")), str(data.get("state")).lower()),
            draft=bool(data.get("draft")),
            source=str(data["fromRef"]["displayId"]),
            target=str(data["toRef"]["displayId"]),
            version=int(data.get("version", 0)),
            reviewers=tuple(str(r["user"]["name"]) for r in data.get("reviewers") or []),
        )

    def _from_here(self, item: Any) -> bool:
        """Not a pull request from a fork that happens to use the same branch name."""
        repo = item["fromRef"].get("repository") or {}
        key = str((repo.get("project") or {}).get("key", self.remote.owner))
        return (
            repo.get("slug", self.remote.repo) == self.remote.repo
            and key.upper() == self.remote.owner.upper()
        )

    def list_open(self, branch: str) -> list[PullRequest]:
        params = {
            "state": "OPEN",
            "direction": "OUTGOING",
            "at": f"refs/heads/{branch}",
            "start": 0,
            "limit": 100,
        }

        def page(answer: Response) -> tuple[list[Any], str | None]:
            """`values`, and the same query from `nextPageStart` unless it is the last page."""
            data = answer.data
            if data.get("isLastPage", True) or "nextPageStart" not in data:
                return data.get("values", []), None
            return data.get("values", []), "?" + urlencode(
                {**params, "start": int(data["nextPageStart"])}
            )

        items = self.read_pages(self.url(self._repo() + "/pull-requests"), params, page)
        found = [self.parse(item) for item in items if self._from_here(item)]
        return [pr for pr in found if pr.source == branch]

    def get(self, number: int) -> PullRequest:
        return self.parse(
            self.request("GET", self.url(f"{self._repo()}/pull-requests/{number}")).data
        )

    def plan_create(
        self, title: str, body: str, source: str, target: str, draft: bool = False
    ) -> list[PlannedRequest]:
        payload: dict[str, Any] = {
            "title": title,
            "description": body,
            "fromRef": self._ref(source),
            "toRef": self._ref(target),
        }
        if draft:  # servers before draft support (~9.x) reject the unknown field only if sent
            payload["draft"] = True
        return [PlannedRequest("POST", self.url(self._repo() + "/pull-requests"), payload)]

    def plan_update(self, pr: PullRequest, title: str, body: str) -> list[PlannedRequest]:
        payload = {
            "version": pr.version or 0,
            "title": title,
            "description": body,
            "reviewers": [{"user": {"name": name}} for name in pr.reviewers],
        }
        url = self.url(f"{self._repo()}/pull-requests/{pr.number}")
        return [PlannedRequest("PUT", url, payload)]

    def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
        try:
            return self._put(pr, title, body)
        except _OutOfDate:
            pass
        # Someone changed it since we read it: read again (fresh version and reviewers), once.
        try:
            return self._put(self.get(pr.number), title, body)
        except _OutOfDate:
            raise OperationFailed(
                f"pull request #{pr.number} keeps changing under us; try again in a moment"
            ) from None

    def _put(self, pr: PullRequest, title: str, body: str) -> PullRequest:
        (planned,) = self.plan_update(pr, title, body)
        answer = self.request(planned.method, planned.url, body=planned.json, ok=(200, 201, 409))
        if answer.status == 409:
            if any(
                str(e.get("exceptionName", "")).endswith(_OUT_OF_DATE) for e in _errors(answer.data)
            ):
                raise _OutOfDate
            raise OperationFailed(self.failure("PUT", 409, answer.data))
        return self.parse(answer.data)

    def fetch_default_branch(self) -> str:
        answer = self.request("GET", self.url(self._repo() + "/default-branch"), ok=(200, 404))
        if answer.status == 404 and "branch" not in self.error_text(answer.data).lower():
            # Servers before 7.5 only have the older, now deprecated endpoint.
            answer = self.request("GET", self.url(self._repo() + "/branches/default"))
        elif answer.status == 404:
            raise OperationFailed(self.failure("GET", 404, answer.data))
        return str(answer.data["displayId"])

    def create_page_url(self, source: str, target: str, title: str, body: str) -> str:
        """`/pull-requests?create&sourceBranch=refs/heads/B&targetBranch=refs/heads/T`
        (docs/design/forges.md); Data Center has no title or description prefill."""
        query = urlencode(
            {"sourceBranch": f"refs/heads/{source}", "targetBranch": f"refs/heads/{target}"},
            safe="/",
        )
        return f"{self.remote.web_url}/pull-requests?create&{query}"

    def plan_commit_status(self, sha: str, status: CommitStatus) -> PlannedRequest:
        """POST .../projects/{key}/repos/{slug}/commits/{sha}/builds (Data Center 7.4 and
        later; answers 204); a status with the same key is replaced."""
        url = self.url(f"{self._repo()}/commits/{quote(sha, safe='')}/builds")
        body = build_status(status, self.remote.web_url)
        if status.branch:
            body["ref"] = f"refs/heads/{status.branch}"
        return PlannedRequest("POST", url, body)


# --- what else is particular to Bitbucket Data Center (tracker_git.forges.registry) --------

ROW = forgekinds.of_module(__name__)
SSH_PORT = 7999


def default_api_url(web_base: str) -> str:
    return f"{web_base}/rest/api/latest"


def locate(url: RemoteUrl, web_base: str, shown: str) -> Located:
    """PROJECT/repo, over https after `[/context]/scm/`; a personal project is `~user`."""
    segments, context = url.segments, ""
    if "scm" in segments[:-2]:
        cut = len(segments) - 1 - segments[::-1].index("scm")
        context = "".join("/" + c for c in segments[:cut])
        segments = segments[cut + 1 :]
    key, slug = two_segments(segments, shown, ROW.kind, "PROJECT/repo after /scm/")
    key = key if key.startswith("~") else key.upper()
    own = url.own + context
    web_base = web_base or own
    page = (
        f"/users/{key[1:]}/repos/{slug}" if key.startswith("~") else f"/projects/{key}/repos/{slug}"
    )
    return Located(key, slug, web_base + page, web_base, own)


def claims(url: RemoteUrl) -> bool:
    """Data Center clones over https from /scm/ and over ssh from port 7999 (docs/design/forges.md)."""
    return (url.scheme in ("http", "https") and "scm" in url.segments[:-2]) or url.port == SSH_PORT


_EVENTS = {
    "pr:opened": "opened",
    "pr:reviewer:approved": "approved",
    "pr:reviewer:needs_work": "changes_requested",
    # Documented, though servers reportedly refuse to subscribe to it; accepted either way.
    "pr:reviewer:changes_requested": "changes_requested",
    "pr:merged": "merged",
    "pr:declined": "declined",
    "pr:deleted": "declined",
}


def webhook(headers: Mapping[str, str], data: dict[str, object]) -> Reported | None:
    """The signed body's eventKey must agree with the unsigned X-Event-Key (else Refused)."""
    header = headers.get("x-event-key", "")
    kind = _EVENTS.get(header)
    if kind is None:
        return None
    said = data.get("eventKey")
    if isinstance(said, str) and said != header:
        raise Refused(f"X-Event-Key {header!r} disagrees with the signed body's eventKey; refused")
    pr = obj(data, "pullRequest")
    links = get(pr, "links", "self")
    return Reported(
        bitbucket_draft(kind, pr),
        text(pr, "title"),
        text(pr, "description"),
        text(pr, "fromRef", "displayId"),
        text(links[0], "href") if isinstance(links, list) and links else "",
    )


def head(headers: Mapping[str, str], data: dict[str, object]) -> Head | None:
    """pr:opened, pr:from_ref_updated (new commits), pr:modified (title, description); the
    signed body's eventKey must be that event too."""
    event = headers.get("x-event-key", "")
    if event not in ("pr:opened", "pr:from_ref_updated", "pr:modified"):
        return None
    if text(data, "eventKey") not in ("", event):
        return None
    pr = obj(data, "pullRequest")
    target = obj(pr, "toRef", "repository")
    project, slug = text(target, "project", "key"), text(target, "slug")
    links = get(pr, "links", "self")
    link = text(links[0], "href") if isinstance(links, list) and links else ""
    return Head(
        text(pr, "fromRef", "latestCommit"),
        f"{project}/{slug}" if project and slug else "",
        text(pr, "fromRef", "displayId"),
        text(pr, "title"),
        text(pr, "description"),
        link,
    )


def origin(headers: Mapping[str, str], data: dict[str, object]) -> Origin | None:
    """The delivery says nothing of the author's permission; the source repository says
    whether it is a fork (a branch of the repository itself takes write access to push)."""
    pr = obj(data, "pullRequest")
    if not pr or not headers.get("x-event-key", "").startswith("pr:"):
        return None
    fork = not same(get(pr, "fromRef", "repository", "id"), get(pr, "toRef", "repository", "id"))
    return Origin(None, fork)


def stamped(data: dict[str, object]) -> float | None:
    pr = obj(data, "pullRequest")
    return newest(
        get(data, "date"),
        get(pr, "createdDate"),
        get(pr, "updatedDate"),
        get(pr, "closedDate"),
    )


PARTS = ForgeParts(
    BitbucketDCForge,
    default_api_url,
    locate,
    webhook,
    claims,
    head,
    origin=origin,
    stamped=stamped,
)
