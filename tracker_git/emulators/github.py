"""GitHub REST API emulator: repositories and pull requests (docs/design/forges.md "GitHub").

Served where the edition serves it: at the root like api.github.com and api.SUB.ghe.com
(`edition="dotcom"` or `"ghe.com"`), under /api/v3 like Enterprise Server (`edition="ghes"`);
the other root answers 404, as the real servers do. Faithful to the traps: a `head` filter without
`owner:` is ignored (every open PR comes back), a second open PR for the same head and base
answers 422 "A pull request already exists for owner:branch.", PATCH ignores `draft`,
`body` is null when empty, pages follow the Link header.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tracker_git.emulators import github_shapes as shapes
from tracker_git.emulators.server import Call, Emulator, Reply, now, page_of, presented_token

DOCS = "https://docs.github.com/rest"


def _error(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Reply:
    data: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if errors is not None:
        data["errors"] = errors
    return Reply(status, data)


# Where each edition serves its REST API: github.com and GHE.com (data residency) on an API
# host of their own, at its root; Enterprise Server under /api/v3 of the web host.
EDITIONS = {"dotcom": "", "ghe.com": "", "ghes": "/api/v3"}


class GitHubEmulator(Emulator):
    def __init__(self, edition: str = "dotcom", **options: Any) -> None:
        self.edition = edition
        self.api_path = EDITIONS[edition]
        super().__init__(**options)
        self.owner, self.name = self.repo.split("/")
        repo = r"/repos/([^/]+)/([^/]+)"
        self.route("GET", repo, self.get_repo)
        self.route("GET", repo + r"/pulls", self.list_pulls)
        self.route("POST", repo + r"/pulls", self.create_pull)
        self.route("GET", repo + r"/pulls/(\d+)", self.get_pull)
        self.route("PATCH", repo + r"/pulls/(\d+)", self.update_pull)
        self.route("POST", repo + r"/pulls/(\d+)/requested_reviewers", self.request_reviewers)
        self.route("POST", repo + r"/statuses/([^/]+)", self.create_status)
        self.route("GET", repo + r"/commits/([^/]+)/statuses", self.list_statuses)

    def default_repo(self) -> str:
        return "octo/hello"

    def remote_url(self) -> str:
        return f"git@github.com:{self.repo}.git"

    def authorized(self, headers: dict[str, str]) -> bool:
        return presented_token(headers, ("bearer", "token")) == self.token

    def unauthorized(self) -> Reply:
        return _error(401, "Bad credentials")

    def not_found(self, call: Call) -> Reply:
        return _error(404, "Not Found")

    def _ours(self, call: Call) -> bool:
        owner, name = call.groups[0], call.groups[1]
        return (owner.lower(), name.lower()) == (self.owner.lower(), self.name.lower())

    def error_reply(self, status: int, message: str) -> Reply:
        return _error(status, message)

    def find(self, number: int) -> dict[str, Any] | None:
        return next((pr for pr in self.prs if pr["number"] == number), None)

    def reviewers_of(self, number: int) -> list[str]:
        pr = self.find(number)
        return [r["login"] for r in pr["requested_reviewers"]] if pr else []

    def set_reviewers(self, number: int, reviewers: list[str]) -> None:
        with self.lock:
            pr = self.find(number)
            assert pr is not None
            pr["requested_reviewers"] = [self._user(login) for login in reviewers]

    def _user(self, login: str) -> dict[str, Any]:
        return shapes.user(self.url, self.root, login, 100 + sum(map(ord, login)))

    def _repo_json(self) -> dict[str, Any]:
        return shapes.repository(self.url, self.root, self.owner, self.name, self.default_branch)

    def get_repo(self, call: Call) -> Reply:
        return Reply(200, self._repo_json()) if self._ours(call) else self.not_found(call)

    def list_pulls(self, call: Call) -> Reply:
        if not self._ours(call):
            return self.not_found(call)
        state = call.arg("state", "open")
        head, base = call.arg("head"), call.arg("base")
        chosen = [pr for pr in self.prs if state == "all" or pr["state"] == state]
        if ":" in head:  # without "owner:" GitHub ignores the filter (docs/design/forges.md)
            chosen = [pr for pr in chosen if pr["head"]["label"] == head]
        if base:
            chosen = [pr for pr in chosen if pr["base"]["ref"] == base]
        per_page = min(call.number("per_page", 30), 100, self.page_size or 100)
        page = call.number("page", 1)
        items, more = page_of(chosen, page, per_page)
        headers = {}
        if more:
            query = {k: v[0] for k, v in call.query.items()}
            query["page"] = str(page + 1)
            headers["Link"] = f'<{self.root}{call.path}?{urlencode(query)}>; rel="next"'
        return Reply(200, items, headers)

    def create_pull(self, call: Call) -> Reply:
        if not self._ours(call):
            return self.not_found(call)
        body = call.body if isinstance(call.body, dict) else {}
        for name in ("title", "head", "base"):
            if not body.get(name):
                return _error(
                    422,
                    "Validation Failed",
                    [{"resource": "PullRequest", "field": name, "code": "missing_field"}],
                )
        head = str(body["head"])
        head_owner, _, head_ref = head.rpartition(":")
        label = f"{head_owner or self.owner}:{head_ref}"
        base = str(body["base"])
        if head_ref == base and label.startswith(self.owner + ":"):
            message = f"No commits between {base} and {head_ref}"
            return _error(
                422,
                "Validation Failed",
                [{"resource": "PullRequest", "code": "custom", "message": message}],
            )
        for pr in self.prs:
            if pr["state"] == "open" and pr["head"]["label"] == label and pr["base"]["ref"] == base:
                message = f"A pull request already exists for {label}."
                return _error(
                    422,
                    "Validation Failed",
                    [{"resource": "PullRequest", "code": "custom", "message": message}],
                )
        number = len(self.prs) + 1
        full = f"{self.owner}/{self.name}"
        pr = {
            **shapes.pull_links(self.url, self.root, full, number),
            "id": 1000 + number, "node_id": f"PR_{number}", "number": number, "state": "open",
            "locked": False, "title": str(body["title"]), "user": self._user("octocat"),
            "body": body.get("body") or None, "labels": [], "milestone": None,
            "active_lock_reason": None, "created_at": now(), "updated_at": now(),
            "closed_at": None, "merged_at": None, "merge_commit_sha": None, "assignee": None,
            "assignees": [], "requested_reviewers": [], "requested_teams": [],
            "head": {"label": label, "ref": head_ref, "sha": "0" * 40,
                     "user": self._user(label.split(":")[0]), "repo": self._repo_json()},
            "base": {"label": f"{self.owner}:{base}", "ref": base, "sha": "1" * 40,
                     "user": self._user(self.owner), "repo": self._repo_json()},
            "author_association": "OWNER", "auto_merge": None,
            "draft": bool(body.get("draft", False)), "merged": False, "mergeable": None,
            "rebaseable": None, "mergeable_state": "unknown", "merged_by": None,
            "comments": 0, "review_comments": 0, "maintainer_can_modify": False, "commits": 1,
            "additions": 0, "deletions": 0, "changed_files": 0,
        }  # fmt: skip
        self.prs.append(pr)
        return Reply(201, pr, {"Location": pr["url"]})

    def get_pull(self, call: Call) -> Reply:
        pr = self.find(int(call.groups[2])) if self._ours(call) else None
        return Reply(200, pr) if pr else self.not_found(call)

    def update_pull(self, call: Call) -> Reply:
        pr = self.find(int(call.groups[2])) if self._ours(call) else None
        if pr is None:
            return self.not_found(call)
        body = call.body if isinstance(call.body, dict) else {}
        if "title" in body:
            pr["title"] = str(body["title"])
        if "body" in body:
            pr["body"] = body["body"] or None
        if body.get("base"):
            pr["base"]["ref"] = str(body["base"])
        if body.get("state") in ("open", "closed"):
            pr["state"] = body["state"]
        pr["updated_at"] = now()
        return Reply(200, pr)

    def request_reviewers(self, call: Call) -> Reply:
        pr = self.find(int(call.groups[2])) if self._ours(call) else None
        if pr is None:
            return self.not_found(call)
        body = call.body if isinstance(call.body, dict) else {}
        known = {r["login"] for r in pr["requested_reviewers"]}
        for login in body.get("reviewers") or []:
            if login not in known:
                pr["requested_reviewers"].append(self._user(login))
        return Reply(201, pr)

    def create_status(self, call: Call) -> Reply:
        """POST /repos/{owner}/{repo}/statuses/{sha}: 201 and the status; 422 for an unknown
        commit, a bad state or a description over 140 characters."""
        if not self._ours(call):
            return self.not_found(call)
        sha = call.groups[2]
        if sha not in self.commits:
            return _error(422, f"No commit found for SHA: {sha}")
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("state") not in ("error", "failure", "pending", "success"):
            return _error(
                422,
                "Validation Failed",
                [{"resource": "Status", "field": "state", "code": "invalid"}],
            )
        description = body.get("description")
        if isinstance(description, str) and len(description) > 140:
            message = "description is too long (maximum is 140 characters)"
            return _error(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "Status",
                        "code": "custom",
                        "field": "description",
                        "message": message,
                    }
                ],
            )
        number = len(self.statuses) + 1
        status = {
            "url": f"{self.url}/repos/{self.owner}/{self.name}/statuses/{sha}",
            "avatar_url": None,
            "id": number,
            "node_id": f"SC_{number}",
            "state": body["state"],
            "description": description,
            "target_url": body.get("target_url"),
            "context": str(body.get("context") or "default"),
            "created_at": now(),
            "updated_at": now(),
            "creator": self._user("octocat"),
        }
        self.statuses.append((sha, status))
        return Reply(201, status)

    def list_statuses(self, call: Call) -> Reply:
        """GET /repos/{owner}/{repo}/commits/{ref}/statuses: newest first."""
        if not self._ours(call):
            return self.not_found(call)
        return Reply(200, list(reversed(self.statuses_on(call.groups[2]))))


EMULATOR: type[Emulator] = GitHubEmulator  # mypy: a concrete Emulator
