"""Bitbucket Cloud signs the body, not X-Event-Key (issue 26, item 4): a captured signed body
sent again under another event header moves nothing. Every verified body is remembered,
ignored ones too (an "updated" sent again as "created" is a duplicate); where the body tells
the event (a comment, an approval or change request, the pull request's state) a header
naming another is refused and counted, whether the relay handles that event or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.relay.helpers import Relay, edited


def _send(relay: Relay, body: bytes, headers: dict[str, str], event: str) -> tuple[int, Any]:
    answer = relay.post(body, headers={**headers, "X-Event-Key": f"pullrequest:{event}"})
    return answer.status_code, answer.json()


def _retitled(data: dict[str, Any]) -> None:
    data["pullrequest"]["title"] = "PROJ-123 A new title"  # an edit: pullrequest:updated


def _commented(data: dict[str, Any]) -> None:
    data["comment"] = {"id": 17, "content": {"raw": "Looks fine"}, "user": data["actor"]}


def _change_request(data: dict[str, Any]) -> None:
    data["changes_request"] = data.pop("approval")


@pytest.mark.parametrize(
    ("name", "edit", "seen", "replayed"),
    [
        ("bitbucket-cloud-opened", _retitled, "updated", "created"),
        ("bitbucket-cloud-approved", _change_request, "changes_request_removed",
         "changes_request_created"),
        ("bitbucket-cloud-approved", lambda data: None, "unapproved", "approved"),
    ],
)  # fmt: skip
def test_an_ignored_body_under_a_handled_header_is_a_duplicate(
    relay: Relay, name: str, edit: Callable[[dict[str, Any]], None], seen: str, replayed: str
) -> None:
    body, headers = edited(name, edit)
    status, answer = _send(relay, body, headers, seen)
    assert (status, answer["result"]) == (200, "ignored"), answer
    # The same signed bytes under a fresh request id and the header of a handled event.
    _, fresh = edited(name, edit)
    status, answer = _send(relay, body, fresh, replayed)
    assert (status, answer["result"]) == (200, "duplicate"), answer
    assert relay.app.queue.tasks() == []
    assert relay.metrics()["duplicate_total"] == 1


@pytest.mark.parametrize(
    ("name", "edit", "header"),
    [
        ("bitbucket-cloud-opened", _commented, "created"),  # a comment's body as "created"
        ("bitbucket-cloud-opened", _commented, "updated"),  # ... or as an ignored event
        ("bitbucket-cloud-approved", lambda data: None, "created"),
        ("bitbucket-cloud-approved", _change_request, "approved"),
        ("bitbucket-cloud-merged", lambda data: None, "approved"),
        ("bitbucket-cloud-merged", lambda data: None, "created"),
        ("bitbucket-cloud-declined", lambda data: None, "fulfilled"),
        ("bitbucket-cloud-opened", lambda data: None, "unapproved"),
    ],
)
def test_a_body_that_fits_no_event_the_header_names_is_refused(
    relay: Relay, name: str, edit: Callable[[dict[str, Any]], None], header: str
) -> None:
    body, headers = edited(name, edit)
    status, answer = _send(relay, body, headers, header)
    assert status == 400, answer
    assert "disagrees with the signed body" in answer["error"]
    assert relay.app.queue.tasks() == []
    assert relay.metrics()["rejected_total"] == 1


@pytest.mark.parametrize(
    ("name", "edit", "header", "kind"),
    [
        ("bitbucket-cloud-opened", lambda data: None, "created", "opened"),
        ("bitbucket-cloud-approved", lambda data: None, "approved", "approved"),
        ("bitbucket-cloud-approved", _change_request, "changes_request_created",
         "changes_requested"),
        ("bitbucket-cloud-merged", lambda data: None, "fulfilled", "merged"),
        ("bitbucket-cloud-declined", lambda data: None, "rejected", "declined"),
    ],
)  # fmt: skip
def test_bodies_under_their_own_header_are_applied(
    relay: Relay, name: str, edit: Callable[[dict[str, Any]], None], header: str, kind: str
) -> None:
    body, headers = edited(name, edit)
    status, answer = _send(relay, body, headers, header)
    assert status in (200, 202), answer
    assert answer.get("event") == kind


def test_a_comment_under_its_own_header_is_ignored(relay: Relay) -> None:
    body, headers = edited("bitbucket-cloud-opened", _commented)
    status, answer = _send(relay, body, headers, "comment_created")
    assert (status, answer["result"]) == (200, "ignored")
