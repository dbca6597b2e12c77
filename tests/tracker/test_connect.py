"""One place makes a TrackerClient from settings; the organization rule is the client's."""

from __future__ import annotations

from testing.servers import SandboxHandle
from tracker_git.core import config
from tracker_git.tracker import connect


def settings(sandbox: SandboxHandle, **values: str) -> config.Config:
    overrides = {config.key(f"tracker.{name}"): value for name, value in values.items()}
    overrides[config.key("tracker.api_url")] = sandbox.url
    return config.load(None, overrides, environ={})


def test_an_org_linked_to_both_is_addressed_by_its_360_id(sandbox: SandboxHandle) -> None:
    cfg = settings(sandbox, org_id=sandbox.org_id, cloud_org_id="cloud-1")
    connect.client(cfg.tracker, sandbox.token).myself()
    headers = sandbox.requests[-1]["headers"]
    assert headers["X-Org-ID"] == sandbox.org_id
    assert "X-Cloud-Org-ID" not in headers


def test_an_iam_token_goes_with_the_cloud_id_even_where_a_360_id_is_set(
    sandbox: SandboxHandle,
) -> None:
    """The copies in connect, account and online dropped the Cloud id whenever a 360 id was
    set, so an IAM token with both configured failed ("works only with a Yandex Cloud
    organization"); the relay's copy passed both. Now every caller passes both."""
    cfg = settings(sandbox, org_id="360-1", cloud_org_id=sandbox.org_id, token_kind="iam")
    assert connect.client(cfg.tracker, sandbox.token).myself()["login"] == "sandbox.user"
    headers = sandbox.requests[-1]["headers"]
    assert headers["X-Cloud-Org-ID"] == sandbox.org_id
