"""Which pull request a CI job runs for, read from the CI's own variables.

- GitHub Actions (`GITHUB_ACTIONS=true`): the event file `GITHUB_EVENT_PATH` of a
  `pull_request` or `pull_request_target` event: `pull_request.title`, `.body`, `.head.ref`,
  `.head.sha`, `.base.ref`, `.base.sha`. (`GITHUB_SHA` is the test merge commit, not the head.)
  A merge queue's `merge_group` event: `merge_group.head_sha`, `.base_ref`, `.base_sha`.
- GitLab CI (`GITLAB_CI=true`) in a merge request pipeline: `CI_MERGE_REQUEST_TITLE`,
  `CI_MERGE_REQUEST_DESCRIPTION`, `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME`, the head
  `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` (merged results pipelines) or `CI_COMMIT_SHA`, and the
  target `CI_MERGE_REQUEST_TARGET_BRANCH_NAME` (its tip is fetched: the merge base
  `CI_MERGE_REQUEST_DIFF_BASE_SHA` would judge by older rules).
- Bitbucket Pipelines (`BITBUCKET_PR_ID` set): `BITBUCKET_BRANCH`, `BITBUCKET_COMMIT`,
  `BITBUCKET_PR_DESTINATION_BRANCH`. Pipelines has no title variable: the title and
  description come from the API when `BITBUCKET_TOKEN` is set (cigate.bitbucket).

The command line's `--title`, `--description`, `--branch`, `--base`, `--head` override any of
these, or say everything outside a CI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

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
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github-actions"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab-ci"
    if environ.get("BITBUCKET_BUILD_NUMBER") or environ.get("BITBUCKET_PR_ID"):
        return "bitbucket-pipelines"
    return ""


def from_environment(environ: Mapping[str, str]) -> Source:
    """The pull request of the CI job, or Source("") outside a CI; a Source whose `not_a_pr`
    says why when the job is not a pull request's (a push); UsageError when the CI's own
    description of the event cannot be read."""
    ci = detect(environ)
    if ci == "github-actions":
        return _github(environ)
    if ci == "gitlab-ci":
        return _gitlab(environ)
    if ci == "bitbucket-pipelines":
        return _bitbucket(environ)
    return Source("")


def _github(environ: Mapping[str, str]) -> Source:
    event = environ.get("GITHUB_EVENT_NAME", "")
    if event == "merge_group":
        return _merge_group(environ)
    if event not in _GITHUB_EVENTS:
        return Source(
            "github-actions",
            not_a_pr=f"this GitHub Actions run is a '{event or 'unknown'}' event",
            event=event,
        )
    path = environ.get("GITHUB_EVENT_PATH", "")
    data = _read_event(path)
    pr = data.get("pull_request")
    if not isinstance(pr, dict):
        raise UsageError(f"GITHUB_EVENT_PATH {path} holds no pull_request; is this a PR event?")
    head, base = _dict(pr, "head"), _dict(pr, "base")
    head_repo = _str(_dict(head, "repo"), "full_name")
    return Source(
        "github-actions",
        title=_str(pr, "title"),
        description=_str(pr, "body") or "",  # null when empty
        branch=_str(head, "ref") or environ.get("GITHUB_HEAD_REF") or None,
        head=_str(head, "sha"),
        base=_str(base, "sha"),
        base_branch=_str(base, "ref") or environ.get("GITHUB_BASE_REF") or None,
        number=str(pr.get("number", "")),
        repository=environ.get("GITHUB_REPOSITORY", ""),
        author=_str(_dict(pr, "user"), "login") or "",
        draft=pr.get("draft") is True,
        fork=head_repo != _str(_dict(base, "repo"), "full_name"),  # null: the fork is gone
    )


def _merge_group(environ: Mapping[str, str]) -> Source:
    """A merge queue's group (`merge_group`, `checks_requested`): its commits from the
    target's tip to `head_sha`; the title and branch were judged on the pull request."""
    path = environ.get("GITHUB_EVENT_PATH", "")
    group = _dict(_read_event(path), "merge_group")
    head, base_ref = _str(group, "head_sha"), _str(group, "base_ref")
    if not head or not base_ref or not base_ref.startswith("refs/heads/"):
        raise UsageError(f"GITHUB_EVENT_PATH {path} holds no merge_group head_sha and base_ref")
    return Source(
        "github-actions",
        head=head,
        base=_str(group, "base_sha"),
        base_branch=base_ref.removeprefix("refs/heads/"),
        repository=environ.get("GITHUB_REPOSITORY", ""),
        event="merge_group",
    )


def _read_event(path: str) -> dict[str, object]:
    if not path:
        raise UsageError("GITHUB_EVENT_PATH is not set; run this inside a GitHub Actions job")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_EVENT_FILE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read GITHUB_EVENT_PATH {path} ({exc.strerror})") from None
    if len(raw) > MAX_EVENT_FILE:
        raise UsageError(f"GITHUB_EVENT_PATH {path} is larger than {MAX_EVENT_FILE} bytes")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise UsageError(f"GITHUB_EVENT_PATH {path} is not JSON") from None
    if not isinstance(data, dict):
        raise UsageError(f"GITHUB_EVENT_PATH {path} is not a JSON object")
    return data


def _gitlab(environ: Mapping[str, str]) -> Source:
    if not environ.get("CI_MERGE_REQUEST_IID"):
        source = environ.get("CI_PIPELINE_SOURCE", "")
        return Source(
            "gitlab-ci",
            not_a_pr=f"this GitLab CI pipeline is a '{source or 'unknown'}' one, not a merge "
            "request's",
            event=source,
        )
    head = environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or environ.get("CI_COMMIT_SHA")
    return Source(
        "gitlab-ci",
        title=environ.get("CI_MERGE_REQUEST_TITLE"),
        description=environ.get("CI_MERGE_REQUEST_DESCRIPTION", ""),
        branch=environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or None,
        head=head or None,
        # Not CI_MERGE_REQUEST_DIFF_BASE_SHA: that is the merge base, whose rules may be
        # older than the target's; this one is set in merged results pipelines only.
        base=environ.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA") or None,
        base_branch=environ.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") or None,
        number=environ.get("CI_MERGE_REQUEST_IID", ""),
        repository=environ.get("CI_MERGE_REQUEST_PROJECT_PATH", ""),
        author=environ.get("GITLAB_USER_LOGIN", ""),
        draft=environ.get("CI_MERGE_REQUEST_DRAFT") == "true"
        or bool(_GITLAB_DRAFT.match(environ.get("CI_MERGE_REQUEST_TITLE", ""))),
        fork=environ.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "")
        != environ.get("CI_MERGE_REQUEST_PROJECT_ID", ""),
    )


def _bitbucket(environ: Mapping[str, str]) -> Source:
    if not environ.get("BITBUCKET_PR_ID"):
        return Source(
            "bitbucket-pipelines",
            not_a_pr="this Bitbucket Pipelines step is not a pull request's (no BITBUCKET_PR_ID)",
        )
    destination = environ.get("BITBUCKET_PR_DESTINATION_BRANCH") or None
    return Source(
        "bitbucket-pipelines",
        branch=environ.get("BITBUCKET_BRANCH") or None,
        head=environ.get("BITBUCKET_COMMIT") or None,
        base_branch=destination,
        number=environ.get("BITBUCKET_PR_ID", ""),
        repository=environ.get("BITBUCKET_REPO_FULL_NAME", ""),
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
