"""`git tracker stand`: a test stand's address into the issue's stand-link field.

[stand] field names either a global field id or a local (queue) field key; a local field is
written under its full id `<hex>--key` (docs/design/tracker-api.md "Local fields"), which is found from the issue's
own JSON when the field is set there, else from the queue's local fields."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.tracker.client import TrackerClient
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
    raise OperationFailed(
        f"there is no field {name!r}: not a local field of queue {issue.queue} nor a global "
        "field; check [stand] field in .tracker-git.toml"
    )


@dataclass(frozen=True)
class StandResult:
    key: str
    field: str
    url: str
    changed: bool


def set_stand(client: TrackerClient, key: str, field: str, url: str) -> StandResult:
    url = check_url(url)
    issue = client.get_issue(key)
    fid = field_id(client, issue, field)
    if same_value(issue.fields.get(fid), url):
        return StandResult(issue.key, fid, url, changed=False)
    client.update_issue(issue.key, {fid: url}, issue=issue)
    return StandResult(issue.key, fid, url, changed=True)
