"""Queue triggers over Tracker's API (tracker-api.md §2.11): list, create, change, delete.

Kept apart from client.py: it borrows the client's `requests` session and base URL, and maps
the answers that matter for triggers (403: not a queue administrator, 409/412: someone else
changed the trigger) to one-line errors. Nothing here retries a POST: a create that timed out
may have happened, and the next `notify apply` finds it by name instead of making a second.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from tracker_git.core.errors import ConfigError, OperationFailed

if TYPE_CHECKING:
    import requests

    from tracker_git.core.config import Config


class Triggers:
    """`base` is the API root with its version, e.g. https://api.tracker.yandex.net/v3; the
    session carries the Authorization and organization headers."""

    def __init__(self, session: requests.Session, base: str, timeout: float = 10.0) -> None:
        self.session = session
        self.base = base.rstrip("/")
        self.timeout = timeout

    def _url(self, queue: str, trigger_id: int | None = None) -> str:
        url = f"{self.base}/queues/{quote(queue, safe='')}/triggers"
        return url if trigger_id is None else f"{url}/{trigger_id}"

    def _call(
        self,
        method: str,
        url: str,
        what: str,
        *,
        body: Mapping[str, object] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        import requests

        try:
            response = self.session.request(
                method, url, json=body, params=params, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise OperationFailed(
                f"cannot {what}: Tracker did not answer ({type(exc).__name__}); "
                "check the network and tracker.api_url, then run it again"
            ) from None
        if response.status_code >= 400:
            raise OperationFailed(f"cannot {what}: {explain(response.status_code, response.text)}")
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise OperationFailed(
                f"cannot {what}: Tracker answered something that is not JSON"
            ) from None

    def list(self, queue: str) -> list[dict[str, Any]]:
        found = self._call("GET", self._url(queue), f"read the triggers of queue {queue}")
        if not isinstance(found, list):
            raise OperationFailed(f"cannot read the triggers of queue {queue}: not a list")
        return [t for t in found if isinstance(t, dict)]

    def create(self, queue: str, body: Mapping[str, object]) -> dict[str, Any]:
        made = self._call("POST", self._url(queue), f"create a trigger in {queue}", body=body)
        return made if isinstance(made, dict) else {}

    def update(
        self, queue: str, trigger_id: int, version: int, body: Mapping[str, object]
    ) -> dict[str, Any]:
        what = f"change trigger {trigger_id} in {queue}"
        url = self._url(queue, trigger_id)
        changed = self._call("PATCH", url, what, body=body, params={"version": str(version)})
        return changed if isinstance(changed, dict) else {}

    def delete(self, queue: str, trigger_id: int) -> None:
        self._call(
            "DELETE", self._url(queue, trigger_id), f"delete trigger {trigger_id} in {queue}"
        )


def explain(status: int, text: str) -> str:
    """Why, and what to do, for an error answer; Tracker's own messages are added."""
    detail = _details(text)
    said = f" ({detail})" if detail else ""
    if status == 401:
        return f"Tracker did not accept the token (401){said}; run 'git tracker login' again"
    if status == 403:
        return (
            f"no permission (403){said}: managing triggers needs queue administrator rights; "
            "ask the queue's owner"
        )
    if status == 404:
        return f"not found (404){said}: check the queue key (it is case-sensitive) and the organization"
    if status in (409, 412):
        return (
            f"the trigger was changed by someone else meanwhile ({status}){said}; "
            "run 'git tracker notify plan' to see it now, then apply again"
        )
    if status == 422:
        return f"Tracker rejected the trigger (422){said}"
    if status == 429 or status >= 500:
        return f"Tracker is busy or failing ({status}){said}; try again in a minute"
    return f"Tracker answered {status}{said}"


def _details(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    messages = [str(m) for m in data.get("errorMessages") or []]
    errors = data.get("errors") or {}
    if isinstance(errors, dict):
        messages += [f"{k}: {v}" for k, v in errors.items()]
    return "; ".join(messages)[:300]


def connect(cfg: Config) -> Triggers:
    """Triggers over a session with the token and organization headers of `cfg`.

    A stopgap until tracker_git.tracker.client lands: the same headers it sends (SPEC, §1.2-1.3)."""
    import requests

    from tracker_git import secrets

    api_url = cfg.text("tracker", "api_url").rstrip("/")
    parts = urlsplit(api_url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(
            f"tracker.api_url {api_url!r} must be https:// (plain http only for 127.0.0.1), "
            "so the token never travels in clear"
        )
    token = secrets.tracker_token(cfg)
    kind = "Bearer" if cfg.text("tracker", "token_kind") == "iam" else "OAuth"
    session = requests.Session()
    session.trust_env = loopback is False  # no proxy between us and a local sandbox
    session.headers["Authorization"] = f"{kind} {token}"
    if cfg.text("tracker", "cloud_org_id"):
        session.headers["X-Cloud-Org-ID"] = cfg.text("tracker", "cloud_org_id")
    else:
        session.headers["X-Org-ID"] = cfg.text("tracker", "org_id")
    base = f"{api_url}/{cfg.text('tracker', 'api_version')}"
    return Triggers(session, base, timeout=cfg.number("tracker", "timeout"))
