"""Online key checks for the hooks: does Tracker know these issues?

The order matters for speed (SPEC Hooks): the cache is read first, and a warm cache costs one
JSON read; only keys without a fresh answer reach the keyring and the network, each under its
own hard time limit (`[hooks] timeout`, 2 s by default). When Tracker cannot be asked (no
token, a locked or hung keyring, no network, an error answer) the hook warns once and lets the
commit through, or, with `[hooks] strict = true`, blocks it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote, urlsplit

from tracker_git import cache
from tracker_git.core import output
from tracker_git.core.config import Config
from tracker_git.core.errors import CheckFailed, OperationFailed

T = TypeVar("T")
LOOPBACK = ("127.0.0.1", "::1", "localhost")

# Per process, per scope: why Tracker could not be asked. A hook that checks several commits
# waits out the time limit once and warns once, not once per commit.
_down: dict[str, str] = {}


class Unreachable(Exception):
    """Tracker could not give an answer; the message says why (never contains the token)."""


def scope(config: Config) -> str:
    """Whose issues: the API host and organization (issue keys are unique only inside one)."""
    api = urlsplit(config.text("tracker", "api_url").strip()).netloc.lower()
    org = config.text("tracker", "org_id") or config.text("tracker", "cloud_org_id")
    return f"{api}/{org}"


def verify_keys(keys: list[str], config: Config) -> list[str]:
    """The keys (of `keys`, in order) that Tracker says do not exist. Keys it could not be
    asked about count as existing, after a warning; with `[hooks] strict` that raises
    CheckFailed instead."""
    wanted = list(dict.fromkeys(key.upper() for key in keys))
    where = scope(config)
    answers = cache.lookup(where, wanted)
    unknown = [key for key in wanted if key not in answers]
    if unknown:
        try:
            if where in _down:
                raise Unreachable(_down[where])
            fetched = _ask_tracker(unknown, config)
        except Unreachable as exc:
            _unreachable(where, str(exc), config)
            return [key for key in wanted if answers.get(key) is False]
        cache.record(where, fetched)
        answers.update(fetched)
    return [key for key in wanted if answers.get(key) is False]


def _unreachable(where: str, reason: str, config: Config) -> None:
    first = where not in _down
    _down[where] = reason
    if config.flag("hooks", "strict"):
        raise CheckFailed(
            f"cannot check issue keys with Tracker: {reason}; [hooks] strict = true blocks "
            "until it answers (or skip this once with TRACKER_GIT_SKIP=1)"
        )
    if first:
        output.warn(
            f"cannot check issue keys with Tracker: {reason}; going ahead without the check "
            "(set [hooks] strict = true to block instead)"
        )


def _ask_tracker(keys: list[str], config: Config) -> dict[str, bool]:
    from tracker_git import secrets

    limit = config.number("hooks", "timeout")
    try:
        token = secrets.tracker_token(config, timeout=limit)
    except OperationFailed as exc:
        raise Unreachable(str(exc)) from None
    api = config.text("tracker", "api_url").rstrip("/")
    _refuse_plain_http(api)
    version = config.text("tracker", "api_version")
    headers = _headers(config, token)

    def fetch() -> dict[str, bool]:
        import requests

        found: dict[str, bool] = {}
        with requests.Session() as session:
            session.trust_env = False  # no netrc/proxy surprises in a hook; NO_PROXY is moot
            for key in keys:
                url = f"{api}/{version}/issues/{quote(key, safe='')}"
                response = session.get(url, headers=headers, timeout=limit, allow_redirects=False)
                if response.status_code == 200:
                    found[key] = True
                elif response.status_code == 404:
                    found[key] = False
                else:
                    raise Unreachable(_status_reason(response.status_code, api))
        return found

    return _within(fetch, limit, api)


def _within(job: Callable[[], T], limit: float, api: str) -> T:
    """`job` in a daemon thread with a hard time limit: requests' timeout is per socket
    operation, so a server trickling bytes could otherwise hold a commit for long."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = job()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="tracker-git-online", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise Unreachable(f"{api} did not answer within {limit:g} s")
    error = box.get("error")
    if isinstance(error, Unreachable):
        raise error
    if error is not None:
        # A connection error's text can be long and carries no secret; keep its first line.
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Unreachable(f"{api} cannot be reached ({type(error).__name__}: {detail[:200]})")
    return box["value"]  # type: ignore[return-value]


def _status_reason(status: int, api: str) -> str:
    if status == 401:
        return f"{api} refused the token (401); run 'git tracker login' again"
    if status == 403:
        return (
            f"{api} refused access (403): check the organization ([tracker] org_id or "
            "cloud_org_id) and your rights"
        )
    return f"{api} answered {status}"


def _headers(config: Config, token: str) -> dict[str, str]:
    kind = "Bearer" if config.text("tracker", "token_kind") == "iam" else "OAuth"
    headers = {"Authorization": f"{kind} {token}", "Accept": "application/json"}
    org, cloud = config.text("tracker", "org_id"), config.text("tracker", "cloud_org_id")
    if org:
        headers["X-Org-ID"] = org
    elif cloud:
        headers["X-Cloud-Org-ID"] = cloud
    return headers


def _refuse_plain_http(api: str) -> None:
    parts = urlsplit(api)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and (parts.hostname or "") in LOOPBACK:
        return
    raise Unreachable(
        f"{api} is not an https:// address (plain http only for 127.0.0.1 / localhost); "
        "the token is not sent there"
    )
