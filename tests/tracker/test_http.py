"""tracker_git.http against the sandbox: Retry-After, backoff, which requests are retried, and
Tracker's error bodies turned into one line. `sleep` is passed in to see the waits asked for
(no clock is read)."""

from __future__ import annotations

import pytest

from testing.servers import SandboxHandle
from tracker_git.http import ApiError, RetryPolicy, new_session, parse_error, send

POLICY = RetryPolicy(attempts=4, backoff=0.5, cap=8.0)


def call(sb: SandboxHandle, method: str, path: str, waits: list[float], *, retry: bool) -> int:
    session = new_session(sb.url)
    session.headers.update(sb.headers)
    response = send(
        session, method, sb.url + path, what="test", timeout=10, retry=retry, policy=POLICY,
        json_body={"text": "x"} if method == "POST" else None, sleep=waits.append,
    )  # fmt: skip
    return response.status_code


def test_retry_after_is_honoured(sandbox: SandboxHandle) -> None:
    sandbox.inject(429, retry_after=3)
    waits: list[float] = []
    assert call(sandbox, "GET", "/v3/myself", waits, retry=True) == 200
    assert waits == [3.0]


def test_backoff_grows_and_is_jittered_within_bounds(sandbox: SandboxHandle) -> None:
    sandbox.inject(502, times=3)
    waits: list[float] = []
    assert call(sandbox, "GET", "/v3/myself", waits, retry=True) == 200
    assert len(waits) == 3
    for n, wait in enumerate(waits, start=1):
        assert 0 <= wait <= POLICY.backoff * 2 ** (n - 1)


def test_a_long_retry_after_is_not_waited_for(sandbox: SandboxHandle) -> None:
    sandbox.inject(429, retry_after=3600)
    waits: list[float] = []
    with pytest.raises(ApiError, match=r"rate-limiting us \(429\).*asks to wait 3600 s"):
        call(sandbox, "GET", "/v3/myself", waits, retry=True)
    assert waits == []


def test_a_post_is_not_retried_unless_asked(sandbox: SandboxHandle) -> None:
    sandbox.inject(500)
    waits: list[float] = []
    with pytest.raises(ApiError) as caught:
        call(sandbox, "POST", "/v3/issues/DEMO-1/comments", waits, retry=False)
    assert caught.value.status == 500
    assert waits == [] and len(sandbox.requests) == 1


def test_tracker_error_body_is_read_into_the_message(sandbox: SandboxHandle) -> None:
    waits: list[float] = []
    with pytest.raises(ApiError) as caught:
        call(sandbox, "POST", "/v3/issues/DEMO-1/remotelinks", waits, retry=False)
    assert caught.value.status == 422
    assert "relationship" in caught.value.errors
    assert "relationship: Expected one of" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "errors", "messages"),
    [
        ('{"errors": {"a": "b"}, "errorMessages": ["m"], "statusCode": 400}', {"a": "b"}, ("m",)),
        ('{"errorMessages": "not a list"}', {}, ()),
        ("<html>502 Bad Gateway</html>", {}, ()),
        ("[1, 2]", {}, ()),
    ],
)
def test_error_bodies_are_read_defensively(
    text: str, errors: dict[str, str], messages: tuple[str, ...]
) -> None:
    assert parse_error(text) == (errors, messages)
