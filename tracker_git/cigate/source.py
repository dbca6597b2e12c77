"""Which pull request a CI job runs for, read from the CI's own variables (their names are
in core/ciplatforms.py; docs/enforcement.md lists what each CI gives):

- GitHub Actions: the event file of a `pull_request` or `pull_request_target` event:
  `pull_request.title`, `.body`, `.head.ref`, `.head.sha`, `.base.ref`, `.base.sha`. (The
  job's own sha is the test merge commit, not the head.) A merge queue's `merge_group` event:
  `merge_group.head_sha`, `.base_ref`, `.base_sha`.
- GitLab CI in a merge request pipeline: the title, description, source branch, the head (the
  source sha of merged results pipelines, else the commit's) and the target branch (its tip is
  fetched: the merge base would judge by older rules).
- Bitbucket Pipelines (a pull request id set): the branch, the commit and the destination
  branch. Pipelines has no title variable: the title and description come from the API when
  its forge's token variable is set (cigate/gate.py).

The command line's `--title`, `--description`, `--branch`, `--base`, `--head` override any of
these, or say everything outside a CI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from tracker_git.core.ciplatforms import BITBUCKET_PIPELINES as BB
from tracker_git.core.ciplatforms import GITHUB_ACTIONS as GH
from tracker_git.core.ciplatforms import GITLAB_CI as GL
from tracker_git.core.ciplatforms import detect as detect_platform
from tracker_git.core.errors import UsageError

# An event file is GitHub's JSON of one event; real ones are a few hundred KB at most.
MAX_EVENT_FILE = 25 * 1024 * 1024
_GITHUB_EVENTS = ("pull_request", "pull_request_target")
# GitLab's own test of a draft title ("Draft:", "[Draft]", "(Draft)", any case).
_GITLAB_DRAFT = re.compile(r"\s*(?:\[draft\]|\(draft\)|draft:)", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """A pull request as the CI describes it. `head` is a revision (a sha) that may still have
    to be fetched; `base_branch` names the target branch, whose tip is fetched; `base` is the
    CI's own sha of that tip, used when the branch cannot be fetched; `ci` is
    "github-actions", "gitlab-ci", "bitbucket-pipelines" or "" (none: the command line);
    `number` the pull request's number as the forge shows it."""

    ci: str
    title: str | None = None
    description: str | None = None
    branch: str | None = None
    base: str | None = None
    head: str | None = None
    base_branch: str | None = None
    number: str = ""
    repository: str = ""  # owner/repo where the CI says (Bitbucket: for the API)
    # Why this job has no pull request to judge ("this GitHub Actions run is a 'push'
    # event"); "" when it has one. A merge queue's group is "merge_group" in `event`.
    not_a_pr: str = ""
    event: str = ""
    author: str = ""  # who opened it, where the CI says (GitHub; GitLab: the pipeline's user)
    draft: bool = False
    fork: bool = False  # from another repository: the CI gives such runs no secrets


def detect(environ: Mapping[str, str]) -> str:
    """The CI this runs in: "github-actions", "gitlab-ci", "bitbucket-pipelines" or ""."""
    platform = detect_platform(environ)
    return platform.name if platform else ""


def from_environment(environ: Mapping[str, str]) -> Source:
    """The pull request of the CI job, or Source("") outside a CI; a Source whose `not_a_pr`
    says why when the job is not a pull request's (a push); UsageError when the CI's own
    description of the event cannot be read."""
    ci = detect(environ)
    if ci == GH.name:
        return _github(environ)
    if ci == GL.name:
        return _gitlab(environ)
    if ci == BB.name:
        return _bitbucket(environ)
    return Source("")


def _github(environ: Mapping[str, str]) -> Source:
    event = GH.get(environ, "event_name", "")
    if event == "merge_group":
        return _merge_group(environ)
    if event not in _GITHUB_EVENTS:
        return Source(
            GH.name,
            not_a_pr=f"this GitHub Actions run is a '{event or 'unknown'}' event",
            event=event,
        )
    path = GH.get(environ, "event_path", "")
    data = _read_event(path)
    pr = data.get("pull_request")
    if not isinstance(pr, dict):
        raise UsageError(
            f"{GH.var('event_path')} {path} holds no pull_request; is this a PR event?"
        )
    head, base = _dict(pr, "head"), _dict(pr, "base")
    head_repo = _str(_dict(head, "repo"), "full_name")
    return Source(
        GH.name,
        title=_str(pr, "title"),
        description=_str(pr, "body") or "",  # null when empty
        branch=_str(head, "ref") or GH.get(environ, "head_ref") or None,
        head=_str(head, "sha"),
        base=_str(base, "sha"),
        base_branch=_str(base, "ref") or GH.get(environ, "base_ref") or None,
        number=str(pr.get("number", "")),
        repository=GH.get(environ, "repository", ""),
        author=_str(_dict(pr, "user"), "login") or "",
        draft=pr.get("draft") is True,
        fork=head_repo != _str(_dict(base, "repo"), "full_name"),  # null: the fork is gone
    )


def _merge_group(environ: Mapping[str, str]) -> Source:
    """A merge queue's group (`merge_group`, `checks_requested`): its commits from the
    target's tip to `head_sha`; the title and branch were judged on the pull request."""
    path = GH.get(environ, "event_path", "")
    group = _dict(_read_event(path), "merge_group")
    head, base_ref = _str(group, "head_sha"), _str(group, "base_ref")
    if not head or not base_ref or not base_ref.startswith("refs/heads/"):
        raise UsageError(
            f"{GH.var('event_path')} {path} holds no merge_group head_sha and base_ref"
        )
    return Source(
        GH.name,
        head=head,
        base=_str(group, "base_sha"),
        base_branch=base_ref.removeprefix("refs/heads/"),
        repository=GH.get(environ, "repository", ""),
        event="merge_group",
    )


def _read_event(path: str) -> dict[str, object]:
    if not path:
        raise UsageError(f"{GH.var('event_path')} is not set; run this inside a GitHub Actions job")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_EVENT_FILE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {GH.var('event_path')} {path} ({exc.strerror})") from None
    if len(raw) > MAX_EVENT_FILE:
        raise UsageError(f"{GH.var('event_path')} {path} is larger than {MAX_EVENT_FILE} bytes")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise UsageError(f"{GH.var('event_path')} {path} is not JSON") from None
    if not isinstance(data, dict):
        raise UsageError(f"{GH.var('event_path')} {path} is not a JSON object")
    return data


def _gitlab(environ: Mapping[str, str]) -> Source:
    if not GL.get(environ, "mr_iid"):
        source = GL.get(environ, "pipeline_source", "")
        return Source(
            GL.name,
            not_a_pr=f"this GitLab CI pipeline is a '{source or 'unknown'}' one, not a merge "
            "request's",
            event=source,
        )
    head = GL.get(environ, "source_sha") or GL.get(environ, "commit_sha")
    return Source(
        GL.name,
        title=GL.get(environ, "title"),
        description=GL.get(environ, "description", ""),
        branch=GL.get(environ, "source_branch") or None,
        head=head or None,
        # Not the merge base, whose rules may be older than the target's (ciplatforms).
        base=GL.get(environ, "target_sha") or None,
        base_branch=GL.get(environ, "target_branch") or None,
        number=GL.get(environ, "mr_iid", ""),
        repository=GL.get(environ, "project_path", ""),
        author=GL.get(environ, "user_login", ""),
        draft=GL.get(environ, "draft") == "true"
        or bool(_GITLAB_DRAFT.match(GL.get(environ, "title", ""))),
        fork=GL.get(environ, "source_project_id", "") != GL.get(environ, "project_id", ""),
    )


def _bitbucket(environ: Mapping[str, str]) -> Source:
    if not BB.get(environ, "pr_id"):
        return Source(
            BB.name,
            not_a_pr="this Bitbucket Pipelines step is not a pull request's (no "
            f"{BB.var('pr_id')})",
        )
    destination = BB.get(environ, "destination") or None
    return Source(
        BB.name,
        branch=BB.get(environ, "branch") or None,
        head=BB.get(environ, "commit") or None,
        base_branch=destination,
        number=BB.get(environ, "pr_id", ""),
        repository=BB.get(environ, "repository", ""),
    )


def override(source: Source, **given: str | None) -> Source:
    """`source` with what the command line names (None: not named) in its place."""
    changes: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    return replace(source, **changes)  # type: ignore[arg-type]


def _dict(data: dict[str, object], name: str) -> dict[str, object]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _str(data: dict[str, object], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None
