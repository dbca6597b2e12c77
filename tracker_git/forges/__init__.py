"""Forges: which one a remote points at (`detect`), and a client for its pull requests.

    remote = forges.detect(url, config)            # ForgeRemote (kind, host, api_url, ...)
    with forges.client_for(remote, token) as forge:  # a Forge (see forges.base.Forge)
        done = forges.submit(forge, title, body, source=branch, target=base, draft=False)

The forges are the rows of tracker_git.core.forgekinds; each one's code is found through
tracker_git.forges.registry. Importing this package is cheap: requests is imported on the
first request.
"""

from __future__ import annotations

from tracker_git.core.forgekinds import KINDS
from tracker_git.forges.base import (
    STATUS_CONTEXT,
    CommitStatus,
    Forge,
    PlannedRequest,
    PullRequest,
    Submitted,
    submit,
)
from tracker_git.forges.detect import API_URL_VARIABLE, ForgeRemote, detect, redact
from tracker_git.forges.registry import parts


def client_for(remote: ForgeRemote, token: str, timeout: float = 10.0) -> Forge:
    """The client for `remote`'s forge, authenticating with `token` (never logged or shown).
    Raises OperationFailed if the token would go over plain http to a non-loopback host."""
    return parts(remote.kind).client(remote, token, timeout)


__all__ = [
    "API_URL_VARIABLE",
    "KINDS",
    "STATUS_CONTEXT",
    "CommitStatus",
    "Forge",
    "ForgeRemote",
    "PlannedRequest",
    "PullRequest",
    "Submitted",
    "client_for",
    "detect",
    "redact",
    "submit",
]
