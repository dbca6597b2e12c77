"""Fault and latency injection, programmatic and through the control endpoint, and the
request log endpoint."""

from __future__ import annotations

import pytest
import requests

from testing.servers import SandboxHandle


def test_next_n_requests_answer_500(sandbox: SandboxHandle) -> None:
    sandbox.inject(500, times=2)
    codes = [sandbox.call("GET", "/v3/myself").status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    failed = sandbox.requests[0]
    assert failed["status"] == 500


def test_an_outage_can_start_midway(sandbox: SandboxHandle) -> None:
    """`after=N`: N matching requests pass, then the fault answers the next `times`."""
    sandbox.inject(503, times=2, after=2, method="GET")
    codes = [sandbox.call("GET", "/v3/myself").status_code for _ in range(5)]
    assert codes == [200, 200, 503, 503, 200]


def test_429_carries_retry_after(sandbox: SandboxHandle) -> None:
    sandbox.inject(429, retry_after=3)
    r = sandbox.call("GET", "/v3/issues/DEMO-1")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"
    assert r.json()["statusCode"] == 429
    assert sandbox.call("GET", "/v3/issues/DEMO-1").status_code == 200


def test_dropped_connection(sandbox: SandboxHandle) -> None:
    sandbox.inject("drop")
    with pytest.raises(requests.ConnectionError):
        sandbox.call("POST", "/v3/issues/DEMO-1/comments", json={"text": "lost"})
    assert sandbox.state.comments("DEMO-1") == []  # dropped before it was handled
    assert sandbox.requests[-1]["status"] is None
    assert sandbox.call("GET", "/v3/myself").status_code == 200


def test_faults_can_target_a_path_and_method(sandbox: SandboxHandle) -> None:
    sandbox.inject(503, path="/comments", method="POST")
    assert sandbox.call("GET", "/v3/issues/DEMO-1/comments").status_code == 200
    assert sandbox.call("GET", "/v3/myself").status_code == 200
    assert sandbox.call("POST", "/v3/issues/DEMO-1/comments", json={"text": "x"}).status_code == 503
    assert sandbox.call("POST", "/v3/issues/DEMO-1/comments", json={"text": "x"}).status_code == 201


def test_faults_come_before_credentials(sandbox: SandboxHandle) -> None:
    sandbox.inject(502)
    assert requests.get(f"{sandbox.url}/v3/myself", timeout=5).status_code == 502


def test_control_endpoint(sandbox: SandboxHandle) -> None:
    control = f"{sandbox.url}/_sandbox/faults"
    r = requests.post(control, json={"fault": 500, "times": 1, "latency_ms": 5}, timeout=5)
    assert r.status_code == 200
    assert r.json()["latency_ms"] == 5
    assert r.json()["pending"][0]["fault"] == 500
    assert sandbox.call("GET", "/v3/myself").status_code == 500
    assert sandbox.call("GET", "/v3/myself").status_code == 200  # still slowed, but answering
    assert requests.post(control, json={"fault": "drop"}, timeout=5).status_code == 200
    assert requests.delete(control, timeout=5).status_code == 204
    assert requests.get(control, timeout=5).json() == {"latency_ms": 0.0, "pending": []}
    assert requests.post(control, json={"fault": 200}, timeout=5).status_code == 400
    assert requests.post(control, json={"fault": "explode"}, timeout=5).status_code == 400
    assert requests.post(control, json={"when": "now"}, timeout=5).status_code == 400


def test_programmatic_latency_setting(sandbox: SandboxHandle) -> None:
    sandbox.inject(latency_ms=50)
    assert sandbox.server.faults.latency == 0.05
    assert sandbox.call("GET", "/v3/myself").status_code == 200
    sandbox.clear_faults()
    assert sandbox.server.faults.latency == 0


def test_request_log_endpoint(sandbox: SandboxHandle) -> None:
    sandbox.call("PATCH", "/v2/issues/DEMO-1?version=1", json={"summary": "logged"})
    log = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("PATCH", "/v2/issues/DEMO-1?version=1", 200)
    ]
    assert log[0]["body"] == {"summary": "logged"}
    assert log[0]["headers"]["X-Org-ID"] == "sandbox-org"
    assert all(k.lower() != "authorization" for k in log[0]["headers"])
    assert requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=5).status_code == 204
    assert sandbox.requests == []


def test_state_endpoint(sandbox: SandboxHandle) -> None:
    sandbox.call("PATCH", "/v3/issues/DEMO-1", json={"summary": "seen"})
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()
    assert state["issues"]["DEMO-1"]["summary"] == "seen"


def test_seed_and_reset_through_the_control_api(sandbox: SandboxHandle) -> None:
    seeded = requests.post(
        f"{sandbox.url}/_sandbox/issues",
        json={"summary": "seeded", "status": "inReview"},
        timeout=5,
    )
    assert seeded.status_code == 201
    key = seeded.json()["key"]
    issue = sandbox.call("GET", f"/v3/issues/{key}").json()
    assert (issue["summary"], issue["status"]["key"]) == ("seeded", "inReview")
    bad = requests.post(
        f"{sandbox.url}/_sandbox/issues", json={"summary": "x", "status": "nope"}, timeout=5
    )
    assert bad.status_code == 400
    assert requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5).status_code == 204
    assert sandbox.call("GET", f"/v3/issues/{key}").status_code == 404
    assert sandbox.call("GET", "/v3/issues/DEMO-1").json()["summary"] == "Sign in with SSO"
