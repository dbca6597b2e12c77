"""GitHub and GitHub Enterprise Server pull requests (docs/design/forges.md "GitHub").

Traps handled: the `head` filter must be `owner:branch` (a bare branch is silently ignored,
so results are also checked here); a duplicate create answers 422 "A pull request already
exists for owner:branch." and turns into an update; `draft` cannot be changed by PATCH.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from tracker_git.core import forgekinds
from tracker_git.forges.base import (
    CommitStatus,
    Duplicate,
    Forge,
    PlannedRequest,
    PullRequest,
    next_link,
    shorten,
)
from tracker_git.forges.detect import Located, RemoteUrl, is_ghe_com, two_segments
from tracker_git.forges.registry import ForgeParts
from tracker_git.forges.webhook import Head, Origin, Reported, get, newest, obj, same, text

# GitHub answers 414 for long URLs; leave room under its ~8 KB limit.
MAX_PAGE_URL = 7000


class GitHubForge(Forge):
    def auth_headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def error_text(self, data: Any) -> str:
        if not isinstance(data, dict):
            return ""
        details = [
            str(e.get("message") or f"{e.get('field', '')} {e.get('code', '')}".strip())
            for e in data.get("errors") or []
            if isinstance(e, dict)
        ]
        return "; ".join([str(data.get("message", "")), *details]).strip("; ")

    def duplicate(self, status: int, data: Any) -> Duplicate | None:
        if status == 422 and "pull request already exists" in self.error_text(data).lower():
            return Duplicate()
        return None

    def _repo(self) -> str:
        return f"/repos/{self.remote.owner}/{self.remote.repo}"

    def parse_json(self, data: Any) -> PullRequest:
        state = str(data.get("state", "open"))
        if state == "closed" and data.get("merged_at"):
            state = "merged"
        return PullRequest(
            number=int(data["number"]),
            url=str(data.get("html_url", "")),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),  # null when empty
            state=state,
            draft=bool(data.get("draft")),
            source=str(data["head"]["ref"]),
            target=str(data["base"]["ref"]),
            reviewers=tuple(
                str(r["login"]) for r in data.get("requested_reviewers") or [] if "login" in r
            ),
        )

    def list_open(self, branch: str) -> list[PullRequest]:
        params = {"state": "open", "head": f"{self.remote.owner}:{branch}", "per_page": 100}
        items = self.read_pages(
            self.url(self._repo() + "/pulls"),
            params,
            lambda answer: (answer.data or [], next_link(answer.headers)),
        )
        return [pr for pr in map(self.parse, items) if pr.source == branch]

    def get(self, number: int) -> PullRequest:
        return self.parse(self.request("GET", self.url(f"{self._repo()}/pulls/{number}")).data)

    def plan_create(
        self, title: str, body: str, source: str, target: str, draft: bool = False
    ) -> list[PlannedRequest]:
        payload = {"title": title, "head": source, "base": target, "body": body, "draft": draft}
        return [PlannedRequest("POST", self.url(self._repo() + "/pulls"), payload)]

    def plan_update(self, pr: PullRequest, title: str, body: str) -> list[PlannedRequest]:
        url = self.url(f"{self._repo()}/pulls/{pr.number}")
        return [PlannedRequest("PATCH", url, {"title": title, "body": body})]

    def fetch_default_branch(self) -> str:
        return str(self.request("GET", self.url(self._repo())).data["default_branch"])

    def create_page_url(self, source: str, target: str, title: str, body: str) -> str:
        """`/compare/BASE...HEAD?quick_pull=1&title=&body=` (docs/design/forges.md); the body is left
        out when the URL would be too long for GitHub."""
        base = f"{self.remote.web_url}/compare/{quote(target)}...{quote(source)}"
        query = {"quick_pull": "1", "title": title, "body": body}
        url = f"{base}?{urlencode(query)}"
        if len(url) > MAX_PAGE_URL:
            url = f"{base}?{urlencode({'quick_pull': '1', 'title': title})}"
        return url

    def plan_commit_status(self, sha: str, status: CommitStatus) -> PlannedRequest:
        """POST /repos/{owner}/{repo}/statuses/{sha}: state error|failure|pending|success,
        a description of at most 140 characters (longer answers 422)."""
        payload = {
            "state": status.state,
            "target_url": status.url,
            "description": shorten(status.description, 140),
            "context": status.context,
        }
        return PlannedRequest("POST", self.url(f"{self._repo()}/statuses/{quote(sha)}"), payload)


# --- what else is particular to GitHub (tracker_git.forges.registry) -----------------------

ROW = forgekinds.of_module(__name__)


def default_api_url(web_base: str) -> str:
    """api.github.com for github.com, `https://api.SUBDOMAIN.ghe.com` for data residency (no
    /api/v3 there), and WEB/api/v3 for Enterprise Server (docs/design/forges.md)."""
    host = urlsplit(web_base).hostname or ""
    if host == ROW.web_host:
        return f"https://api.{host}"
    if is_ghe_com(host):
        return f"https://api.{host}"
    return f"{web_base}/api/v3"


def locate(url: RemoteUrl, web_base: str, shown: str) -> Located:
    owner, repo = two_segments(url.segments, shown, ROW.kind, "OWNER/REPO")
    web_base = web_base or url.own
    return Located(owner, repo, f"{web_base}/{owner}/{repo}", web_base, url.own)


def claims(url: RemoteUrl) -> bool:
    return is_ghe_com(url.host)


def webhook(headers: Mapping[str, str], data: dict[str, object]) -> Reported | None:
    event, action = headers.get("x-github-event", ""), text(data, "action")
    pr = obj(data, "pull_request")
    kind: str | None = None
    if event == "pull_request":
        if action in ("opened", "reopened"):
            kind = "draft" if get(pr, "draft") is True else "opened"
        elif action == "ready_for_review":
            kind = "opened"
        elif action == "converted_to_draft":
            kind = "draft"
        elif action == "closed":
            kind = "merged" if get(pr, "merged") is True else "declined"
    elif event == "pull_request_review" and action == "submitted":
        state = text(data, "review", "state").lower()
        kind = {"approved": "approved", "changes_requested": "changes_requested"}.get(state)
    if kind is None:
        return None
    return Reported(
        kind, text(pr, "title"), text(pr, "body"), text(pr, "head", "ref"), text(pr, "html_url")
    )


_HEAD_ACTIONS = ("opened", "reopened", "edited", "synchronize", "ready_for_review")


def head(headers: Mapping[str, str], data: dict[str, object]) -> Head | None:
    """pull_request opened, reopened, edited (title, body), synchronize (new commits)."""
    if headers.get("x-github-event") != "pull_request":
        return None
    if text(data, "action") not in _HEAD_ACTIONS:
        return None
    pr = obj(data, "pull_request")
    return Head(
        text(pr, "head", "sha"),
        text(data, "repository", "full_name") or text(pr, "base", "repo", "full_name"),
        text(pr, "head", "ref"),
        text(pr, "title"),
        text(pr, "body"),
        text(pr, "html_url"),
    )


# author_association values of people with rights in the repository (docs/relay.md, per forge).
_MEMBERS = ("OWNER", "MEMBER", "COLLABORATOR")


def origin(headers: Mapping[str, str], data: dict[str, object]) -> Origin | None:
    """The pull request's own `author_association`, and for a review the reviewer's too (an
    outsider's approval of a member's pull request moves nothing); a fork when the head
    repository is not the base one (null when the fork was deleted)."""
    event = headers.get("x-github-event")
    if event not in ("pull_request", "pull_request_review"):
        return None
    pr = obj(data, "pull_request")
    if not pr:
        return None
    fork = not same(get(pr, "head", "repo", "id"), get(pr, "base", "repo", "id"))
    member = text(pr, "author_association") in _MEMBERS
    if event == "pull_request_review":
        member = member and text(data, "review", "author_association") in _MEMBERS
    return Origin(member, fork)


def stamped(data: dict[str, object]) -> float | None:
    pr = obj(data, "pull_request")
    return newest(
        get(pr, "created_at"),
        get(pr, "updated_at"),
        get(pr, "closed_at"),
        get(pr, "merged_at"),
        get(data, "review", "submitted_at"),
    )


PARTS = ForgeParts(
    GitHubForge, default_api_url, locate, webhook, claims, head, origin=origin, stamped=stamped
)
