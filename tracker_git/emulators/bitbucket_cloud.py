"""Bitbucket Cloud REST 2.0 emulator: repositories and pull requests (docs/design/forges.md).

Faithful to the traps: the list answers partial pull requests without `reviewers`; a PUT
replaces the pull request (without `reviewers`, `draft` or `close_source_branch` they are
reset) and a PUT without `title` answers 400; list filtering takes
BBQL `q` (`field = "value"` joined by AND) and `state` (OPEN by default); pages carry `next`.
A create for a source and destination that already have an open pull request updates that
one and answers it (reported, not documented: docs/design/forges.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from tracker_git.emulators.server import Call, Emulator, Reply, now, page_of, presented_token

AUTHOR = {
    "type": "user",
    "display_name": "Emma",
    "uuid": "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}",
    "account_id": "557058:emma",
    "nickname": "emmap1",
}
_CLAUSE = re.compile(r'^\s*([a-z_.]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')
_FIELDS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "source.branch.name": lambda pr: pr["source"]["branch"]["name"],
    "destination.branch.name": lambda pr: pr["destination"]["branch"]["name"],
    "state": lambda pr: pr["state"],
}
_LIST_OMITS = ("reviewers", "participants")
BUILD_STATES = ("INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED")


def _error(status: int, message: str) -> Reply:
    """Bitbucket's error shape (the `error` schema: message, detail, data)."""
    return Reply(status, {"type": "error", "error": {"message": message}})


class BitbucketCloudEmulator(Emulator):
    api_path = "/2.0"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        repo = r"/repositories/([^/]+)/([^/]+)"
        self.route("GET", repo, self.get_repo)
        self.route("GET", repo + r"/pullrequests", self.list_prs)
        self.route("POST", repo + r"/pullrequests", self.create_pr)
        self.route("GET", repo + r"/pullrequests/(\d+)", self.get_pr)
        self.route("PUT", repo + r"/pullrequests/(\d+)", self.update_pr)
        self.route("POST", repo + r"/commit/([^/]+)/statuses/build/?", self.create_status)
        self.route("GET", repo + r"/commit/([^/]+)/statuses", self.list_statuses)

    def default_repo(self) -> str:
        return "workspace/repo"

    def remote_url(self) -> str:
        return f"git@bitbucket.org:{self.repo}.git"

    def authorized(self, headers: dict[str, str]) -> bool:
        return presented_token(headers, ("bearer", "basic")) == self.token

    def unauthorized(self) -> Reply:
        return _error(401, "Unauthorized")

    def not_found(self, call: Call) -> Reply:
        return _error(404, "Resource not found")

    def bad_json(self) -> Reply:
        return _error(400, "Bad request")

    def _ours(self, call: Call) -> bool:
        return f"{call.groups[0]}/{call.groups[1]}".lower() == self.repo.lower()

    def _repo_missing(self) -> Reply:
        return _error(404, f"Repository {self.repo} not found")

    def error_reply(self, status: int, message: str) -> Reply:
        return _error(status, message)

    def find(self, number: int) -> dict[str, Any] | None:
        return next((pr for pr in self.prs if pr["id"] == number), None)

    def reviewers_of(self, number: int) -> list[str]:
        pr = self.find(number)
        return [r["uuid"] for r in pr["reviewers"]] if pr else []

    def set_reviewers(self, number: int, reviewers: list[str]) -> None:
        with self.lock:
            pr = self.find(number)
            assert pr is not None
            pr["reviewers"] = [self._user(uuid) for uuid in reviewers]

    def _user(self, uuid: str) -> dict[str, Any]:
        return {"type": "user", "uuid": uuid, "display_name": uuid.strip("{}"), "account_id": uuid}

    def _repository(self) -> dict[str, Any]:
        return {
            "type": "repository",
            "full_name": self.repo,
            "name": self.repo.split("/")[1],
            "links": {"html": {"href": f"{self.root}/{self.repo}"}},
            "uuid": "{673a6070-3421-46c9-9d48-90745f7bfe8e}",
        }

    def get_repo(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing()
        data = self._repository()
        data["slug"] = self.repo.split("/")[1]
        data["mainbranch"] = {"type": "branch", "name": self.default_branch}
        return Reply(200, data)

    def list_prs(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing()
        states = call.query.get("state") or ["OPEN"]
        chosen = [pr for pr in self.prs if pr["state"] in states]
        query = call.arg("q")
        for clause in filter(None, re.split(r"\s+AND\s+", query)) if query else []:
            match = _CLAUSE.match(clause)
            if not match or match.group(1) not in _FIELDS:
                return _error(400, f"Invalid query: {clause}")
            getter, value = _FIELDS[match.group(1)], re.sub(r"\\(.)", r"\1", match.group(2))
            chosen = [pr for pr in chosen if getter(pr) == value]
        pagelen = min(call.number("pagelen", 10), 50, self.page_size or 50)
        page = call.number("page", 1)
        items, more = page_of(chosen, page, pagelen)
        data: dict[str, Any] = {
            "size": len(chosen),
            "page": page,
            "pagelen": pagelen,
            "values": [{k: v for k, v in pr.items() if k not in _LIST_OMITS} for pr in items],
        }
        if more:
            args = [(k, v) for k, values in call.query.items() for v in values if k != "page"]
            data["next"] = f"{self.root}{call.path}?{urlencode([*args, ('page', str(page + 1))])}"
        return Reply(200, data)

    def create_pr(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing()
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("title"):
            return _error(400, "title: This field is required.")
        source = ((body.get("source") or {}).get("branch") or {}).get("name")
        if not source:
            return _error(400, "source: This field is required.")
        target = ((body.get("destination") or {}).get("branch") or {}).get(
            "name"
        ) or self.default_branch
        if source == target:
            return _error(400, "You can't merge a branch into itself.")
        for pr in self.prs:
            if (
                pr["state"] == "OPEN"
                and pr["source"]["branch"]["name"] == source
                and pr["destination"]["branch"]["name"] == target
            ):
                # Reported behaviour: the existing pull request is updated, not duplicated.
                pr["title"] = str(body["title"])
                pr["description"] = str(body.get("description") or "")
                pr["summary"] = {"raw": pr["description"], "markup": "markdown"}
                pr["updated_on"] = now()
                return Reply(201, pr, {"Location": pr["links"]["self"]["href"]})
        number = len(self.prs) + 1
        api = f"{self.url}/repositories/{self.repo}/pullrequests/{number}"
        description = str(body.get("description") or "")
        pr = {
            "type": "pullrequest",
            "id": number,
            "title": str(body["title"]),
            "description": description,
            "summary": {"raw": description, "markup": "markdown"},
            "state": "OPEN",
            "draft": bool(body.get("draft", False)),
            "author": AUTHOR,
            "created_on": now(),
            "updated_on": now(),
            "close_source_branch": bool(body.get("close_source_branch", False)),
            "source": {"branch": {"name": source}, "repository": self._repository()},
            "destination": {"branch": {"name": target}, "repository": self._repository()},
            "reviewers": [
                self._user(str(r.get("uuid") or r.get("account_id")))
                for r in body.get("reviewers") or []
            ],
            "participants": [],
            "links": {
                "self": {"href": api},
                "html": {"href": f"{self.root}/{self.repo}/pull-requests/{number}"},
            },
        }
        self.prs.append(pr)
        return Reply(201, pr, {"Location": api})

    def get_pr(self, call: Call) -> Reply:
        pr = self.find(int(call.groups[2])) if self._ours(call) else None
        return Reply(200, pr) if pr else _error(404, f"Pull request {call.groups[2]} not found")

    def update_pr(self, call: Call) -> Reply:
        pr = self.find(int(call.groups[2])) if self._ours(call) else None
        if pr is None:
            return _error(404, f"Pull request {call.groups[2]} not found")
        if pr["state"] != "OPEN":
            return _error(400, "Only open pull requests can be mutated")
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("title"):
            return _error(400, "title: This field is required.")
        pr["title"] = str(body["title"])
        if "description" in body:
            pr["description"] = str(body["description"] or "")
            pr["summary"] = {"raw": pr["description"], "markup": "markdown"}
        # A PUT replaces the pull request: what it leaves out is reset, the reviewers dropped,
        # the draft made ready, close_source_branch cleared (docs/design/forges.md, issue 12).
        pr["reviewers"] = [
            self._user(str(r.get("uuid") or r.get("account_id")))
            for r in body.get("reviewers") or []
        ]
        pr["draft"] = bool(body.get("draft", False))
        pr["close_source_branch"] = bool(body.get("close_source_branch", False))
        dest = ((body.get("destination") or {}).get("branch") or {}).get("name")
        if dest:
            pr["destination"]["branch"]["name"] = dest
        pr["updated_on"] = now()
        return Reply(200, pr)

    def create_status(self, call: Call) -> Reply:
        """POST .../commit/{commit}/statuses/build: 201 and the build status; one with the
        same key is overwritten. 400 without key, state or url or with a bad state, 404 for
        an unknown commit."""
        if not self._ours(call):
            return self._repo_missing()
        sha = call.groups[2]
        if sha not in self.commits:
            return _error(404, f"Commit not found: {sha}")
        body = call.body if isinstance(call.body, dict) else {}
        for name in ("key", "state", "url"):
            if not body.get(name):
                return _error(400, f"{name}: This field is required.")
        if body["state"] not in BUILD_STATES:
            message = f"state: Value must be one of {', '.join(BUILD_STATES)}."
            return _error(400, message)
        key = str(body["key"])
        earlier = next((st for st in self.statuses_on(sha) if st["key"] == key), None)
        status = {
            "type": "build",
            "key": key,
            "state": body["state"],
            "name": body.get("name") or key,
            "description": body.get("description") or "",
            "url": body["url"],
            "uuid": earlier["uuid"] if earlier else f"{{{len(self.statuses) + 1:08d}-build}}",
            "created_on": earlier["created_on"] if earlier else now(),
            "updated_on": now(),
            "links": {
                "self": {
                    "href": f"{self.url}/repositories/{self.repo}/commit/{sha}/statuses/build/{key}"
                },
                "commit": {"href": f"{self.url}/repositories/{self.repo}/commit/{sha}"},
            },
        }
        if body.get("refname"):
            status["refname"] = str(body["refname"])
        self.statuses.append((sha, status))
        return Reply(201, status)

    def list_statuses(self, call: Call) -> Reply:
        """GET .../commit/{commit}/statuses: the current status per key."""
        if not self._ours(call):
            return self._repo_missing()
        current: dict[str, dict[str, Any]] = {}
        for status in self.statuses_on(call.groups[2]):
            current[status["key"]] = status
        values = list(current.values())
        return Reply(200, {"size": len(values), "page": 1, "pagelen": 10, "values": values})


EMULATOR: type[Emulator] = BitbucketCloudEmulator  # mypy: a concrete Emulator
