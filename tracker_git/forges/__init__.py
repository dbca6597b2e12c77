"""Forges: which one a remote points at (`detect`), and a client for its pull requests.

    remote = forges.detect(url, config)            # ForgeRemote (kind, host, api_url, ...)
    forge = forges.client_for(remote, token)       # a Forge (see forges.base.Forge)
    done = forges.submit(forge, title, body, source=branch, target=base, draft=False)

Importing this package is cheap: requests is imported on the first request.
"""

from __future__ import annotations

from tracker_git.forges.base import (
    Forge,
    HttpForge,
    PlannedRequest,
    PullRequest,
    Submitted,
    submit,
)
from tracker_git.forges.bitbucket_cloud import BitbucketCloudForge
from tracker_git.forges.bitbucket_dc import BitbucketDCForge
from tracker_git.forges.detect import API_URL_VARIABLE, KINDS, ForgeRemote, detect, redact
from tracker_git.forges.github import GitHubForge
from tracker_git.forges.gitlab import GitLabForge

# kind -> client class. The kinds are those of `[forge] kind` (core/config.py SCHEMA).
CLIENTS: dict[str, type[HttpForge]] = {
    "github": GitHubForge,
    "gitlab": GitLabForge,
    "bitbucket-cloud": BitbucketCloudForge,
    "bitbucket-dc": BitbucketDCForge,
}

# The name each kind goes by in messages.
NAMES = {kind: client.NAME for kind, client in CLIENTS.items()}


def client_for(remote: ForgeRemote, token: str, timeout: float = 10.0) -> Forge:
    """The client for `remote`'s forge, authenticating with `token` (never logged or shown).
    Raises OperationFailed if the token would go over plain http to a non-loopback host."""
    return CLIENTS[remote.kind](remote, token, timeout)


__all__ = [
    "API_URL_VARIABLE",
    "CLIENTS",
    "KINDS",
    "NAMES",
    "Forge",
    "ForgeRemote",
    "HttpForge",
    "PlannedRequest",
    "PullRequest",
    "Submitted",
    "client_for",
    "detect",
    "redact",
    "submit",
]
