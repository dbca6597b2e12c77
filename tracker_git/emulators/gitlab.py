"""GitLab REST API v4 emulator: projects and merge requests (docs/design/forges.md "GitLab").

Project ids are the URL-encoded full path (`group%2Fsub%2Fproject`) or the numeric id; an
unencoded path does not match, as on a real server. Drafts come from the `Draft:` title
prefix; a second open MR for the same source and target answers 409 "Another open merge
request already exists for this source branch: !N"; pages carry X-Next-Page and Link.
Commit statuses belong to pipelines, as on GitLab: a status with `pipeline_id` joins that
pipeline; one with only a `ref` joins the newest pipeline of that commit and ref, and where
there is none GitLab makes a new ("external") pipeline for it, which is how a status posted
for the source branch misses a merge request pipeline (`refs/merge-requests/N/head`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import unquote, urlencode

from tracker_git.emulators.server import Call, Emulator, Reply, now, page_of, presented_token

DRAFT = re.compile(r"^\s*(\[draft\]|\(draft\)|draft:)\s*", re.IGNORECASE)
PROJECT_ID = 42


def _user(uid: int, username: str, name: str) -> dict[str, Any]:
    """A user as merge requests and statuses show one (no created_at there)."""
    return {
        "id": uid,
        "username": username,
        "name": name,
        "state": "active",
        "avatar_url": f"https://gitlab.example.com/uploads/user/avatar/{uid}/avatar.png",
        "web_url": f"https://gitlab.example.com/{username}",
    }


AUTHOR = _user(1, "root", "Administrator")
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
        self.route("GET", project + r"/pipelines", self.list_pipelines)
        self.pipelines: list[dict[str, Any]] = []  # newest last

    def add_pipeline(self, sha: str, ref: str, source: str = "merge_request_event") -> int:
        """A pipeline GitLab ran for `sha` on `ref` (a merge request's: refs/merge-requests/N/head)."""
        with self.lock:
            return int(self._new_pipeline(sha, ref, source)["id"])

    def _new_pipeline(self, sha: str, ref: str, source: str) -> dict[str, Any]:
        pipeline = {
            "id": 500 + len(self.pipelines) + 1,
            "iid": len(self.pipelines) + 1,
            "project_id": PROJECT_ID,
            "sha": sha,
            "ref": ref,
            "status": "running",
            "source": source,
            "created_at": now(),
            "updated_at": now(),
            "web_url": f"{self.root}/{self.repo}/-/pipelines/{500 + len(self.pipelines) + 1}",
        }
        self.pipelines.append(pipeline)
        return pipeline

    def list_pipelines(self, call: Call) -> Reply:
        """GET /projects/:id/pipelines: newest first, filtered by `sha` and `ref`."""
        if not self._ours(call):
            return self._project_missing()
        chosen = [
            p
            for p in reversed(self.pipelines)
            if all(not call.arg(k) or p[k] == call.arg(k) for k in ("sha", "ref"))
        ]
        per_page = min(call.number("per_page", 20), 100)
        items, _more = page_of(chosen, call.number("page", 1), per_page)
        return Reply(200, items)

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
                _user(100 + i, name, name.title()) for i, name in enumerate(reviewers)
            ]

    def get_project(self, call: Call) -> Reply:
        if not self._ours(call):
            return self._project_missing()
        name = self.repo.rsplit("/", 1)[-1]
        group = self.repo.rsplit("/", 1)[0]
        web = f"{self.root}/{self.repo}"
        # The simple form of a project (gitbeaker's SimpleProjectSchema); GitLab's full
        # answer has many more settings that nothing here reads.
        return Reply(
            200,
            {
                "id": PROJECT_ID, "name": name, "path": name, "description": None,
                "name_with_namespace": " / ".join(self.repo.split("/")),
                "path_with_namespace": self.repo, "created_at": "2026-01-15T09:00:00.000Z",
                "default_branch": self.default_branch, "topics": [],
                "ssh_url_to_repo": f"git@gitlab.example.com:{self.repo}.git",
                "http_url_to_repo": f"{web}.git", "readme_url": None, "forks_count": 0,
                "avatar_url": None, "star_count": 0, "last_activity_at": now(), "web_url": web,
                "namespace": {
                    "id": 7, "name": group.rsplit("/", 1)[-1], "path": group.rsplit("/", 1)[-1],
                    "kind": "group", "full_path": group, "parent_id": None, "avatar_url": None,
                    "web_url": f"{self.root}/groups/{group}",
                },
            },
        )  # fmt: skip

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
        mr = self._merge_request(iid, title, source, target)
        mr["description"] = str(body.get("description") or "")
        self.prs.append(mr)
        return Reply(201, mr)

    def _merge_request(self, iid: int, title: str, source: str, target: str) -> dict[str, Any]:
        """A new merge request with every field GitLab's answer has (gitbeaker's
        ExpandedMergeRequestSchema: the contract tests check each one)."""
        head = hashlib.sha1(f"{self.repo}:{source}".encode()).hexdigest()
        base = hashlib.sha1(f"{self.repo}:{target}".encode()).hexdigest()
        draft = bool(DRAFT.match(title))
        return {
            "id": 5000 + iid, "iid": iid, "project_id": PROJECT_ID,
            "source_project_id": PROJECT_ID, "target_project_id": PROJECT_ID,
            "title": title, "description": "", "state": "opened",
            "created_at": now(), "updated_at": now(), "prepared_at": now(),
            "merged_by": None, "merged_at": None, "closed_by": None, "closed_at": None,
            "target_branch": target, "source_branch": source,
            "user_notes_count": 0, "upvotes": 0, "downvotes": 0,
            "author": AUTHOR, "assignees": [], "assignee": None, "reviewers": [],
            "labels": [], "draft": draft, "work_in_progress": draft, "milestone": None,
            "merge_when_pipeline_succeeds": False,
            "merge_status": "checking", "detailed_merge_status": "checking",
            "sha": head, "merge_commit_sha": None, "squash_commit_sha": None,
            "discussion_locked": None, "should_remove_source_branch": None,
            "force_remove_source_branch": False,
            "reference": f"!{iid}",
            "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{self.repo}!{iid}"},
            "time_stats": {"time_estimate": 0, "total_time_spent": 0,
                           "human_time_estimate": None, "human_total_time_spent": None},
            "squash": False, "squash_on_merge": False,
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_conflicts": False, "blocking_discussions_resolved": True,
            "approvals_before_merge": None,
            "subscribed": True, "changes_count": "1",
            "latest_build_started_at": None, "latest_build_finished_at": None,
            "first_deployed_to_production_at": None, "pipeline": None, "head_pipeline": None,
            "diff_refs": {"base_sha": base, "head_sha": head, "start_sha": base},
            "merge_error": None, "first_contribution": False, "user": {"can_merge": True},
            "web_url": f"{self.root}/{self.repo}/-/merge_requests/{iid}",
        }  # fmt: skip

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
            mr.update(state="closed", closed_at=now(), closed_by=AUTHOR)
        elif body.get("state_event") == "reopen":
            mr.update(state="opened", closed_at=None, closed_by=None)
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
        pipeline = self._pipeline_for(sha, body)
        if pipeline is None:
            return Reply(404, {"message": "404 Pipeline Not Found"})
        earlier = [s for s in self.statuses_on(sha) if s["name"] == name]
        unfinished = earlier[-1]["status"] if earlier else ""
        if unfinished in ("pending", "running") and unfinished == state:
            message = f"Cannot transition status via :{_EVENTS[state]} from :{state}"
            return _status_error(message)
        status = {
            "id": 9000 + len(self.statuses) + 1,
            "sha": sha,
            "ref": pipeline["ref"],
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
            "pipeline_id": pipeline["id"],
        }
        self.statuses.append((sha, status))
        return Reply(201, status)

    def _pipeline_for(self, sha: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The pipeline a status joins: `pipeline_id` (None if it is not one of this commit's),
        else the newest of the commit on `ref` (the default branch without one), else a new one."""
        if body.get("pipeline_id") is not None:
            wanted = str(body["pipeline_id"])
            return next(
                (p for p in self.pipelines if str(p["id"]) == wanted and p["sha"] == sha), None
            )
        ref = str(body.get("ref") or self.default_branch)
        found = [p for p in self.pipelines if p["sha"] == sha and p["ref"] == ref]
        return found[-1] if found else self._new_pipeline(sha, ref, "external")

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
