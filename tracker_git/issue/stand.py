"""`git tracker stand`: a test stand's address into the issue's stand-link field.

[stand] field names either a global field id or a local (queue) field key; a local field is
written under its full id `<hex>--key` (docs/design/tracker-api.md "Local fields"), which is found from the issue's
own JSON when the field is set there, else from the queue's local fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.tracker.client import PARALLEL, TrackerClient
from tracker_git.tracker.matching import same_value
from tracker_git.tracker.models import Issue

MAX_URL = 2048


def check_url(url: str) -> str:
    """The URL as given, if it is an absolute http(s) address without credentials."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) address; give the stand's full URL")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UsageError("the stand URL contains spaces or control characters; quote it whole")
    if parts.username or parts.password:
        raise UsageError(
            "the stand URL carries a user name or password, which everyone who reads the "
            "issue would see; drop it from the URL"
        )
    if len(url) > MAX_URL:
        raise UsageError(f"the stand URL is longer than {MAX_URL} characters")
    return url


def field_id(client: TrackerClient, issue: Issue, name: str) -> str:
    if not name:
        raise ConfigError("[stand] field is empty in the configuration; name the stand-link field")
    if "--" in name or name in issue.fields:
        return name
    for fid in issue.fields:
        if fid.endswith("--" + name):
            return fid
    for f in client.local_fields(issue.queue):
        if f.get("key") == name:
            return str(f["id"])
    if client.global_field(name) is not None:
        return name
    raise ConfigError(
        f"there is no field {name!r}: not a local field of queue {issue.queue} nor a global "
        "field; check [stand] field in .tracker-git.toml"
    )


@dataclass(frozen=True)
class StandResult:
    key: str
    field: str
    url: str
    changed: bool


def _write(client: TrackerClient, issue: Issue, fid: str, url: str) -> StandResult:
    if same_value(issue.fields.get(fid), url):
        return StandResult(issue.key, fid, url, changed=False)
    client.update_issue(issue.key, {fid: url}, issue=issue)
    return StandResult(issue.key, fid, url, changed=True)


def set_stands(
    client: TrackerClient, keys: Sequence[str], field: str, url: str, workers: int = PARALLEL
) -> tuple[list[StandResult], list[str], dict[str, str]]:
    """The stand into every issue of `keys` (a deploy of several merged pull requests): the
    issues read in bulk (one search per 100 keys), the field found once per queue, the edits
    in parallel. (results, keys Tracker did not return, key -> why it failed)."""
    from concurrent.futures import ThreadPoolExecutor

    url = check_url(url)
    issues = client.search_issues(keys)
    seen = {name for issue in issues for name in issue.names}
    missing = [k for k in keys if k not in seen]
    fids: dict[str, str] = {}
    for issue in issues:
        if issue.queue not in fids:
            fids[issue.queue] = field_id(client, issue, field)
    failed: dict[str, str] = {}

    def one(issue: Issue) -> StandResult | None:
        try:
            return _write(client, issue, fids[issue.queue], url)
        except OperationFailed as exc:
            failed[issue.key] = str(exc)
            return None

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(issues)))) as pool:
        done = [r for r in pool.map(one, issues) if r is not None]
    return done, missing, failed


def set_stand(client: TrackerClient, key: str, field: str, url: str) -> StandResult:
    url = check_url(url)
    issue = client.get_issue(key)
    return _write(client, issue, field_id(client, issue, field), url)
