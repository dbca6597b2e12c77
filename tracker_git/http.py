"""HTTP for Tracker, the forges and the messengers: one session factory (`new_session`), one
retry policy (`attempt`), one redirect and paging rule (`exchange`, `Pages`); and Tracker's
error answers turned into one line (each service words its own errors).

Why not the official client (docs/design/tracker-api.md "The official client"): it retries every POST (duplicating comments),
without delay by default, ignores Retry-After, and knows only API v2.

Policy here:
- plain http:// only to a loopback host, so a token never crosses a network in clear;
- 429 and 5xx and lost connections are retried with exponential backoff and full jitter,
  Retry-After honoured, but only for requests that are safe to repeat (GET, and what the
  caller marks `retry=True` after making it safe); a POST is left to the caller, who re-reads
  the state to see whether it took effect before sending it again;
- the token sits only in the session's headers: it is never part of a message raised here;
- redirects and next pages stay on the origin of the first request (`exchange`, `Pages`), for
  Tracker and the forges alike: a page or a redirect naming another host ends with an error,
  and a page seen twice ends the listing instead of looping.

`requests` is imported inside functions: the hooks import this module's neighbours offline.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from tracker_git.core.errors import ConfigError, OperationFailed
from tracker_git.core.loopback import is_loopback, origin, secure_enough, server

if TYPE_CHECKING:
    import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The longest single wait we accept from Retry-After; beyond it we give up and say when to retry.
MAX_RETRY_AFTER = 30.0

# Words why a request failed and what to do, from (status, errors, messages, what was said).
Explain = Callable[[int, Mapping[str, str], tuple[str, ...], str], str]


class ApiError(OperationFailed):
    """Tracker answered with an error status. `status` lets callers (the relay) tell permanent
    failures (most 4xx) from passing ones; `errors`/`messages` are Tracker's own words."""

    def __init__(
        self,
        message: str,
        status: int,
        errors: Mapping[str, str] | None = None,
        messages: tuple[str, ...] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = dict(errors or {})
        self.messages = messages
        self.retry_after = retry_after  # seconds Tracker asked to wait (429/503), if it said


class NetworkError(OperationFailed):
    """No answer: refused, reset, timed out. Worth another try later (the relay does)."""

    status = None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # in all, the first one included
    backoff: float = 0.5  # seconds; doubles per attempt
    cap: float = 8.0  # the longest backoff between two attempts

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds before attempt number `attempt + 1` ("full jitter": uniform in [0, d])."""
        return rng() * min(self.cap, self.backoff * 2.0 ** (attempt - 1))


TRACKER_API = "https://api.tracker.yandex.net"


def check_api_url(
    api_url: str,
    what: str = "tracker.api_url",
    *,
    example: str = TRACKER_API,
    token: str = "TRACKER_TOKEN or the keyring",
) -> str:
    """`api_url` without a trailing slash; ConfigError unless an https address, or http to
    loopback, with no credentials in it: the one check of an API address, for Tracker and
    the forges. `what` names where the address came from, `example` is a right one, `token`
    says where a token goes instead. Messages never show credentials."""
    url = api_url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # a fullwidth slash and the like: Python refuses, so do we, in one line
        raise ConfigError(
            f"{what} {ascii(url)[:120]} is not an address (it holds characters no URL may); "
            f"set it to {example}"
        ) from None
    shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    if parts.scheme not in ("http", "https") or not hostname:
        raise ConfigError(f"{what} {shown!r} is not an http(s) address; set it to {example}")
    if "@" in parts.netloc:
        raise ConfigError(f"{what} must not carry credentials; use {token}")
    if _ambiguous(url) or library_origin(url) != origin(url):
        # Trust and the same-origin rule read the address as the HTTP library sends it.
        raise ConfigError(
            f"{what} {ascii(shown)[:120]} names its server in a way parsers read differently "
            f"(a backslash, a blank or a control character); set it to {example}"
        )
    if not secure_enough(url):
        raise ConfigError(
            f"{what} {url!r} is plain http to another host, which would send the token in "
            "clear; use https:// (plain http only for 127.0.0.1, ::1 or localhost)"
        )
    return url


def new_session(api_url: str) -> requests.Session:
    """A session for one API host. A loopback host (the sandbox) ignores proxy variables:
    nothing should stand between us and a local server."""
    import requests

    from tracker_git import about  # the metadata: only when a request is about to be made

    session = requests.Session()
    session.headers["User-Agent"] = about.user_agent()
    session.headers["Accept"] = "application/json"
    # An auth of the session's own keeps requests from reading ~/.netrc, whose entry for the
    # host would replace the Authorization header we set (proxy and CA variables still count).
    session.auth = _keep_authorization
    if is_loopback(urlsplit(api_url).hostname):
        session.trust_env = False
    return session


MAX_REDIRECTS = 5
MAX_PAGES = 1000


class OffOrigin(OperationFailed):
    """A redirect or a next page pointed away from the server the request was made to."""


def exchange(
    session: requests.Session, method: str, url: str, *, follow: bool, **kwargs: Any
) -> requests.Response:
    """`session.request` with our redirect rule instead of requests' own: with `follow`, a
    redirect is followed only to the same origin as `url` (at most MAX_REDIRECTS), so the
    session's token never goes to another host or drops to plain http; a redirect elsewhere
    is OffOrigin. Without `follow` a 3xx answer is returned as it is."""
    for _ in range(MAX_REDIRECTS + 1):
        response = session.request(method, url, allow_redirects=False, **kwargs)
        if not (follow and response.is_redirect):
            return response
        location = response.headers.get("Location", "")
        response.close()
        target = follow_link(url, location, url)
        if target is None:
            raise OffOrigin(
                f"{_server(url)} redirected to {_shown(url, location)}; not followed, since the "
                "token goes only to the server it is meant for"
            )
        url = target
        kwargs.pop("params", None)  # the Location carries its own query
    raise OffOrigin(f"{_server(url)} redirected more than {MAX_REDIRECTS} times; stopped")


def _server(url: str) -> str:
    try:
        return server(url) if urlsplit(url).netloc else "elsewhere"
    except ValueError:
        return "elsewhere"


def _shown(current: str, link: str) -> str:
    """Where a refused link points, for the message: its server when both parsers agree on
    one, else "an address read two ways" (a backslash, a user name)."""
    try:
        target = urljoin(current, link)
    except ValueError:
        return "an unreadable address"
    if _ambiguous(link) or library_origin(target) != origin(target):
        return "an address that hides its server (a backslash or a user name)"
    return _server(target)


def library_origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) as the HTTP library itself reads `url` (urllib3's parse_url,
    which requests uses to send): the parser that decides where a request really goes."""
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parsed = parse_url(url.strip())
    except LocationParseError:
        return "", "", None
    scheme = (parsed.scheme or "").lower()
    host = (parsed.host or "").lower().strip("[]")
    return scheme, host, parsed.port or {"http": 80, "https": 443}.get(scheme)


def _ambiguous(link: str) -> bool:
    """A backslash, a user name (`user@host`), blanks or control characters: what parsers
    read differently (WHATWG turns `\\` into `/`, RFC 3986 does not), refused outright."""
    if "\\" in link or any(ch.isspace() or not ch.isprintable() for ch in link):
        return True
    try:
        return "@" in urlsplit(link).netloc
    except ValueError:
        return True


def follow_link(current: str, link: str, first: str) -> str | None:
    """The absolute URL of `link` (a Location, a next page; relative to `current`) when a
    token may follow it: on the origin of `first` as both our parser and the HTTP library's
    read it, https or loopback http, with no backslash, user name or control character;
    None otherwise. The one rule for redirects and next pages."""
    if _ambiguous(link):
        return None
    try:
        url = urljoin(current, link)
        ours = origin(url)
    except ValueError:
        return None
    if ours != library_origin(url) or ours != origin(first) or not secure_enough(url):
        return None
    return url


class Pages:
    """The pages of one listing: each next page must be on the origin of the first and must
    not have been read before; at most MAX_PAGES. `what` names the listing for messages."""

    def __init__(self, first: str, what: str) -> None:
        self.first = first
        self.what = what
        self.seen: set[str] = set()

    def next(self, link: str | None, current: str | None = None) -> str | None:
        """The absolute URL of the next page (`link`, relative to `current`), None at the end;
        OffOrigin for another server, OperationFailed for a loop or too many pages."""
        if not link:
            return None
        found = follow_link(current or self.first, link, self.first)
        if found is None:
            raise OffOrigin(
                f"cannot {self.what}: the next page is on {_shown(current or self.first, link)}, "
                f"not {_server(self.first)}; stopped (the token goes only where the listing began)"
            )
        url = found
        if url in self.seen:
            raise OperationFailed(
                f"cannot {self.what}: the server sent the same page twice; stopped instead of "
                "looping, try again later"
            )
        if len(self.seen) >= MAX_PAGES:
            raise OperationFailed(f"cannot {self.what}: more than {MAX_PAGES} pages; stopped")
        self.seen.add(url)
        return url


def _keep_authorization(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


def retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), None if absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def attempt(
    session: requests.Session,
    method: str,
    url: str,
    *,
    retry: bool,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> requests.Response:
    """The one retry policy, for Tracker, the forges and the messengers: `exchange` (a GET
    follows same-origin redirects), and when `retry` a lost connection or a RETRY_STATUSES
    answer is tried again, up to `policy.attempts` in all, after Retry-After (when it is at
    most MAX_RETRY_AFTER) or the policy's backoff. Only a request that is safe to repeat
    may be retried (GET, or what the caller made safe). Returns the last answer, whatever
    its status; raises the last requests.RequestException, or OffOrigin."""
    import requests

    tries = 0
    while True:
        tries += 1
        last = tries >= (policy.attempts if retry else 1)
        try:
            response = exchange(session, method, url, follow=method == "GET", **kwargs)
        except requests.RequestException:
            if last:
                raise
            sleep(policy.delay(tries))
            continue
        if response.status_code in RETRY_STATUSES and not last:
            wait = retry_after(response)
            if wait is None:
                wait = policy.delay(tries)
            if wait <= MAX_RETRY_AFTER:
                response.close()
                sleep(wait)
                continue
        return response


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    what: str,
    timeout: float,
    retry: bool,
    policy: RetryPolicy = RetryPolicy(),
    json_body: Any = None,
    params: Mapping[str, str] | None = None,
    explain: Explain | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Response:
    """One Tracker request, retried per the policy when `retry`; a 2xx/3xx answer, or
    ApiError / NetworkError whose message starts with "cannot <what>"."""
    import requests

    try:
        response = attempt(
            session, method, url, retry=retry, policy=policy, sleep=sleep,
            json=json_body, params=params, timeout=timeout,
        )  # fmt: skip
    except OffOrigin as exc:
        raise OffOrigin(f"cannot {what}: {exc}") from None
    except requests.RequestException as exc:
        raise NetworkError(
            f"cannot {what}: Tracker did not answer ({_kind(exc)}); check the network "
            "and tracker.api_url, then try again"
        ) from None
    if response.status_code < 400:
        return response
    raise error_for(response, what, explain)


def _kind(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failed: the certificate was not accepted"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return type(exc).__name__


def parse_error(text: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """Tracker's error body `{"errors": {field: msg}, "errorMessages": [...]}`, read defensively
    (every key optional; the body may not even be JSON: a proxy's HTML page)."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}, ()
    if not isinstance(data, dict):
        return {}, ()
    errors = data.get("errors")
    fields = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
    raw = data.get("errorMessages")
    messages = tuple(str(m) for m in raw) if isinstance(raw, list) else ()
    return fields, messages


def said_by(text: str, limit: int = 200) -> str:
    """What an answer body says, as one short line: an HTML page (a proxy's or a receiver's
    error page) by its <title>, else its text with tags and line breaks gone; "" for nothing."""
    import html
    import re

    sample = text[:20000]
    if re.search(r"<(?:!doctype|html|head|body|title)\b", sample, re.I):
        title = re.search(r"<title[^>]*>(.*?)</title>", sample, re.I | re.S)
        sample = title.group(1) if title else re.sub(r"<[^>]*>", " ", sample)
        sample = html.unescape(sample)
    line = " ".join(sample.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def details(errors: Mapping[str, str], messages: tuple[str, ...]) -> str:
    parts = [m.strip() for m in messages if m.strip()]
    parts += [f"{k}: {v}" for k, v in errors.items()]
    text = "; ".join(parts).replace("\n", " ")
    return text if len(text) <= 300 else text[:297] + "..."


def error_for(
    response: requests.Response,
    what: str,
    explain: Explain | None = None,
) -> ApiError:
    status = response.status_code
    errors, messages = parse_error(response.text)
    said = details(errors, messages)
    why = (explain or describe)(status, errors, messages, said)
    wait = retry_after(response) if status == 429 or status >= 500 else None
    if wait is not None and wait > MAX_RETRY_AFTER:
        why += f" (Tracker asks to wait {round(wait)} s)"
    return ApiError(f"cannot {what}: {why}", status, errors, messages, wait)


def describe(status: int, errors: Mapping[str, str], messages: tuple[str, ...], said: str) -> str:
    """Why, and what to do, for an error status. Tracker's own words go in brackets."""
    quoted = f" ({said})" if said else ""
    if status == 401:
        return (
            f"Tracker did not accept the token (401){quoted}; it may have expired: "
            "run 'git tracker login' (or set a fresh TRACKER_TOKEN)"
        )
    if status == 403:
        if any("organization" in m.lower() for m in messages):
            return (
                f"wrong organization (403){quoted}; check tracker.org_id / tracker.cloud_org_id "
                "(Tracker > Administration > Organizations) or TRACKER_ORG_ID"
            )
        return f"no permission (403){quoted}; ask the queue's owner for access"
    if status == 404:
        return f"not found, or you have no access (404){quoted}"
    if status in (409, 412):
        return f"someone changed it meanwhile (version conflict, {status}){quoted}; try again"
    if status == 422:
        return f"Tracker rejected the request (422){quoted}"
    if status == 423:
        return (
            f"the issue cannot be edited any more: it reached Tracker's cap on edits "
            f"(423){quoted}; create a new issue"
        )
    if status == 429:
        return f"Tracker is rate-limiting us (429){quoted}; try again in a minute"
    if status >= 500:
        return f"Tracker is failing ({status}){quoted}; try again in a minute"
    return f"Tracker answered {status}{quoted}"
