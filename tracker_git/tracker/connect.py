"""A TrackerClient from settings: the one place one is made (`client`). The client for the
effective configuration with the stored token is `account.connect`, above the client."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tracker_git.http import RetryPolicy
    from tracker_git.tracker.client import TrackerClient


class TrackerSettings(Protocol):
    """What a client is made from: the main configuration's [tracker] or the relay's."""

    @property
    def api_url(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def cloud_org_id(self) -> str: ...
    @property
    def token_kind(self) -> str: ...
    @property
    def api_version(self) -> str: ...
    @property
    def timeout(self) -> float: ...


def client(
    settings: TrackerSettings,
    token: str,
    *,
    timeout: float | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> TrackerClient:
    """The client for `settings`. Both organization ids go to the client, which holds the
    rule: the Yandex 360 id wins for an org linked to both (§1.3), except with an IAM token,
    which works only with the Cloud one. `timeout` overrides settings.timeout."""
    from tracker_git.tracker.client import TrackerClient

    return TrackerClient(
        settings.api_url,
        token,
        org_id=settings.org_id,
        cloud_org_id=settings.cloud_org_id,
        token_kind=settings.token_kind,
        api_version=settings.api_version,
        timeout=settings.timeout if timeout is None else timeout,
        policy=policy,
        sleep=sleep,
    )
