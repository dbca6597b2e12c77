"""From the stored deliveries (and their edge cases) to review events."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.relay.helpers import NAMES, delivery
from tracker_git.relay.events import (
    BadPayload,
    ReviewEvent,
    decode,
    delivery_id,
    detect_forge,
    review_event,
)

EXPECTED = {
    "github-opened": ("github", "opened", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    "github-approved": ("github", "approved", "8f2b7a10-7764-11e9-9f6b-2f1a5d3c4b22"),
    "github-merged": ("github", "merged", "9a1c2f41-7764-11e9-8d3a-6a0d1b7c9e11"),
    "github-closed": ("github", "declined", "9a1c2f40-7764-11e9-8d3a-6a0d1b7c9e11"),
    "gitlab-opened": ("gitlab", "opened", "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"),
    "gitlab-approved": ("gitlab", "approved", "b1c9e7d4-3a2f-4c8e-9b1d-6e5f4a3c2b10"),
    "gitlab-merged": ("gitlab", "merged", "0a4f1e52-6c0e-4d57-9d0a-1f4c2b8e7a31"),
    "gitlab-closed": ("gitlab", "declined", "3e9b6c11-8f2a-4a5c-b7d4-52a0c1e6f8b9"),
    "bitbucket-cloud-opened": ("bitbucket-cloud", "opened", "1d8e3a5c-6b2f-4e7a-9c1d-0f4b8a2e6c31"),
    "bitbucket-cloud-approved": ("bitbucket-cloud", "approved", "2f6a9c1e-7b3d-4d5a-a8e2-6c0f1b9d3e45"),
    "bitbucket-cloud-merged": ("bitbucket-cloud", "merged", "5a7c2e9b-3d1f-4b6a-8e0c-9f2d4b6a8c13"),
    "bitbucket-cloud-declined": ("bitbucket-cloud", "declined", "8b3d1f6a-2c4e-4a9b-b7d0-1e5c3a7f9d24"),
    "bitbucket-dc-opened": ("bitbucket-dc", "opened", "2a3c9a21-4b43-4b8b-9a52-5a0f3b7e6c01"),
    "bitbucket-dc-approved": ("bitbucket-dc", "approved", "6e1d2b90-3c4a-4f7e-8b21-9d0c5a3e7f12"),
    "bitbucket-dc-merged": ("bitbucket-dc", "merged", "9f4b7c2e-1a6d-4e3b-a5c8-0d2e6f1b4a73"),
    "bitbucket-dc-declined": ("bitbucket-dc", "declined", "4c8e1a7d-5b2f-4a9c-9e3d-7f1b0c6a2d58"),
}  # fmt: skip


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def event_of(
    headers: dict[str, str], data: dict[str, object], queues: tuple[str, ...] = ()
) -> ReviewEvent | None:
    forge = detect_forge(headers)
    assert forge is not None
    return review_event(forge, headers, data, delivery_id(forge, headers, b"{}"), queues)


def test_every_stored_delivery_is_expected() -> None:
    assert sorted(EXPECTED) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_stored_delivery_becomes_its_event(name: str) -> None:
    body, headers = delivery(name)
    h = lower(headers)
    forge, kind, delivery_header = EXPECTED[name]
    assert detect_forge(h) == forge
    event = review_event(forge, h, decode(h, body), delivery_id(forge, h, body))
    assert event == ReviewEvent(
        forge=forge,
        kind=kind,
        keys=("PROJ-123",),
        delivery_id=f"{forge}:{delivery_header}",
        pr=event.pr if event else "",
    )
    assert event is not None and event.pr.startswith("http")


def test_only_allowed_queues_count() -> None:
    body, headers = delivery("github-merged")
    h = lower(headers)
    assert event_of(h, decode(h, body), ("DEMO",)) == ReviewEvent(
        "github",
        "merged",
        (),
        "github:9a1c2f41-7764-11e9-8d3a-6a0d1b7c9e11",
        event_of(h, decode(h, body)).pr,  # type: ignore[union-attr]
    )


def test_keys_from_title_description_and_branch_each_once_in_order() -> None:
    body, headers = delivery("github-opened")
    h = lower(headers)
    data = json.loads(body)
    data["pull_request"]["title"] = "Fix the login (UTF-8, SHA-256)"
    data["pull_request"]["body"] = "Also DEV-7 and OPS-2; not CVE-2024-1234 or ABC-12x"
    data["pull_request"]["head"]["ref"] = "dev-9-login"
    event = event_of(h, data)
    assert event is not None and event.keys == ("DEV-7", "OPS-2", "DEV-9")
    assert event_of(h, data, ("DEV",)).keys == ("DEV-7", "DEV-9")  # type: ignore[union-attr]


def test_github_null_body_and_deleted_fork() -> None:
    body, headers = delivery("github-merged")
    h = lower(headers)
    data = json.loads(body)
    data["pull_request"]["body"] = None
    data["pull_request"]["head"]["repo"] = None
    data["pull_request"]["title"] = "Update the README"
    event = event_of(h, data)
    assert event is not None and event.kind == "merged" and event.keys == ("PROJ-123",)


def test_github_review_comment_and_ping_are_not_events() -> None:
    body, headers = delivery("github-approved")
    h = lower(headers)
    data = json.loads(body)
    data["review"]["state"] = "commented"
    assert event_of(h, data) is None
    data["review"]["state"] = "changes_requested"
    assert event_of(h, data).kind == "changes_requested"  # type: ignore[union-attr]
    ping = {**h, "x-github-event": "ping"}
    assert event_of(ping, {"zen": "Keep it logically awesome.", "hook_id": 1}) is None


def test_github_ready_for_review_and_edits() -> None:
    body, headers = delivery("github-opened")
    h = lower(headers)
    data = json.loads(body)
    for action, kind in [("ready_for_review", "opened"), ("reopened", "opened"), ("edited", None)]:
        data["action"] = action
        event = event_of(h, data)
        assert (event.kind if event else None) == kind


def test_bitbucket_dc_without_description_and_project_key_trap() -> None:
    body, headers = delivery("bitbucket-dc-opened")
    h = lower(headers)
    data = json.loads(body)
    del data["pullRequest"]["description"]
    data["pullRequest"]["title"] = "a new file added"
    data["pullRequest"]["fromRef"]["displayId"] = "a-branch"
    # The project key PROJ is everywhere in the payload, but no issue key is anywhere read.
    assert "PROJ" in json.dumps(data)
    event = event_of(h, data)
    assert event is not None and event.kind == "opened" and event.keys == ()


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("pr:reviewer:needs_work", "changes_requested"),
        ("pr:reviewer:changes_requested", "changes_requested"),
        ("pr:deleted", "declined"),
        ("pr:reviewer:unapproved", None),
        ("pr:comment:added", None),
        ("diagnostics:ping", None),
    ],
)
def test_bitbucket_dc_event_keys(key: str, kind: str | None) -> None:
    body, headers = delivery("bitbucket-dc-approved")
    h = {**lower(headers), "x-event-key": key}
    data = json.loads(body)
    data["eventKey"] = key  # signed: the body says the event too
    event = event_of(h, data)
    assert (event.kind if event else None) == kind


def test_bitbucket_cloud_description_absent_reads_summary_raw() -> None:
    body, headers = delivery("bitbucket-cloud-opened")
    data = json.loads(body)
    pr = data["pullrequest"]
    pr.pop("description", None)
    pr["title"], pr["source"]["branch"]["name"] = "no key here", "a-branch"
    pr["summary"] = {"type": "rendered", "raw": "Fixes DEMO-7", "markup": "markdown"}
    event = event_of(lower(headers), data)
    assert event is not None and event.keys == ("DEMO-7",)


def test_bitbucket_cloud_change_request_and_push() -> None:
    body, headers = delivery("bitbucket-cloud-approved")
    h = lower(headers)
    requested = {**h, "x-event-key": "pullrequest:changes_request_created"}
    data = json.loads(body)
    data["changes_request"] = data.pop("approval")
    assert event_of(requested, data).kind == "changes_requested"  # type: ignore[union-attr]
    assert event_of({**h, "x-event-key": "repo:push"}, json.loads(body)) is None


def test_gitlab_approval_is_approved_too() -> None:
    """EE sends `approval` while more approvals are needed, `approved` once none are."""
    body, headers = delivery("gitlab-approved")
    h = lower(headers)
    data = json.loads(body)
    data["object_attributes"]["action"] = "approval"
    assert event_of(h, data).kind == "approved"  # type: ignore[union-attr]
    data["object_attributes"]["action"] = "unapproval"
    assert event_of(h, data) is None


def test_gitlab_request_changes_arrives_as_an_update() -> None:
    body, headers = delivery("gitlab-opened")
    h = lower(headers)
    data = json.loads(body)
    data["object_attributes"]["action"] = "update"
    assert event_of(h, data) is None  # an edit
    reviewer = {"id": 6, "username": "user1", "state": "unreviewed"}
    data["changes"] = {
        "reviewers": {
            "previous": [reviewer],
            "current": [{**reviewer, "state": "requested_changes"}],
        }
    }
    assert event_of(h, data).kind == "changes_requested"  # type: ignore[union-attr]
    # Already requested before: some other update, not a new request.
    data["changes"]["reviewers"]["previous"] = data["changes"]["reviewers"]["current"]
    assert event_of(h, data) is None


def test_gitlab_other_hooks_and_system_hooks() -> None:
    body, headers = delivery("gitlab-merged")
    h = lower(headers)
    assert event_of({**h, "x-gitlab-event": "Push Hook"}, {"object_kind": "push"}) is None
    system = {**h, "x-gitlab-event": "System Hook"}
    assert event_of(system, json.loads(body)).kind == "merged"  # type: ignore[union-attr]


def test_delivery_ids() -> None:
    _, headers = delivery("gitlab-merged")
    h = lower(headers)
    assert delivery_id("gitlab", h, b"") == "gitlab:0a4f1e52-6c0e-4d57-9d0a-1f4c2b8e7a31"
    del h["idempotency-key"]  # GitLab before 17.4
    assert delivery_id("gitlab", h, b"") == "gitlab:6d1d2f0e-2b4b-4b8e-8a51-3b7f2e9c5d10"
    # No id header at all: the same bytes are the same delivery.
    assert delivery_id("github", {}, b"x") == delivery_id("github", {}, b"x")
    assert delivery_id("github", {}, b"x") != delivery_id("github", {}, b"y")


def test_forge_detection_tells_the_bitbucket_variants_apart() -> None:
    assert detect_forge({"x-event-key": "pr:merged", "x-request-id": "1"}) == "bitbucket-dc"
    assert detect_forge({"x-event-key": "pullrequest:fulfilled", "x-request-uuid": "1"}) == (
        "bitbucket-cloud"
    )
    assert detect_forge({"x-event-key": "pr:merged"}) == "bitbucket-dc"
    # X-Hub-Signature alone says nothing: GitHub and both Bitbucket variants send it.
    assert detect_forge({"x-hub-signature": "sha256=00"}) is None


def test_github_form_encoded_payload() -> None:
    body, headers = delivery("github-merged")
    h = {**lower(headers), "content-type": "application/x-www-form-urlencoded"}
    form = urlencode({"payload": body.decode()}).encode()
    data = decode(h, form)
    assert event_of(h, data).kind == "merged"  # type: ignore[union-attr]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_broken_bodies(body: bytes) -> None:
    with pytest.raises(BadPayload):
        decode({"content-type": "application/json"}, body)
