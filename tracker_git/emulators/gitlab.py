"""GitLab REST API v4 emulator: projects and merge requests (docs/design/forges.md "GitLab").

Project ids are the URL-encoded full path (`group%2Fsub%2Fproject`) or the numeric id; an
unencoded path does not match, as on a real server. Drafts come from the `Draft:` title
prefix; a second open MR for the same source and target answers 409 "Another open merge
request already exists for this source branch: !N"; pages carry X-Next-Page and Link.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlencode

from tracker_git.emulators.server import Call, Emulator, Reply, now, page_of, presented_token

DRAFT = re.compile(r"^\s*(\[draft\]|\(draft\)|draft:)\s*", re.IGNORECASE)
PROJECT_ID = 42
AUTHOR = {"id": 1, "username": "root", "name": "Administrator", "state": "active"}
STATUS_STATES = ("pending", "running", "success", "failed", "canceled", "skipped")
# Commit status events per target state (GitLab's state machine: only these are allowed).
_EVENTS = {"pending": "enqueue", "running": "run", "success": "succeed", "failed": "drop",
           "canceled": "cancel", "skipped": "skip"}  # fmt: skip
_STATE_FILTER = {
    "opened": ("opened",),
    "closed": ("closed",),
    "merged": ("merged",),
    "locked": ("locked",),
}


class GitLabEmulator(Emulator):
    api_path = "/api/v4"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        project = r"/projects/([^/]+)"
        self.route("GET", project, self.get_project)
        self.route("GET", project + r"/merge_requests", self.list_mrs)
        self.route("POST", project + r"/merge_requests", self.create_mr)
        self.route("GET", project + r"/merge_requests/(\d+)", self.get_mr)
        self.route("PUT", project + r"/merge_requests/(\d+)", self.update_mr)
        self.route("POST", project + r"/statuses/([^/]+)", self.create_status)
        self.route("GET", project + r"/repository/commits/([^/]+)/statuses", self.list_statuses)

    def default_repo(self) -> str:
        return "group/sub/project"

    def remote_url(self) -> str:
        return f"git@gitlab.com:{self.repo}.git"

    def authorized(self, headers: dict[str, str]) -> bool:
        if "private-token" in headers:
            return headers["private-token"] == self.token
        return presented_token(headers, ("bearer",)) == self.token

    def unauthorized(self) -> Reply:
        return Reply(401, {"message": "401 Unauthorized"})

    def not_found(self, call: Call) -> Reply:
        return Reply(404, {"error": "404 Not Found"})

    def _ours(self, call: Call) -> bool:
        ident = call.groups[0]
        return ident == str(PROJECT_ID) or ("%2F" in ident.upper() and unquote(ident) == self.repo)

    def _project_missing(self) -> Reply:
        return Reply(404, {"message": "404 Project Not Found"})

    def error_reply(self, status: int, message: str) -> Reply:
        return Reply(status, {"message": message})

    def find(self, number: int) -> dict[str, Any] | None:
        return next((mr for mr in self.prs if mr["iid"] == number), None)

    def reviewers_of(self, number: int) -> list[str]:
        mr = self.find(number)
        return [r["username"] for r in mr["reviewers"]] if mr else []

    def set_reviewers(self, number: int, reviewers: list[str]) -> None:
        with self.lock:
            mr = self.find(number)
            assert mr is not None
            mr["reviewers"] = [
                {"id": 100 + i, "username": name, "name": name.title(), "state": "active"}
                for i, name in enumerate(reviewers)
            ]

    def get_project(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._project_missing()
        name = self.repo.rsplit("/", 1)[-1]
        return Reply(
            200,
            {
                "id": PROJECT_ID,
                "name": name,
                "path": name,
                "path_with_namespace": self.repo,
                "default_branch": self.default_branch,
                "web_url": f"{self.root}/{self.repo}",
                "namespace": {"full_path": self.repo.rsplit("/", 1)[0]},
            },
        )

    def list_mrs(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._project_missing()
        state = call.arg("state", "all")
        chosen = [
            mr for mr in self.prs if state == "all" or mr["state"] in _STATE_FILTER.get(state, ())
        ]
        for name in ("source_branch", "target_branch"):
            if call.arg(name):
                chosen = [mr for mr in chosen if mr[name] == call.arg(name)]
        per_page = min(call.number("per_page", 20), 100, self.page_size or 100)
        page = call.number("page", 1)
        items, more = page_of(chosen, page, per_page)
        total_pages = max(1, -(-len(chosen) // per_page))
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(chosen)),
            "X-Total-Pages": str(total_pages),
            "X-Next-Page": str(page + 1) if more else "",
        }
        if more:
            query = {k: v[0] for k, v in call.query.items()}
            query["page"] = str(page + 1)
            headers["Link"] = f'<{self.root}{call.path}?{urlencode(query)}>; rel="next"'
        return Reply(200, items, headers)

    def create_mr(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._project_missing()
        body = call.body if isinstance(call.body, dict) else {}
        for name in ("source_branch", "target_branch", "title"):
            if not body.get(name):
                return Reply(400, {"error": f"{name} is missing"})
        source, target = str(body["source_branch"]), str(body["target_branch"])
        if source == target:
            return Reply(
                422, {"message": ["You can't use same project/branch for source and target"]}
            )
        for mr in self.prs:
            if mr["state"] == "opened" and (mr["source_branch"], mr["target_branch"]) == (
                source,
                target,
            ):
                message = f"Another open merge request already exists for this source branch: !{mr['iid']}"
                return Reply(409, {"message": [message]})
        iid = len(self.prs) + 1
        title = str(body["title"])
        mr = {
            "id": 5000 + iid,
            "iid": iid,
            "project_id": PROJECT_ID,
            "source_project_id": PROJECT_ID,
            "target_project_id": PROJECT_ID,
            "title": title,
            "description": str(body.get("description") or ""),
            "state": "opened",
            "created_at": now(),
            "updated_at": now(),
            "target_branch": target,
            "source_branch": source,
            "author": AUTHOR,
            "assignees": [],
            "reviewers": [],
            "draft": bool(DRAFT.match(title)),
            "work_in_progress": bool(DRAFT.match(title)),
            "merge_status": "checking",
            "web_url": f"{self.root}/{self.repo}/-/merge_requests/{iid}",
            "references": {"short": f"!{iid}", "full": f"{self.repo}!{iid}"},
        }
        self.prs.append(mr)
        return Reply(201, mr)

    def get_mr(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._project_missing()
        mr = self.find(int(call.groups[1]))
        return Reply(200, mr) if mr else Reply(404, {"message": "404 Not found"})

    def update_mr(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._project_missing()
        mr = self.find(int(call.groups[1]))
        if mr is None:
            return Reply(404, {"message": "404 Not found"})
        body = call.body if isinstance(call.body, dict) else {}
        known = ("title", "description", "target_branch", "state_event", "reviewer_ids", "labels")
        if not any(name in body for name in known):
            return Reply(
                400,
                {
                    "error": "title, description, target_branch, state_event, reviewer_ids, labels are missing, at least one parameter must be provided"
                },
            )
        if "title" in body:
            mr["title"] = str(body["title"])
            mr["draft"] = mr["work_in_progress"] = bool(DRAFT.match(mr["title"]))
        if "description" in body:
            mr["description"] = str(body["description"] or "")
        if body.get("target_branch"):
            mr["target_branch"] = str(body["target_branch"])
        if body.get("state_event") == "close":
            mr["state"] = "closed"
        elif body.get("state_event") == "reopen":
            mr["state"] = "opened"
        mr["updated_at"] = now()
        return Reply(200, mr)

    def create_status(self, call: Call) -> Reply:
        """POST /projects/:id/statuses/:sha: 201 and the status. 404 for an unknown commit,
        400 for a missing or bad state, and 400 when a status of that name that is not
        finished yet would be moved to the state it has ("Cannot transition status")."""
        if not self._ours(call):
            return self._project_missing()
        sha = call.groups[1]
        body = call.body if isinstance(call.body, dict) else {}
        state = body.get("state")
        if state is None:
            return _status_error("state is missing, state does not have a valid value")
        if state not in STATUS_STATES:
            return _status_error("state does not have a valid value")
        if sha not in self.commits:
            return Reply(404, {"message": "404 Commit Not Found"})
        name = str(body.get("name") or body.get("context") or "default")
        earlier = [s for s in self.statuses_on(sha) if s["name"] == name]
        unfinished = earlier[-1]["status"] if earlier else ""
        if unfinished in ("pending", "running") and unfinished == state:
            message = f"Cannot transition status via :{_EVENTS[state]} from :{state}"
            return _status_error(message)
        status = {
            "id": 9000 + len(self.statuses) + 1,
            "sha": sha,
            "ref": str(body.get("ref") or ""),
            "status": state,
            "name": name,
            "target_url": body.get("target_url"),
            "description": body.get("description"),
            "created_at": now(),
            "started_at": None,
            "finished_at": now() if state in ("success", "failed", "canceled") else None,
            "allow_failure": False,
            "coverage": None,
            "author": AUTHOR,
        }
        self.statuses.append((sha, status))
        return Reply(201, status)

    def list_statuses(self, call: Call) -> Reply:
        """GET /projects/:id/repository/commits/:sha/statuses: the latest per name, or
        every one with all=true."""
        if not self._ours(call):
            return self._project_missing()
        if call.groups[1] not in self.commits:
            return Reply(404, {"message": "404 Commit Not Found"})
        statuses = self.statuses_on(call.groups[1])
        if call.arg("all") != "true":
            latest = {status["name"]: status for status in statuses}
            statuses = list(latest.values())
        return Reply(200, statuses)


def _status_error(message: str) -> Reply:
    return Reply(400, {"error": message})


EMULATOR: type[Emulator] = GitLabEmulator  # mypy: a concrete Emulator
