"""Bitbucket Data Center REST emulator: repositories and pull requests (docs/design/forges.md).

Served under /rest/api/latest and /rest/api/1.0. Faithful to the traps: an update needs the
current `version` (stale: 409 PullRequestOutOfDateException with currentVersion), a PUT
without `reviewers` removes them all, a second open pull request for the same refs answers
409 DuplicatePullRequestException with `existingPullRequest`, `at` filters the target ref
unless direction=OUTGOING, an empty description leaves the key out, pages use start/limit.
A token whose user lacks the permission an operation needs gets 401 AuthorisationException, as
Data Center answers, not 403: pull request writes need REPO_WRITE (`permission` "write"), reads
and a build status need REPO_READ (Atlassian's description of POST .../commits/{id}/builds), so
a read-only user may post one. A personal repository (`~user/repo`) sits in a PERSONAL project
named after its owner (a project name never starts with `~`).
"""

from __future__ import annotations

import time
from typing import Any

from tracker_git.emulators.server import Call, Emulator, Handler, Reply, presented_token

AUTHOR = {
    "name": "admin",
    "slug": "admin",
    "id": 1,
    "displayName": "Administrator",
    "type": "NORMAL",
}
_PREFIX = "com.atlassian.bitbucket."
BUILD_STATES = ("SUCCESSFUL", "FAILED", "INPROGRESS", "CANCELLED", "UNKNOWN")
# Field limits of the build status resource (key 255, url 450 characters).
_BUILD_LIMITS = {"key": 255, "url": 450, "name": 255}


def _error(status: int, message: str, exception: str | None = None, **extra: Any) -> Reply:
    error: dict[str, Any] = {"context": None, "message": message, "exceptionName": exception}
    error.update(extra)
    return Reply(status, {"errors": [error]})


def _project(key: str) -> dict[str, Any]:
    """A project as Data Center shows it; `~owner` is the owner's personal project."""
    if key.startswith("~"):
        owner = key[1:].replace(".", " ").title()
        return {"key": key.upper(), "id": 85, "name": owner, "type": "PERSONAL"}
    return {"key": key, "id": 84, "name": key.title(), "type": "NORMAL"}


class BitbucketDCEmulator(Emulator):
    api_path = "/rest/api/latest"
    api_regex = r"/rest/api/(?:latest|1\.0)"

    def __init__(self, permission: str = "write", **options: Any) -> None:
        super().__init__(**options)
        self.permission = permission  # the token user's on the repository: write, read, none
        repo = r"/projects/([^/]+)/repos/([^/]+)"
        self.route("GET", repo, self._checked(self.get_repo))
        self.route("GET", repo + r"/default-branch", self._checked(self.get_default_branch))
        self.route("GET", repo + r"/branches/default", self._checked(self.get_default_branch))
        self.route("GET", repo + r"/pull-requests", self._checked(self.list_prs))
        self.route("POST", repo + r"/pull-requests", self._checked(self.create_pr))
        self.route("GET", repo + r"/pull-requests/(\d+)", self._checked(self.get_pr))
        self.route("PUT", repo + r"/pull-requests/(\d+)", self._checked(self.update_pr))
        self.route(
            "POST", repo + r"/commits/([^/]+)/builds", self._checked(self.create_status, "read")
        )
        self.route("GET", repo + r"/commits/([^/]+)/builds", self._checked(self.list_statuses))

    def _checked(self, handler: Handler, writes_need: str = "write") -> Handler:
        """Data Center answers 401 AuthorisationException when the user lacks the permission:
        `read` for a GET, `writes_need` (REPO_WRITE unless said) for anything else."""

        def check(call: Call) -> Reply:
            needed = "read" if call.method == "GET" else writes_need
            if self.permission == "none" or (needed == "write" and self.permission != "write"):
                return _error(
                    401,
                    "You are not permitted to access this resource",
                    _PREFIX + "AuthorisationException",
                )
            return handler(call)

        return check

    def default_repo(self) -> str:
        return "PRJ/repo"

    def remote_url(self) -> str:
        key, slug = self.repo.split("/")
        return f"ssh://git@bitbucket.example.com:7999/{key.lower()}/{slug}.git"

    def authorized(self, headers: dict[str, str]) -> bool:
        return presented_token(headers, ("bearer", "basic")) == self.token

    def unauthorized(self) -> Reply:
        return _error(
            401,
            "Authentication failed. Please check your credentials and try again.",
            _PREFIX + "auth.IncorrectPasswordAuthenticationException",
        )

    def not_found(self, call: Call) -> Reply:
        return _error(404, "The requested resource does not exist.", None)

    def bad_json(self) -> Reply:
        return _error(400, "Unable to parse the request body.", None)

    def _ours(self, call: Call) -> bool:
        key, slug = self.repo.split("/")
        return call.groups[0].upper() == key.upper() and call.groups[1] == slug

    def _repo_missing(self, call: Call) -> Reply:
        return _error(
            404,
            f"Repository {call.groups[0]}/{call.groups[1]} does not exist.",
            _PREFIX + "repository.NoSuchRepositoryException",
        )

    def error_reply(self, status: int, message: str) -> Reply:
        return _error(status, message, None)

    def find(self, number: int) -> dict[str, Any] | None:
        return next((pr for pr in self.prs if pr["id"] == number), None)

    def reviewers_of(self, number: int) -> list[str]:
        pr = self.find(number)
        return [r["user"]["name"] for r in pr["reviewers"]] if pr else []

    def set_reviewers(self, number: int, reviewers: list[str]) -> None:
        with self.lock:
            pr = self.find(number)
            assert pr is not None
            pr["reviewers"] = [self._reviewer(name) for name in reviewers]
            pr["version"] += 1

    def _reviewer(self, name: str) -> dict[str, Any]:
        user = {"name": name, "slug": name, "displayName": name.title(), "type": "NORMAL"}
        return {"user": user, "role": "REVIEWER", "approved": False, "status": "UNAPPROVED"}

    def _repository(self) -> dict[str, Any]:
        key, slug = self.repo.split("/")
        return {
            "slug": slug,
            "id": 84,
            "name": slug,
            "scmId": "git",
            "state": "AVAILABLE",
            "project": _project(key),
            "links": {"self": [{"href": f"{self.root}/projects/{key}/repos/{slug}/browse"}]},
        }

    def _ref(self, branch: str) -> dict[str, Any]:
        return {
            "id": f"refs/heads/{branch}",
            "displayId": branch,
            "type": "BRANCH",
            "latestCommit": "0" * 40,
            "repository": self._repository(),
        }

    def get_repo(self, call: Call) -> Reply:
        return Reply(200, self._repository()) if self._ours(call) else self._repo_missing(call)

    def get_default_branch(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing(call)
        ref = self._ref(self.default_branch)
        del ref["repository"]
        return Reply(200, {**ref, "isDefault": True})

    def list_prs(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing(call)
        state = call.arg("state", "OPEN").upper()
        chosen = [pr for pr in self.prs if state == "ALL" or pr["state"] == state]
        at = call.arg("at")
        if at:
            side = "fromRef" if call.arg("direction", "INCOMING").upper() == "OUTGOING" else "toRef"
            full = at if at.startswith("refs/") else f"refs/heads/{at}"
            chosen = [pr for pr in chosen if pr[side]["id"] == full]
        start = max(call.number("start", 0), 0)
        limit = min(call.number("limit", 25), 1000, self.page_size or 1000)
        values = chosen[start : start + limit]
        last = start + limit >= len(chosen)
        data: dict[str, Any] = {
            "size": len(values),
            "limit": limit,
            "isLastPage": last,
            "values": values,
            "start": start,
        }
        if not last:
            data["nextPageStart"] = start + limit
        return Reply(200, data)

    def create_pr(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing(call)
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("title"):
            return Reply(
                400,
                {
                    "errors": [
                        {
                            "context": "title",
                            "message": "Please enter a non-empty value less than 255 characters",
                            "exceptionName": None,
                        }
                    ]
                },
            )
        source = str((body.get("fromRef") or {}).get("id") or "")
        target = str((body.get("toRef") or {}).get("id") or "")
        if not source or not target:
            return _error(400, "fromRef and toRef are required.", None)
        if source == target:
            return _error(409, "You are attempting to create a pull request for the same branch.",
                          _PREFIX + "pull.InvalidPullRequestTargetException")  # fmt: skip
        for existing in self.prs:
            if existing["state"] == "OPEN" and (
                existing["fromRef"]["id"],
                existing["toRef"]["id"],
            ) == (source, target):
                return _error(
                    409,
                    "Only one pull request may be open for a given source and target branch",
                    _PREFIX + "pull.DuplicatePullRequestException",
                    existingPullRequest=existing,
                )
        number = len(self.prs) + 1
        key, slug = self.repo.split("/")
        pr: dict[str, Any] = {
            "id": number,
            "version": 0,
            "title": str(body["title"]),
            "state": "OPEN",
            "open": True,
            "closed": False,
            "draft": bool(body.get("draft", False)),
            "createdDate": int(time.time() * 1000),
            "updatedDate": int(time.time() * 1000),
            "fromRef": self._ref(source.removeprefix("refs/heads/")),
            "toRef": self._ref(target.removeprefix("refs/heads/")),
            "locked": False,
            "author": {"user": AUTHOR, "role": "AUTHOR", "approved": False, "status": "UNAPPROVED"},
            "reviewers": [
                self._reviewer(str(r["user"]["name"])) for r in body.get("reviewers") or []
            ],
            "participants": [],
            "links": {
                "self": [
                    {"href": f"{self.root}/projects/{key}/repos/{slug}/pull-requests/{number}"}
                ]
            },
        }
        if body.get("description"):  # Data Center leaves the key out when empty
            pr["description"] = str(body["description"])
        self.prs.append(pr)
        return Reply(201, pr)

    def get_pr(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing(call)
        pr = self.find(int(call.groups[2]))
        return Reply(200, pr) if pr else self._no_pr(call)

    def _no_pr(self, call: Call) -> Reply:
        return _error(
            404,
            f"Pull request {call.groups[2]} does not exist in {call.groups[0]}/{call.groups[1]}.",
            _PREFIX + "pull.NoSuchPullRequestException",
        )

    def update_pr(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._repo_missing(call)
        pr = self.find(int(call.groups[2]))
        if pr is None:
            return self._no_pr(call)
        body = call.body if isinstance(call.body, dict) else {}
        if not isinstance(body.get("version"), int):
            return Reply(
                400,
                {
                    "errors": [
                        {
                            "context": "version",
                            "message": "You must specify a version",
                            "exceptionName": None,
                        }
                    ]
                },
            )
        if body["version"] != pr["version"]:
            return _error(
                409,
                "You are attempting to modify a pull request based on out-of-date information.",
                _PREFIX + "pull.PullRequestOutOfDateException",
                currentVersion=pr["version"],
                expectedVersion=body["version"],
            )
        if "title" in body:
            pr["title"] = str(body["title"])
        if body.get("description"):
            pr["description"] = str(body["description"])
        elif "description" in body:
            pr.pop("description", None)
        # The reviewers are replaced: leaving them out removes them all (docs/design/forges.md).
        pr["reviewers"] = [
            self._reviewer(str(r["user"]["name"])) for r in body.get("reviewers") or []
        ]
        if "draft" in body:
            pr["draft"] = bool(body["draft"])
        pr["version"] += 1
        pr["updatedDate"] = int(time.time() * 1000)
        return Reply(200, pr)

    def create_status(self, call: Call) -> Reply:
        """POST .../commits/{commitId}/builds: 204, no body; a build with the same key is
        replaced. 400 (errors with the field as context) without key, state or url, for a
        bad state or an over-long field; 404 NoSuchCommitException for an unknown commit."""
        if not self._ours(call):
            return self._repo_missing(call)
        sha = call.groups[2]
        if sha not in self.commits:
            return _error(
                404,
                f"Commit '{sha}' does not exist in repository '{call.groups[1]}'.",
                _PREFIX + "commit.NoSuchCommitException",
            )
        body = call.body if isinstance(call.body, dict) else {}
        for field in ("key", "state", "url"):
            if not body.get(field):
                return Reply(400, {"errors": [{"context": field, "message": f"{field} must not be empty",
                                               "exceptionName": None}]})  # fmt: skip
        if body["state"] not in BUILD_STATES:
            message = f"state must be one of {', '.join(BUILD_STATES)}"
            return Reply(
                400, {"errors": [{"context": "state", "message": message, "exceptionName": None}]}
            )
        for field, limit in _BUILD_LIMITS.items():
            if len(str(body.get(field) or "")) > limit:
                message = f"{field} must be {limit} characters or fewer"
                return Reply(
                    400, {"errors": [{"context": field, "message": message, "exceptionName": None}]}
                )
        status = {
            "key": str(body["key"]),
            "state": body["state"],
            "url": body["url"],
            "name": body.get("name"),
            "description": body.get("description"),
            "dateAdded": int(time.time() * 1000),
        }
        self.statuses.append((sha, status))
        return Reply(204)

    def list_statuses(self, call: Call) -> Reply:
        """GET .../commits/{commitId}/builds: the current build per key, one page."""
        if not self._ours(call):
            return self._repo_missing(call)
        current: dict[str, dict[str, Any]] = {}
        for status in self.statuses_on(call.groups[2]):
            current[status["key"]] = status
        values = list(current.values())
        return Reply(
            200,
            {"size": len(values), "limit": 25, "isLastPage": True, "values": values, "start": 0},
        )


EMULATOR: type[Emulator] = BitbucketDCEmulator  # mypy: a concrete Emulator
