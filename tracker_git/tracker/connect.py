"""A TrackerClient from the effective configuration and the stored token."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker_git.core.config import Config
    from tracker_git.tracker.client import TrackerClient


def connect(config: Config, *, timeout: float | None = None) -> TrackerClient:
    """The client for `config`'s [tracker] section; the token from TRACKER_TOKEN or the keyring
    (tracker_git.secrets). `timeout` overrides tracker.timeout (the hooks pass theirs).
    A [tracker] api_url the user has not chosen or trusted raises trust.Untrusted first."""
    from tracker_git import secrets, trust
    from tracker_git.tracker.client import TrackerClient

    trust.check_tracker(config)  # before the token is even read

    org_id = config.tracker.org_id
    cloud_org_id = config.tracker.cloud_org_id
    limit = config.tracker.timeout if timeout is None else timeout
    token = secrets.tracker_token(config, timeout=timeout)
    return TrackerClient(
        config.tracker.api_url,
        token,
        # Both set: 360 wins, as Tracker's docs say for an org linked to both (§1.3).
        org_id=org_id,
        cloud_org_id="" if org_id else cloud_org_id,
        token_kind=config.tracker.token_kind,
        api_version=config.tracker.api_version,
        timeout=limit,
    )
