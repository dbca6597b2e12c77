"""The relay over real HTTP: what it answers and what it refuses, and that a refused delivery
leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    Relay,
    delivery,
    hub_signature,
    relay_in_thread,
    seed_issue,
    status_of,
    write_config,
)


def assert_nothing_queued(relay: Relay) -> None:
    assert relay.app.queue.tasks() == []


def test_health_and_metrics(relay: Relay) -> None:
    health = requests.get(relay.url + "/healthz", timeout=5)
    assert (health.status_code, health.text) == (200, "ok\n")
    metrics = requests.get(relay.url + "/metrics", timeout=5)
    assert metrics.status_code == 200
    assert metrics.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    for name in ("received", "rejected", "applied", "retried", "queued"):
        assert f"# TYPE tracker_git_relay_{name}_total counter" in metrics.text
    assert "tracker_git_relay_pending 0" in metrics.text


def test_routes_and_methods(relay: Relay) -> None:
    assert requests.get(relay.url + "/webhook", timeout=5).status_code == 405
    assert requests.post(relay.url + "/healthz", timeout=5).status_code == 405
    assert requests.get(relay.url + "/", timeout=5).status_code == 404
    assert relay.post("github-merged", path="/webhook/gitea").status_code == 404


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("github-merged", {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
        ("github-merged", {"X-Hub-Signature-256": ""}),
        ("bitbucket-cloud-merged", {"X-Hub-Signature": "sha256=" + "0" * 64}),
        ("bitbucket-dc-merged", {"X-Hub-Signature": "sha256=zz"}),
        ("gitlab-merged", {"X-Gitlab-Token": "guess"}),
    ],
)
def test_bad_signatures_get_401_and_nothing_is_queued(
    relay: Relay, name: str, change: dict[str, str]
) -> None:
    answer = relay.post(name, headers=change)
    assert answer.status_code == 401
    assert "Secret" not in answer.text and "guess" not in answer.text
    assert_nothing_queued(relay)


def test_a_missing_signature_gets_401(relay: Relay) -> None:
    body, headers = delivery("bitbucket-dc-merged")
    del headers["X-Hub-Signature"]
    assert relay.post(body, headers=headers).status_code == 401
    assert_nothing_queued(relay)
    assert relay.metrics()["rejected_total"] == 1


def test_a_changed_body_gets_401(relay: Relay) -> None:
    body, headers = delivery("github-merged")
    assert relay.post(body.replace(b"PROJ-123", b"PROJ-999"), headers=headers).status_code == 401
    assert_nothing_queued(relay)


def test_oversized_body_gets_413_before_anything_else(relay: Relay) -> None:
    body, headers = delivery("github-merged")
    big = body + b" " * 70000  # the tests' limit is 64 KiB
    answer = relay.post(big, headers=headers)
    assert answer.status_code == 413
    assert_nothing_queued(relay)


def test_signed_broken_json_gets_400(relay: Relay) -> None:
    body = b'{"pullrequest": {"title": "PROJ-123'
    headers = {
        "X-Event-Key": "pullrequest:fulfilled",
        "X-Request-UUID": "b2d5",
        "X-Hub-Signature": hub_signature(body),
        "Content-Type": "application/json",
    }
    answer = relay.post(body, headers=headers)
    assert answer.status_code == 400
    assert answer.json() == {"error": "the body is not valid JSON"}
    assert_nothing_queued(relay)


def test_unknown_events_get_2xx_and_do_nothing(relay: Relay, sandbox: SandboxHandle) -> None:
    body = json.dumps({"zen": "Design for failure.", "hook_id": 1}).encode()
    headers = {
        "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": "p1",
        "X-Hub-Signature-256": hub_signature(body),
        "Content-Type": "application/json",
    }
    answer = relay.post(body, headers=headers)
    assert answer.status_code == 200 and answer.json()["result"] == "ignored"
    # A push to GitLab, an unapproval on Bitbucket: verified, handled by nobody.
    _, gl = delivery("gitlab-merged")
    push = relay.post(b'{"object_kind": "push"}', headers={**gl, "X-Gitlab-Event": "Push Hook"})
    assert push.status_code == 200 and push.json()["result"] == "ignored"
    assert_nothing_queued(relay)
    # Only the worker's start-up check of the configured statuses (relay.workflow) reads.
    start_check = ("/v3/statuses", "/v3/queues/")
    assert [r["path"] for r in sandbox.requests if not r["path"].startswith(start_check)] == []


def test_a_forge_that_cannot_be_told_gets_400_and_a_disabled_one_403(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    config = write_config(tmp_path, sandbox, forges='[forges.github]\nsecret_file = "secret"\n')
    with relay_in_thread(config) as relay:
        body, _ = delivery("github-merged")
        unknown = relay.post(body, headers={"Content-Type": "application/json"})
        assert unknown.status_code == 400 and "/webhook/<forge>" in unknown.json()["error"]
        assert relay.post("gitlab-merged").status_code == 403
        assert_nothing_queued(relay)


def test_no_key_or_no_status_is_ignored(tmp_path: Path, sandbox: SandboxHandle) -> None:
    config = write_config(tmp_path, sandbox, extra='queues = ["DEMO"]')
    with relay_in_thread(config) as relay:
        answer = relay.post("github-merged")  # PROJ is not an allowed queue here
        assert answer.status_code == 200
        assert answer.json() == {
            "result": "ignored",
            "reason": "no issue key found",
            "event": "merged",
            "keys": [],
        }
        assert_nothing_queued(relay)


def test_an_event_mapped_to_no_status_is_ignored(relay: Relay) -> None:
    approved = relay.post("github-approved")  # approved maps to "" by default
    assert approved.status_code == 200
    assert approved.json()["reason"] == "no status for approved"
    assert_nothing_queued(relay)


def test_explicit_forge_path(relay: Relay, sandbox: SandboxHandle) -> None:
    seed_issue(sandbox, "PROJ-123", "inReview")
    answer = relay.post("bitbucket-dc-merged", path="/webhook/bitbucket-dc")
    assert answer.status_code == 202
    assert answer.json()["keys"] == ["PROJ-123"]
    # The path decides: a GitHub delivery posted to the Bitbucket path fails its check.
    assert relay.post("github-merged", path="/webhook/bitbucket-cloud").status_code == 401
    assert status_of(sandbox, "PROJ-123") in ("inReview", "readyForTest")


def test_gitlab_signing_token(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """With a signing token set, GitLab 19's Standard Webhooks signature is required."""
    forges = '[forges.gitlab]\nsigning_token_file = "signing"\nmax_age = 0\n'
    with relay_in_thread(write_config(tmp_path, sandbox, forges=forges)) as relay:
        assert relay.post("gitlab-opened").status_code == 202
        forged = relay.post("gitlab-opened", headers={"webhook-signature": "v1,AAAA"})
        assert forged.status_code == 401
        unsigned = relay.post("gitlab-merged")  # the plain token is not a signature
        assert unsigned.status_code == 401
        assert [t["kind"] for t in relay.app.queue.tasks()] == ["opened"]


def test_a_chunked_body_needs_a_server_that_ends_it(relay: Relay) -> None:
    """The built-in server does not de-chunk: 411, not a read that waits forever
    (gunicorn does; see test_process.py)."""
    body, headers = delivery("github-merged")
    answer = requests.post(relay.url + "/webhook", data=iter([body]), headers=headers, timeout=10)
    assert answer.status_code == 411
    assert_nothing_queued(relay)
