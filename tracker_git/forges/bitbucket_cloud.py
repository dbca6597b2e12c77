"""Bitbucket Cloud pull requests (research/forges.md §3).

Traps handled: a PUT replaces the pull request (without `reviewers`, `draft` or
`close_source_branch` they are reset) and the list endpoint leaves reviewers out, so an
update reads the pull request first and sends all of them back; a duplicate
create is undocumented (reported to update the open one), so `submit` looks up first.
Auth: a token with a colon (`email:api_token`, `user:app_password`) is sent as Basic,
any other token (repository/workspace access tokens, OAuth) as Bearer.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from tracker_git.forges.base import Duplicate, HttpForge, PlannedRequest, PullRequest

_STATES = {"OPEN": "open", "MERGED": "merged", "DECLINED": "declined", "SUPERSEDED": "closed"}


def basic_or_bearer(token: str) -> dict[str, str]:
    """Basic for `user:secret` credentials, Bearer for a bare token (both Bitbuckets)."""
    if ":" in token:
        return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode("ascii")}
    return {"Authorization": f"Bearer {token}"}


class BitbucketCloudForge(HttpForge):
    NAME = "Bitbucket"

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
        params: dict[str, Any] | None = {
            "q": f'source.branch.name="{quoted}"',
            "state": "OPEN",
            "pagelen": 50,
        }
        first = self.url(self._repo() + "/pullrequests")
        url: str | None = first
        found: list[PullRequest] = []
        pages = self.pages(first)
        while url:
            data = self.request("GET", url, params=params).data or {}
            found += [self.parse(item) for item in data.get("values", []) if self._from_here(item)]
            link = data.get("next")
            url, params = pages.next(link if isinstance(link, str) else None, url), None
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
        """`/pull-requests/new?source=&dest=` (forges.md §3.4): Bitbucket has no title or
        description prefill, so those are not in the URL."""
        query = urlencode({"source": source, "dest": target})
        return f"{self.remote.web_url}/pull-requests/new?{query}"
