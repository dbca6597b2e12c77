"""Fidelity: the official `yandex_tracker_client`, which nobody here wrote, works against the
sandbox unchanged (only `base_url` differs). It speaks /v2, sends `X-Org-Id`, `If-Match` on
updates and follows `self` URLs and `Link` headers, so it checks our shapes independently."""

from __future__ import annotations

from typing import Any

import pytest

from testing.servers import SandboxHandle
from tracker_git.sandbox import STAND_FIELD_ID

yandex_tracker_client = pytest.importorskip("yandex_tracker_client")


def _client(sandbox: SandboxHandle, **options: Any) -> Any:
    return yandex_tracker_client.TrackerClient(
        token=sandbox.token, org_id=sandbox.org_id, base_url=sandbox.url, retries=0, **options
    )


def test_read_transition_patch_and_comment(sandbox: SandboxHandle) -> None:
    client = _client(sandbox)
    issue = client.issues["DEMO-3"]
    assert (issue.key, issue.summary, issue.status.key) == (
        "DEMO-3",
        "Speed up the search page",
        "inReview",
    )
    assert getattr(issue, STAND_FIELD_ID) == "https://stand-3.example.com"

    assert {t.id: t.to.key for t in issue.transitions.get_all()} == {
        "ready_for_test": "readyForTest",
        "needs_rework": "needsRework",
    }
    issue.transitions["ready_for_test"].execute(comment="Reviewed")
    issue = client.issues["DEMO-3"]
    assert issue.status.key == "readyForTest"
    assert issue.previousStatus.key == "inReview"

    issue.update(**{STAND_FIELD_ID: "https://stand-33.example.com"}, summary="Faster search")
    again = client.issues["DEMO-3"]
    assert getattr(again, STAND_FIELD_ID) == "https://stand-33.example.com"
    assert again.summary == "Faster search"

    issue.comments.create(text="Тестирование на стенде")
    assert [c.text for c in issue.comments.get_all()] == ["Reviewed", "Тестирование на стенде"]


def test_close_without_resolution_is_unprocessable(sandbox: SandboxHandle) -> None:
    client = _client(sandbox)
    issue = client.issues["DEMO-4"]
    with pytest.raises(yandex_tracker_client.exceptions.UnprocessableEntity) as caught:
        issue.transitions["close"].execute()
    assert caught.value.errors == {"resolution": "Required field"}
    issue.transitions["close"].execute(resolution="fixed")
    closed = client.issues["DEMO-4"]
    assert (closed.status.key, closed.resolution.key) == ("closed", "fixed")


def test_stale_update_is_a_failed_precondition(sandbox: SandboxHandle) -> None:
    """The official client sends If-Match: a stale one is 412, which it knows as such."""
    client = _client(sandbox)
    issue = client.issues["DEMO-1"]
    sandbox.call("PATCH", "/v3/issues/DEMO-1", json={"summary": "changed behind its back"})
    with pytest.raises(yandex_tracker_client.exceptions.PreconditionFailed):
        issue.update(summary="stale")


def test_errors_map_to_the_clients_exceptions(sandbox: SandboxHandle) -> None:
    with pytest.raises(yandex_tracker_client.exceptions.NotFound):
        _ = _client(sandbox).issues["DEMO-404"].summary
    with pytest.raises(yandex_tracker_client.exceptions.Forbidden):
        _ = yandex_tracker_client.TrackerClient(
            token=sandbox.token, org_id="other", base_url=sandbox.url, retries=0
        ).myself.login
    bad_token = yandex_tracker_client.TrackerClient(
        token="wrong", org_id=sandbox.org_id, base_url=sandbox.url, retries=0
    )
    with pytest.raises(yandex_tracker_client.exceptions.TrackerServerError) as caught:
        _ = bad_token.myself.login
    assert caught.value.status_code == 401


def test_search_paginates_through_link_headers(sandbox: SandboxHandle) -> None:
    found = _client(sandbox).issues.find(queue="DEMO", per_page=2)
    assert len(found) == 5
    assert [i.key for i in found] == [f"DEMO-{n}" for n in range(1, 6)]


def test_create_myself_queue_and_cloud_org(sandbox: SandboxHandle) -> None:
    client = _client(sandbox)
    created = client.issues.create(queue="DEMO", summary="from the official client")
    assert created.key == "DEMO-6"
    assert client.myself.login == "sandbox.user"
    assert [f.id for f in client.queues["DEMO"].local_fields] == [STAND_FIELD_ID]
    cloud = yandex_tracker_client.TrackerClient(
        iam_token=sandbox.token, cloud_org_id=sandbox.org_id, base_url=sandbox.url, retries=0
    )
    assert cloud.issues["DEMO-6"].summary == "from the official client"


def test_retries_through_injected_server_errors(sandbox: SandboxHandle) -> None:
    sandbox.inject(500, times=2)
    client = yandex_tracker_client.TrackerClient(
        token=sandbox.token, org_id=sandbox.org_id, base_url=sandbox.url, retries=2
    )
    assert client.issues["DEMO-1"].key == "DEMO-1"
    assert [e["status"] for e in sandbox.requests if e["path"] == "/v2/issues/DEMO-1"] == [
        500,
        500,
        200,
    ]


def test_search_refuses_two_selectors_at_once(sandbox: SandboxHandle) -> None:
    """Tracker answers 400 for keys with a queue or a query; it never picks one silently."""
    client = _client(sandbox)
    for selectors in ({"keys": ["DEMO-1"], "queue": "DEMO"}, {"keys": ["DEMO-1"], "query": "Queue: DEMO"},
                      {"queue": "DEMO", "query": "Queue: DEMO"}):  # fmt: skip
        with pytest.raises(yandex_tracker_client.exceptions.BadRequest) as caught:
            client.issues.find(**selectors)
        assert caught.value.error_messages == ["You can only use keys, a queue, or a search query"]
    assert [i.key for i in client.issues.find(keys=["DEMO-2", "DEMO-1"])] == ["DEMO-1", "DEMO-2"]


def test_changelog_holds_what_happened(sandbox: SandboxHandle) -> None:
    client = _client(sandbox)
    issue = client.issues["DEMO-3"]
    assert list(issue.changelog) == []
    issue.update(summary="Faster search")
    issue.transitions["ready_for_test"].execute()
    issue.comments.create(text="done")
    entries = list(client.issues["DEMO-3"].changelog.get_all(perPage=1))
    assert [e.type for e in entries] == ["IssueUpdated", "IssueUpdated", "IssueCommentAdded"]
    summary = entries[0].fields[0]
    assert (summary["field"].id, summary["from"], summary["to"]) == (
        "summary", "Speed up the search page", "Faster search",
    )  # fmt: skip
    status = next(f for f in entries[1].fields if f["field"].id == "status")
    assert (status["from"].key, status["to"].key) == ("inReview", "readyForTest")
    assert entries[0].updatedBy.login == "sandbox.user" and entries[0].issue.key == "DEMO-3"


def test_links_between_issues_seen_from_both_ends(sandbox: SandboxHandle) -> None:
    client = _client(sandbox)
    link = client.issues["DEMO-1"].links.create(issue="DEMO-2", relationship="depends on")
    assert (link.direction, link.type.id, link.object.key) == ("outward", "depends", "DEMO-2")
    (back,) = list(client.issues["DEMO-2"].links)
    assert (back.direction, back.type.inward, back.object.key) == (
        "inward",
        "is dependent by",
        "DEMO-1",
    )
    with pytest.raises(yandex_tracker_client.exceptions.UnprocessableEntity):
        client.issues["DEMO-1"].links.create(issue="DEMO-2", relationship="loves")
    with pytest.raises(yandex_tracker_client.exceptions.NotFound):
        client.issues["DEMO-1"].links.create(issue="DEMO-404", relationship="relates")
    back.delete()
    assert list(client.issues["DEMO-1"].links) == []


def test_every_call_tracker_git_makes(sandbox: SandboxHandle) -> None:
    """The official client makes, against the sandbox, each request tracker_git.tracker sends
    (client.py and triggers.py), so the sandbox answers them as Tracker does for a client
    nobody here wrote."""
    client = _client(sandbox)
    assert client.myself.login == "sandbox.user"  # GET /myself
    issue = client.issues["DEMO-2"]  # GET /issues/<key>
    # POST /issues/_search {"keys": [...]} ?perPage=
    found = client.issues.find(keys=["DEMO-1", "DEMO-2", "DEMO-404"], per_page=3)
    assert sorted(i.key for i in found) == ["DEMO-1", "DEMO-2"]
    assert [t.id for t in issue.transitions.get_all()]  # GET …/transitions
    assert [f.id for f in client.queues["DEMO"].local_fields] == [STAND_FIELD_ID]  # localFields
    assert client.fields["summary"].id == "summary"  # GET /fields/<id>
    assert "fixed" in [r.key for r in client.resolutions.get_all()]  # GET /resolutions
    # POST …/comments?isAddToFollowers=false, then GET …/comments?perPage=&id= (cursor pages)
    issue.comments.create(text="one", params={"isAddToFollowers": "false"})
    issue.comments.create(text="two", params={"isAddToFollowers": "false"})
    assert [c.text for c in issue.comments.get_all(perPage=1)] == ["one", "two"]
    assert "sandbox.user" not in [f.login for f in client.issues["DEMO-2"].followers or []]
    # PATCH /issues/<key> with the version (If-Match here, ?version= from us)
    client.issues["DEMO-2"].update(summary="Renamed")
    # POST …/transitions/<id>/_execute with a comment and fields
    moved = client.issues["DEMO-2"]
    first = moved.transitions.get_all()[0]
    first.execute(comment="moving", summary="Renamed again")
    again = client.issues["DEMO-2"]
    assert (again.summary, again.status.key) == ("Renamed again", first.to.key)
    # Triggers: GET, POST, PATCH (with the version), DELETE /queues/<q>/triggers[/<id>]
    triggers = client.queues["DEMO"].collection.triggers
    hook = {"type": "Webhook", "endpoint": "https://example.com/x", "method": "POST",
            "contentType": "application/json", "body": "{}", "authContext": {"type": "noauth"}}  # fmt: skip
    made = triggers.create(
        name="[tracker-git] x", actions=[hook], conditions=[{"type": "Event.create"}]
    )
    made.update(name="[tracker-git] y", active=False)
    assert [(t.name, t.active) for t in triggers] == [("[tracker-git] y", False)]
    made.delete()
    assert list(triggers) == []


def test_versions_and_fix_versions(sandbox: SandboxHandle) -> None:
    """The official client's `versions` collection creates and reads a version; its reference
    in an issue's fixVersions resolves through `self`."""
    client = _client(sandbox)
    made = client.versions.create(queue="DEMO", name="2.4.0", description="Spring release")
    assert (made.name, made.queue.key, made.released) == ("2.4.0", "DEMO", False)
    assert client.versions[made.id].name == "2.4.0"
    assert [v.name for v in client.queues["DEMO"].versions] == ["2.4.0"]
    issue = client.issues["DEMO-1"]
    issue.update(fixVersions={"add": [made.id]})
    again = client.issues["DEMO-1"]
    assert [v.name for v in again.fixVersions] == ["2.4.0"]
