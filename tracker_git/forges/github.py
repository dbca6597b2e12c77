"""GitHub and GitHub Enterprise Server pull requests (research/forges.md §1).

Traps handled: the `head` filter must be `owner:branch` (a bare branch is silently ignored,
so results are also checked here); a duplicate create answers 422 "A pull request already
exists for owner:branch." and turns into an update; `draft` cannot be changed by PATCH.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from tracker_git.forges.base import Duplicate, HttpForge, PlannedRequest, PullRequest, next_link

# GitHub answers 414 for long URLs; leave room under its ~8 KB limit.
MAX_PAGE_URL = 7000


class GitHubForge(HttpForge):
    NAME = "GitHub"

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
        params: dict[str, Any] | None = {
            "state": "open",
            "head": f"{self.remote.owner}:{branch}",
            "per_page": 100,
        }
        first = self.url(self._repo() + "/pulls")
        url: str | None = first
        found: list[PullRequest] = []
        pages = self.pages(first)
        while url:
            answer = self.request("GET", url, params=params)
            found += [self.parse(item) for item in answer.data or []]
            url, params = (
                pages.next(next_link(answer.headers), url),
                None,
            )  # the next link carries the query
        return [pr for pr in found if pr.source == branch]

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
        """`/compare/BASE...HEAD?quick_pull=1&title=&body=` (forges.md §1.4); the body is left
        out when the URL would be too long for GitHub."""
        base = f"{self.remote.web_url}/compare/{quote(target)}...{quote(source)}"
        query = {"quick_pull": "1", "title": title, "body": body}
        url = f"{base}?{urlencode(query)}"
        if len(url) > MAX_PAGE_URL:
            url = f"{base}?{urlencode({'quick_pull': '1', 'title': title})}"
        return url
