"""The base of every forge emulator: loopback only, stdlib only.

An emulator subclasses `Emulator`, lists its routes (method, regex over the raw path, handler)
and keeps its state in memory; this module does authorization, routing, the request log
(auth values redacted) and `fail_next`, on the fakes' framework (tracker_git.fakes: the
socket, threads, JSON answers, the log, fault and latency injection), which the sandbox
Tracker runs on too.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from tracker_git.core import forgekinds
from tracker_git.fakes.faults import Fault, Faults
from tracker_git.fakes.server import Answer, Incoming, LoopbackServer, RequestLog

_SECRET_HEADERS = ("authorization", "private-token", "job-token")


@dataclass
class Recorded:
    """One request as the emulator saw it, and its answer (`status` None until answered).
    Auth header values are replaced by "<redacted>"."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None = None
    answer: Any = None


@dataclass
class Call:
    """What a handler gets: the regex groups, the query, the JSON body, the headers."""

    method: str
    path: str
    groups: tuple[str, ...]
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def number(self, name: str, default: int) -> int:
        try:
            return int(self.arg(name, str(default)))
        except ValueError:
            return default


Reply = Answer  # what a handler returns: status, JSON body, headers
Handler = Callable[[Call], Reply]


class Emulator(ABC):
    """Base of the forge emulators: the one declaration of what each emulator provides (its
    abstract methods: authorization, error shapes, its pull requests' reviewers, a remote
    URL), and the serving they share. Subclasses set `api_path`, fill `routes` with their
    handlers and implement the abstract methods (an emulator missing one is a type error for
    mypy where its module says `EMULATOR: type[Emulator] = ...`, and cannot be made); a
    subclass's module is named like its forge's (tracker_git.core.forgekinds), which gives
    `kind`."""

    api_path = ""  # where the API lives under the server root, e.g. "/api/v4"
    api_regex = ""  # the same as a regex when several prefixes are served; default api_path

    def __init__(
        self,
        token: str = "test-token",
        repo: str | None = None,
        default_branch: str = "main",
        latency: float = 0.0,
        page_size: int | None = None,
        port: int = 0,
    ) -> None:
        """`token`: the one it accepts. `repo`: the repository it serves (default per kind:
        octo/hello, group/sub/project, workspace/repo, PRJ/repo). `latency`: seconds slept
        before each answer. `page_size`: caps every page, so tests can force several pages.
        `port`: 0 takes a free one. A kind may take options of its own (GitHub: `edition`;
        Data Center: `permission`)."""
        self.token = token
        self.port = port
        self.repo = repo or self.default_repo()
        self.default_branch = default_branch
        self.page_size = page_size
        self.prs: list[dict[str, Any]] = []
        # Commits the repository has (add_commit): statuses can only be set on these.
        self.commits: set[str] = set()
        # Every commit status / build status set: (commit, the forge's JSON), oldest first.
        self.statuses: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.RLock()
        self.log: RequestLog[Recorded] = RequestLog(lock=self.lock)
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults = Faults()
        self.faults.latency = latency
        self._http: LoopbackServer | None = None
        self.root = ""

    @property
    def requests(self) -> list[Recorded]:
        """The request log, oldest first (the live list: hold `lock` to read it while the
        emulator serves)."""
        return self.log.entries

    # --- for subclasses -----------------------------------------------------------------
    def default_repo(self) -> str:
        return "owner/repo"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append(
            (
                method,
                re.compile("^" + (self.api_regex or re.escape(self.api_path)) + pattern + "$"),
                handler,
            )
        )

    @abstractmethod
    def authorized(self, headers: dict[str, str]) -> bool:
        """Whether the request carries this emulator's token the way the forge takes it."""

    @abstractmethod
    def unauthorized(self) -> Reply:
        """The forge's answer to a request without valid credentials."""

    @abstractmethod
    def not_found(self, call: Call) -> Reply:
        """The forge's answer to a path it does not serve."""

    @abstractmethod
    def remote_url(self) -> str:
        """A git remote URL that tracker_git.forges.detect maps to this kind (with
        TRACKER_GIT_FORGE_API_URL set to `url`)."""

    @abstractmethod
    def reviewers_of(self, number: int) -> list[str]:
        """The reviewers pull request `number` has asked (ids as the forge gives them)."""

    @abstractmethod
    def set_reviewers(self, number: int, reviewers: list[str]) -> None:
        """Make these the reviewers of pull request `number`, as a user would on the forge."""

    @abstractmethod
    def find(self, number: int) -> dict[str, Any] | None:
        """Pull request `number` (the forge's own JSON, live), None if there is none."""

    @abstractmethod
    def error_reply(self, status: int, message: str) -> Reply:
        """An error answer in this forge's own error shape."""

    def fail_next(
        self,
        status: int,
        message: str = "Server Error",
        method: str | None = None,
        path: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` (authorized) requests matching `method` and the `path` regex
        with this error instead: for outages, rate limits and failures half-way."""
        reply = self.error_reply(status, message)
        reply.headers.update(headers or {})
        self.faults.add(Fault(status, times, method=method, pattern=path, answer=reply))

    # --- the handle ------------------------------------------------------------------------
    def add_commit(self, sha: str) -> None:
        """The repository has this commit now (statuses may be set on it)."""
        with self.lock:
            self.commits.add(sha)

    def statuses_on(self, sha: str) -> list[dict[str, Any]]:
        """The statuses set on `sha`, oldest first (all of them, replaced ones included)."""
        with self.lock:
            return [status for on, status in self.statuses if on == sha]

    @property
    def kind(self) -> str:
        """The forge kind this emulates (its row in tracker_git.core.forgekinds)."""
        return forgekinds.of_module(type(self).__module__).kind

    @property
    def url(self) -> str:
        """The API base to give the client (TRACKER_GIT_FORGE_API_URL)."""
        return self.root + self.api_path

    @property
    def web_url(self) -> str:
        return self.root

    def start(self) -> Emulator:
        self._http = LoopbackServer(self.handle, port=self.port, name=f"{self.kind} emulator")
        self.root = self._http.url
        self._http.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()
            self._http = None

    def connections(self) -> tuple[int, int]:
        """(the TCP connections clients made so far, those still open)."""
        assert self._http is not None, "the emulator is not started"
        return self._http.connections()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- dispatch -----------------------------------------------------------------------
    def handle(self, request: Incoming) -> Answer | None:
        """The framework's entry: log the request, wait the latency, answer (None: drop the
        connection without an answer)."""
        query = parse_qs(request.query, keep_blank_values=True)
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            body = ValueError
        shown = {
            k: ("<redacted>" if k in _SECRET_HEADERS else v) for k, v in request.headers.items()
        }
        record = self.log.add(
            Recorded(
                request.method, request.path, query, shown, None if body is ValueError else body
            )
        )
        self.faults.wait()
        reply = self._answer(request.method, request.path, query, body, request.headers)
        if reply is None:
            return None  # the record keeps status None: nothing was answered
        with self.lock:
            record.status, record.answer = reply.status, copy.deepcopy(reply.body)
        return reply

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        headers: dict[str, str],
    ) -> Reply | None:
        if not self.authorized(headers):
            return self.unauthorized()
        fault = self.faults.take(method, path)  # after authorization: "the next (authorized)"
        if fault is not None:
            if fault.answer is not None:
                return fault.answer
            if fault.status is None:
                return None  # inject("drop")
            # inject(503), inject(429, retry_after=2): an error in this forge's own shape
            reply = self.error_reply(fault.status, "injected fault")
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = str(fault.retry_after)
            return reply
        if body is ValueError:
            return self.bad_json()
        for verb, pattern, handler in self.routes:
            match = pattern.match(path)
            if match and verb == method:
                call = Call(method, path, match.groups(), query, body, headers)
                with self.lock:
                    return handler(call)
        return self.not_found(Call(method, path, (), query, body, headers))

    def bad_json(self) -> Reply:
        return Reply(400, {"message": "Problems parsing JSON"})


def now() -> str:
    """An ISO 8601 UTC timestamp, as the forges write them."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def presented_token(headers: dict[str, str], schemes: tuple[str, ...]) -> str | None:
    """The token in `Authorization` if its scheme is one of `schemes` ("bearer", "token",
    "basic"; for Basic the password part)."""
    import base64

    scheme, _, value = headers.get("authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme not in schemes:
        return None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except ValueError:
            return None
        return decoded.partition(":")[2] if ":" in decoded else None
    return value.strip()


def page_of(items: list[Any], page: int, per_page: int) -> tuple[list[Any], bool]:
    """Items of 1-based `page`, and whether more pages follow."""
    page = max(page, 1)
    start = (page - 1) * per_page
    return items[start : start + per_page], start + per_page < len(items)
