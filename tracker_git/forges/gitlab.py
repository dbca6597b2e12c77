"""GitLab (gitlab.com and self-managed) merge requests (docs/design/forges.md "GitLab").

Traps handled: the project id is the full path with `/` encoded as `%2F` (subgroups work);
URLs and endpoints use `iid`, never `id`; there is no draft parameter, a title starting with
`Draft:` makes a draft, so updates keep that prefix on drafts; a duplicate create answers 409
"... already exists for this source branch: !N" and turns into an update of !N.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from tracker_git.core import forgekinds
from tracker_git.core.errors import UsageError
from tracker_git.forges.base import (
    CommitStatus,
    Duplicate,
    Forge,
    ForgeError,
    PlannedRequest,
    PullRequest,
    next_link,
    shorten,
)
from tracker_git.forges.detect import Located, RemoteUrl
from tracker_git.forges.registry import ForgeParts
from tracker_git.forges.webhook import Head, Origin, Reported, get, newest, obj, same, text

DRAFT = re.compile(r"^\s*(\[draft\]|\(draft\)|draft:)\s*", re.IGNORECASE)
MAX_PAGE_URL = 7000
_STATES = {"opened": "open", "locked": "open", "closed": "closed", "merged": "merged"}
_STATUS_STATES = {"success": "success", "failure": "failed", "pending": "pending"}


def draft_title(title: str) -> str:
    """`title` as a GitLab draft title (`Draft: ` added once)."""
    return title if DRAFT.match(title) else f"Draft: {title}"


class GitLabForge(Forge):
    def auth_headers(self, token: str) -> dict[str, str]:
        # Bearer works for personal, project and group tokens and OAuth alike, and requests
        # drops it on a redirect to another host (it would keep a PRIVATE-TOKEN header).
        return {"Authorization": f"Bearer {token}"}

    def error_text(self, data: Any) -> str:
        if not isinstance(data, dict):
            return ""
        said = data.get("message", data.get("error", ""))
        if isinstance(said, list):
            return "; ".join(str(s) for s in said)
        if isinstance(said, dict):
            return "; ".join(f"{k} {' '.join(map(str, v))}" for k, v in said.items())
        return str(said)

    def duplicate(self, status: int, data: Any) -> Duplicate | None:
        text = self.error_text(data)
        if status == 409 and "already exists" in text:
            number = re.search(r"!(\d+)", text)
            return Duplicate(int(number.group(1)) if number else None)
        return None

    def _project(self) -> str:
        return "/projects/" + quote(self.remote.path, safe="")

    def parse_json(self, data: Any) -> PullRequest:
        return PullRequest(
            number=int(data["iid"]),
            url=str(data.get("web_url", "")),
            title=str(data.get("title") or ""),
            body=str(data.get("description") or ""),
            state=_STATES.get(str(data.get("state")), str(data.get("state"))),
            draft=bool(data.get("draft", data.get("work_in_progress", False))),
            source=str(data["source_branch"]),
            target=str(data["target_branch"]),
            reviewers=tuple(str(r["username"]) for r in data.get("reviewers") or []),
        )

    def _from_here(self, item: Any) -> bool:
        """Not a merge request from a fork that happens to use the same branch name."""
        source, target = item.get("source_project_id"), item.get("project_id")
        return source is None or target is None or source == target

    def list_open(self, branch: str) -> list[PullRequest]:
        params = {"state": "opened", "source_branch": branch, "per_page": 100}
        items = self.read_pages(
            self.url(self._project() + "/merge_requests"),
            params,
            lambda answer: (answer.data or [], next_link(answer.headers)),
        )
        found = [self.parse(item) for item in items if self._from_here(item)]
        return [pr for pr in found if pr.source == branch]

    def get(self, number: int) -> PullRequest:
        url = self.url(f"{self._project()}/merge_requests/{number}")
        return self.parse(self.request("GET", url).data)

    def plan_create(
        self, title: str, body: str, source: str, target: str, draft: bool = False
    ) -> list[PlannedRequest]:
        payload = {
            "source_branch": source,
            "target_branch": target,
            "title": draft_title(title) if draft else title,
            "description": body,
        }
        return [PlannedRequest("POST", self.url(self._project() + "/merge_requests"), payload)]

    def plan_update(self, pr: PullRequest, title: str, body: str) -> list[PlannedRequest]:
        # A plain title would silently mark a draft ready; keep it a draft.
        new_title = draft_title(title) if pr.draft else title
        url = self.url(f"{self._project()}/merge_requests/{pr.number}")
        return [PlannedRequest("PUT", url, {"title": new_title, "description": body})]

    def fetch_default_branch(self) -> str:
        return str(self.request("GET", self.url(self._project())).data["default_branch"])

    def create_page_url(self, source: str, target: str, title: str, body: str) -> str:
        """`/-/merge_requests/new?merge_request[...]=` (docs/design/forges.md); the description is
        left out when the URL would be too long."""
        base = f"{self.remote.web_url}/-/merge_requests/new"
        query = {
            "merge_request[source_branch]": source,
            "merge_request[target_branch]": target,
            "merge_request[title]": title,
        }
        short = f"{base}?{urlencode(query)}"
        full = f"{base}?{urlencode({**query, 'merge_request[description]': body})}"
        return full if len(full) <= MAX_PAGE_URL else short

    def plan_commit_status(
        self, sha: str, status: CommitStatus, pipeline: int | None = None
    ) -> PlannedRequest:
        """POST /projects/:id/statuses/:sha: state pending|running|success|failed|canceled,
        `name` the context (its "external" job in the pipeline). The status joins `pipeline`
        where one is known, else the source branch's (`ref`): GitLab makes a pipeline of its
        own for a ref that has none, which a merge request pipeline never waits for."""
        payload: dict[str, Any] = {
            "state": _STATUS_STATES[status.state],
            "name": status.context,
            "target_url": status.url,
            "description": shorten(status.description, 255),
        }
        if pipeline is not None:
            payload["pipeline_id"] = pipeline
        elif status.branch:
            payload["ref"] = status.branch
        url = self.url(f"{self._project()}/statuses/{quote(sha, safe='')}")
        return PlannedRequest("POST", url, payload)

    def set_commit_status(self, sha: str, status: CommitStatus) -> None:
        """The status joins the newest merge request pipeline of the commit (what "Pipelines
        must succeed" reads with merge request pipelines), else the source branch's newest
        pipeline, else GitLab's pipeline for the ref."""
        planned = self.plan_commit_status(sha, status, self.status_pipeline(sha, status.branch))
        self.request(planned.method, planned.url, body=planned.json, ok=(200, 201, 204))

    def status_pipeline(self, sha: str, branch: str) -> int | None:
        """GET /projects/:id/pipelines?sha=: the id of the pipeline a status of `sha` joins."""
        url = self.url(f"{self._project()}/pipelines")
        try:
            found = self.request("GET", url, params={"sha": sha, "per_page": 20}).data
        except ForgeError as exc:
            if exc.status not in (401, 403, 404):
                raise
            return None  # a token that may post statuses but not list pipelines: the ref
        pipelines = [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []
        refs = [(str(p.get("ref", "")), p.get("id")) for p in pipelines]  # newest first
        merge_request = [i for ref, i in refs if ref.startswith("refs/merge-requests/")]
        on_branch = [i for ref, i in refs if ref == branch]
        for found_id in (*merge_request[:1], *on_branch[:1]):
            if isinstance(found_id, int):
                return found_id
        return None


# --- what else is particular to GitLab (tracker_git.forges.registry) -----------------------

ROW = forgekinds.of_module(__name__)


def default_api_url(web_base: str) -> str:
    return f"{web_base}/api/v4"


def locate(url: RemoteUrl, web_base: str, shown: str) -> Located:
    """GROUP/.../PROJECT; a relative-URL install (https://host/gitlab/...) shows its prefix
    in the API base, and that prefix is not part of the project's path."""
    segments = url.segments
    prefix = tuple(s for s in urlsplit(web_base).path.split("/") if s) if web_base else ()
    if prefix and segments[: len(prefix)] == prefix and len(segments) > len(prefix) + 1:
        segments = segments[len(prefix) :]
    if len(segments) < 2:
        raise UsageError(
            f"remote URL {shown} does not look like a {ROW.kind} project (GROUP/.../PROJECT); fix the remote"
        )
    web_base = web_base or url.own
    page = f"{web_base}/{'/'.join(segments)}"
    return Located("/".join(segments[:-1]), segments[-1], page, web_base, url.own)


def _changes_requested(data: dict[str, object]) -> bool:
    """Newer GitLab reports "Request changes" as an update whose reviewers gain that state."""
    reviewers = get(data, "changes", "reviewers")
    if not isinstance(reviewers, dict):
        return False

    def requested(side: object) -> set[object]:
        if not isinstance(side, list):
            return set()
        return {
            get(r, "id") or get(r, "username")
            for r in side
            if get(r, "state") == "requested_changes"
        }

    return bool(requested(reviewers.get("current")) - requested(reviewers.get("previous")))


def _is_draft(attributes: dict[str, object]) -> bool:
    return get(attributes, "draft") is True or get(attributes, "work_in_progress") is True


def webhook(headers: Mapping[str, str], data: dict[str, object]) -> Reported | None:
    attributes = obj(data, "object_attributes")
    if text(data, "object_kind") != "merge_request":
        return None
    action = text(attributes, "action")
    kind = {
        "open": "opened",
        "reopen": "opened",
        # CE sends "approved" on each approval; EE sends "approval" while approvals remain.
        "approved": "approved",
        "approval": "approved",
        "merge": "merged",
        "close": "declined",
    }.get(action)
    if kind == "opened" and _is_draft(attributes):
        kind = "draft"
    if action == "update":
        if _changes_requested(data):
            kind = "changes_requested"
        else:
            draft = get(data, "changes", "draft") or get(data, "changes", "work_in_progress")
            if isinstance(draft, dict) and draft.get("previous") != draft.get("current"):
                kind = "draft" if draft.get("current") is True else "opened"
    if kind is None:
        return None
    return Reported(
        kind,
        text(attributes, "title"),
        text(attributes, "description"),
        text(attributes, "source_branch"),
        text(attributes, "url"),
    )


def head(headers: Mapping[str, str], data: dict[str, object]) -> Head | None:
    """A merge request opened, reopened or updated (title, description, new commits)."""
    attributes = obj(data, "object_attributes")
    if text(data, "object_kind") != "merge_request":
        return None
    if text(attributes, "action") not in ("open", "reopen", "update"):
        return None
    return Head(
        text(attributes, "last_commit", "id"),
        text(data, "project", "path_with_namespace"),
        text(attributes, "source_branch"),
        text(attributes, "title"),
        text(attributes, "description"),
        text(attributes, "url"),
    )


def origin(headers: Mapping[str, str], data: dict[str, object]) -> Origin | None:
    """A merge request hook says nothing of its author's role (`author_id` only); its source
    project says whether it is a fork. A branch in the project itself takes the Developer
    role to push, so a merge request from one is a member's."""
    if text(data, "object_kind") != "merge_request":
        return None
    attributes = obj(data, "object_attributes")
    fork = not same(get(attributes, "source_project_id"), get(attributes, "target_project_id"))
    return Origin(None, fork)


def stamped(data: dict[str, object]) -> float | None:
    attributes = obj(data, "object_attributes")
    return newest(
        get(attributes, "created_at"),
        get(attributes, "updated_at"),
        get(attributes, "last_edited_at"),
    )


PARTS = ForgeParts(
    GitLabForge, default_api_url, locate, webhook, head=head, origin=origin, stamped=stamped
)
