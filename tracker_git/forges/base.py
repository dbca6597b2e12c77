"""What every forge client offers (`Forge`), the pull request it returns (`PullRequest`), and
the shared HTTP plumbing: one session, auth headers, one-line errors, dry-run plans.

A client's writes are built as `PlannedRequest`s first (`plan_create`, `plan_update`) and
then sent, so `--dry-run` prints exactly what would be sent. Plans may read from the forge
(Bitbucket Cloud's update reads the current reviewers) but never write.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from tracker_git.core.errors import ConfigError, OperationFailed
from tracker_git.core.forgekinds import forge_kind
from tracker_git.core.loopback import secure_enough

if TYPE_CHECKING:
    import requests

    from tracker_git.forges.detect import ForgeRemote
    from tracker_git.http import Pages, RetryPolicy


class ForgeError(OperationFailed):
    """A request the forge refused (`status`: its HTTP status) or did not answer (None): what
    the relay's worker decides by whether to try again."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PullRequest:
    """A pull (merge) request as the forge reports it.

    number: what URLs and the API use (GitHub `number`, GitLab `iid`, Bitbucket `id`).
    state: "open", "closed", "merged" or "declined". title: as the forge shows it
    (GitLab drafts keep their `Draft: ` prefix). reviewers: the forge's reviewer ids
    (Bitbucket Cloud uuids, Data Center user names, GitHub/GitLab user names) where the
    response carries them. version: Data Center's optimistic-lock version, else None.
    """

    number: int
    url: str
    title: str
    body: str
    state: str
    draft: bool
    source: str
    target: str
    version: int | None = None
    reviewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedRequest:
    """One HTTP request a write would send (no headers: they carry the token)."""

    method: str
    url: str
    json: dict[str, Any] | None = None

    def describe(self) -> str:
        """`METHOD URL` and the indented JSON body, for --dry-run."""
        text = f"{self.method} {self.url}"
        if self.json is not None:
            text += "\n" + json.dumps(self.json, indent=2, ensure_ascii=False)
        return text


# The name our commit status goes by on every forge (GitHub/GitLab context or name,
# Bitbucket key): what a branch protection rule requires.
STATUS_CONTEXT = "tracker-git/issue"
STATUS_STATES = ("success", "failure", "pending")


@dataclass(frozen=True)
class CommitStatus:
    """A status on a commit: GitHub and GitLab commit statuses, Bitbucket build statuses.
    state: "success", "failure" or "pending" (each client maps it to its forge's word);
    description: one short line (clients cut it to what the forge takes); url: the page it
    links to (Bitbucket requires one); branch: the pull request's source branch, where the
    forge ties statuses to a ref (GitLab `ref`, Bitbucket Cloud `refname`, which shows the
    status on the pull request, Data Center `ref`)."""

    state: str
    description: str
    url: str
    context: str = STATUS_CONTEXT
    name: str = "tracker-git"
    branch: str = ""

    def __post_init__(self) -> None:
        if self.state not in STATUS_STATES:
            raise ValueError(f"commit status state {self.state!r} is not one of {STATUS_STATES}")


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, with an ellipsis when cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class Submitted:
    """What `submit` did: the pull request, and whether it was created (else updated)."""

    pull_request: PullRequest
    created: bool


class Duplicate(Exception):
    """Internal: the forge refused a create because an open pull request exists.
    `number` is that pull request's number when the error names it; `pr` when it carries it."""

    def __init__(self, number: int | None = None, pr: PullRequest | None = None) -> None:
        super().__init__(number)
        self.number = number
        self.pr = pr


def submit(
    forge: Forge, title: str, body: str, source: str, target: str, draft: bool = False
) -> Submitted:
    """Update the open pull request from `source` into `target`, or create one. Never makes a
    second pull request: a create that races another one ends in an update."""
    existing = forge.find_open(source, target)
    if existing is not None:
        return Submitted(forge.update(existing, title, body), created=False)
    pr, created = forge.create_or_adopt(title, body, source, target, draft)
    return Submitted(pr, created)


@dataclass
class Response:
    status: int
    data: Any
    headers: Mapping[str, str] = field(default_factory=dict)  # case-insensitive from requests


class Forge(ABC):
    """A forge client for one repository (see tracker_git.forges.client_for): the one
    declaration of what every forge offers, and the plumbing they share (auth, requests,
    one-line errors, the duplicate fallback). A forge implements the abstract methods and
    may override `auth_headers`, `error_text`, `duplicate` and `failure`; its name in
    messages comes from its row in tracker_git.core.forgekinds. Use it in a `with` block
    (or call `close`): that closes its HTTP session."""

    def __init__(self, remote: ForgeRemote, token: str, timeout: float = 10.0) -> None:
        self.NAME = forge_kind(remote.kind).name
        if token and not secure_enough(remote.api_url):
            raise ConfigError(
                f"{self.NAME} API {remote.api_url} is plain http; the token is sent only over "
                "https (or to a loopback address); set [forge] api_url to its https:// address"
            )
        from tracker_git.http import RetryPolicy

        self.remote = remote
        self.policy: RetryPolicy = RetryPolicy()
        self.sleep: Callable[[float], None] = time.sleep  # between attempts; tests' clocks
        self._token = token
        self._timeout = timeout
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()  # the pr flow asks from several threads

    def for_repository(self, owner: str, repo: str) -> Forge:
        """A client of this forge for another repository on the same API, with the same token
        and sharing this client's HTTP session (its connections): what a service asking
        about many repositories uses. Close this client, not the one returned, when done."""
        from dataclasses import replace

        self._get_session()  # made here, so that both hold the one session
        other = copy.copy(self)
        other.remote = replace(self.remote, owner=owner, repo=repo)
        return other

    # --- lifetime ----------------------------------------------------------------------
    def close(self) -> None:
        """Close the HTTP session (its pooled connections); a later request opens a new one."""
        with self._session_lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- to override -------------------------------------------------------------------
    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def error_text(self, data: Any) -> str:
        """The forge's own error message from an error body."""
        return ""

    def duplicate(self, status: int, data: Any) -> Duplicate | None:
        """A Duplicate when this error response says the pull request already exists."""
        return None

    # --- HTTP --------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.remote.api_url + path

    def pages(self, first: str) -> Pages:
        """The guard of one listing: next pages on the API's own origin, none read twice."""
        from tracker_git.http import Pages

        return Pages(first, f"list {self.NAME} pull requests")

    def read_pages(
        self,
        first: str,
        params: dict[str, Any],
        read: Callable[[Response], tuple[list[Any], str | None]],
    ) -> list[Any]:
        """Every item of a listing that starts at `first` with `params`: `read` gives a page's
        items and the link to the next page (None at the end), which carries its own query.
        Next pages stay on the API's origin and none is read twice (`pages`)."""
        pages = self.pages(first)
        url: str | None = first
        query: dict[str, Any] | None = params
        items: list[Any] = []
        while url:
            found, link = read(self.request("GET", url, params=query))
            items += found
            url, query = pages.next(link, url), None
        return items

    def _get_session(self) -> requests.Session:
        with self._session_lock:
            if self._session is None:
                from tracker_git.http import new_session

                session = new_session(self.remote.api_url)
                if self._token:
                    session.headers.update(self.auth_headers(self._token))
                self._session = session
            return self._session

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> Response:
        """Send one request; a status outside `ok` raises OperationFailed with one line
        (a duplicate-PR answer raises Duplicate instead)."""
        import requests

        from tracker_git.http import OffOrigin, attempt

        session = self._get_session()
        try:
            # The one retry policy (tracker_git.http): a GET is retried, a write never is
            # (a create that timed out may have been made; `submit` looks before it writes).
            answer = attempt(
                session,
                method,
                url,
                retry=method == "GET",
                policy=self.policy,
                sleep=self.sleep,
                params=params,
                json=body,
                timeout=self._timeout,
            )
        except OffOrigin as exc:
            raise OperationFailed(f"{self.NAME}: {exc}; check [forge] api_url") from None
        except requests.Timeout:
            raise ForgeError(
                f"{self.NAME} at {self.remote.host} did not answer within {self._timeout:g} s; "
                "try again later"
            ) from None
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise ForgeError(
                f"cannot reach {self.NAME} at {self.remote.api_url} ({reason}); "
                "check the network, or [forge] api_url"
            ) from None
        try:
            data = answer.json() if answer.content else None
        except ValueError:
            data = None
            if answer.status_code in ok:
                raise self.unexpected("JSON") from None
        if answer.status_code in ok:
            return Response(answer.status_code, data, answer.headers)
        dup = self.duplicate(answer.status_code, data) if method == "POST" else None
        if dup is not None:
            raise dup
        failure = self.failure(method, answer.status_code, data, answer.headers)
        raise ForgeError(failure, answer.status_code)

    def failure(
        self, method: str, status: int, data: Any, headers: Mapping[str, str] | None = None
    ) -> str:
        """The one-line message for an error answer: what, why, what to do."""
        said = " ".join(self.error_text(data).split())  # one line, whatever the forge sent
        if len(said) > 300:
            said = said[:297] + "..."
        said_part = f": {said}" if said else ""
        where = f"{self.NAME} repository {self.remote.path}"
        headers = headers or {}
        # GitHub says "rate limited" with 403 and X-RateLimit-Remaining: 0, others with 429.
        if status == 429 or (status == 403 and headers.get("X-RateLimit-Remaining") == "0"):
            wait = headers.get("Retry-After")
            when = f"wait {wait} s" if wait and wait.isdigit() else "wait a while"
            return f"{self.NAME} is rate limiting this token (HTTP {status}{said_part}); {when} and try again"
        if status == 401:
            return (
                f"{self.NAME} at {self.remote.host} rejected the token (401{said_part}); "
                f"check it, or store a new one with 'git tracker login --forge {self.remote.kind}'"
            )
        if status == 403:
            return (
                f"{self.NAME} refused access to {self.remote.path} (403{said_part}); "
                "the token needs write access to pull requests"
            )
        if status == 404:
            return (
                f"{where} not found at {self.remote.api_url} (404{said_part}); "
                "check the remote URL and that the token can see the repository"
            )
        if 300 <= status < 400:
            moved = urlsplit(headers.get("Location", "")).netloc or "elsewhere"
            return (
                f"{self.NAME} API {self.remote.api_url} redirects to {moved} (HTTP {status}); "
                "set [forge] api_url to the address it redirects to"
            )
        if status in (400, 409, 422):
            return f"{self.NAME} refused the {method} (HTTP {status}{said_part}); fix what it says and retry"
        return f"{self.NAME} answered HTTP {status} to a {method}{said_part}; try again later"

    def send(self, planned: list[PlannedRequest]) -> Response:
        """Send the writes of a plan in order; the last answer is returned."""
        answer: Response | None = None
        for item in planned:
            answer = self.request(item.method, item.url, body=item.json)
        assert answer is not None
        return answer

    # --- shared behaviour ----------------------------------------------------------------
    @abstractmethod
    def parse_json(self, data: Any) -> PullRequest:
        """The forge's pull request JSON as a PullRequest (KeyError etc. on a wrong shape)."""

    def parse(self, data: Any) -> PullRequest:
        with self.expecting("a pull request"):
            return self.parse_json(data)

    @contextmanager
    def expecting(self, what: str) -> Iterator[None]:
        """Turn a response of the wrong shape (a proxy's login page, another server behind
        api_url) into one line instead of a traceback."""
        try:
            yield
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise self.unexpected(what) from None

    def unexpected(self, what: str) -> OperationFailed:
        return OperationFailed(
            f"{self.remote.api_url} did not answer with {what} as {self.NAME} would; "
            "check [forge] kind and api_url"
        )

    @abstractmethod
    def get(self, number: int) -> PullRequest:
        """The pull request with this number."""

    def find_open(self, branch: str, target: str | None = None) -> PullRequest | None:
        """The open pull request from `branch` (into `target` if given), or None."""
        with self.expecting("a list of pull requests"):
            found = self.list_open(branch)
        for pr in found:
            if pr.source == branch and (target is None or pr.target == target):
                return pr
        return None

    @abstractmethod
    def list_open(self, branch: str) -> list[PullRequest]:
        """Every open pull request from `branch`, all pages read."""

    @abstractmethod
    def plan_create(
        self, title: str, body: str, source: str, target: str, draft: bool = False
    ) -> list[PlannedRequest]:
        """The requests `create` sends (without the duplicate fallback)."""

    @abstractmethod
    def plan_update(self, pr: PullRequest, title: str, body: str) -> list[PlannedRequest]:
        """The requests `update` sends (may read the forge, never writes)."""

    @abstractmethod
    def fetch_default_branch(self) -> str:
        """The repository's default branch, as the forge says (see `default_branch`)."""

    def default_branch(self) -> str:
        """The repository's default branch, as the forge says."""
        with self.expecting("a repository"):
            return self.fetch_default_branch()

    @abstractmethod
    def create_page_url(self, source: str, target: str, title: str, body: str) -> str:
        """The browser page that creates the pull request, prefilled where the forge allows."""

    @abstractmethod
    def plan_commit_status(self, sha: str, status: CommitStatus) -> PlannedRequest:
        """The request that sets `status` on commit `sha`."""

    def set_commit_status(self, sha: str, status: CommitStatus) -> None:
        """Set (or replace: same context) the status on commit `sha`."""
        planned = self.plan_commit_status(sha, status)
        self.request(planned.method, planned.url, body=planned.json, ok=(200, 201, 204))

    def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
        """Set the title and description, keeping reviewers (and draft state on GitLab)."""
        return self.parse(self.send(self.plan_update(pr, title, body)).data)

    def create(
        self, title: str, body: str, source: str, target: str, draft: bool = False
    ) -> PullRequest:
        """Open a pull request; if the forge says one already exists, update that one."""
        return self.create_or_adopt(title, body, source, target, draft)[0]

    def create_or_adopt(
        self, title: str, body: str, source: str, target: str, draft: bool
    ) -> tuple[PullRequest, bool]:
        """Create; on the forge's duplicate error, update the existing one (gh's behaviour).
        Returns the pull request and whether it is new."""
        try:
            answer = self.send(self.plan_create(title, body, source, target, draft))
        except Duplicate as dup:
            existing = dup.pr
            if existing is None and dup.number is not None:
                existing = self.get(dup.number)
            if existing is None:
                existing = self.find_open(source, target)
            if existing is None:
                raise OperationFailed(
                    f"{self.NAME} says a pull request from {source} already exists, but it "
                    "cannot be found; open the repository's pull requests to check"
                ) from None
            return self.update(existing, title, body), False
        return self.parse(answer.data), True


def next_link(headers: Mapping[str, str]) -> str | None:
    """The `rel="next"` URL of an RFC 8288 Link header (GitHub, GitLab pagination)."""
    for part in headers.get("Link", "").split(","):
        url, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", ""):
            return url.strip().strip("<>")
    return None
