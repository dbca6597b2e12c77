"""The request and response shapes the sandbox's handlers see, and Tracker's error body.

Tracker answers errors as `{"errors": {<field>: <message>}, "errorMessages": [...],
"statusCode": <code>}` (what the official client parses; docs/design/tracker-api.md "Errors")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker_git.fakes.server import Answer

JSON = Any


@dataclass
class Request:
    method: str
    path: str  # without the query, without the /v2|/v3 prefix, no trailing slash
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: JSON
    version: str  # "v2" or "v3"
    base: str  # "http://127.0.0.1:PORT/v3": what `self` URLs start with
    root: str  # "http://127.0.0.1:PORT"

    def url(self, *parts: object) -> str:
        return "/".join([self.base, *(str(p) for p in parts)])


Response = Answer  # status, JSON body, headers: the fakes' answer (tracker_git.fakes.server)


class ApiError(Exception):
    """Raised by a handler; becomes Tracker's error body with this status."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        errors: dict[str, str] | None = None,
        *,
        code: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or str(errors))
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.code = code
        self.headers = headers or {}

    def response(self) -> Response:
        return error_response(
            self.status, self.message, self.errors, code=self.code, headers=self.headers
        )


def error_response(
    status: int,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    *,
    code: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, JSON] = {
        "errors": errors or {},
        "errorMessages": [message] if message else [],
        "statusCode": status,
    }
    if code is not None:
        body["errorCode"] = code
    return Response(status, body, dict(headers or {}))


def obj(body: JSON) -> dict[str, JSON]:
    """The request body as an object, or 400 the way Tracker rejects a non-object."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body
