"""The Tracker API client tracker-git uses (docs/design/tracker-api.md): read issues, move them along
the workflow, comment, edit fields. One `requests` session, API v3 or v2 (same paths).

Writes are made idempotent here, not left to luck:
- moving to a status the issue is in sends nothing; otherwise the transition is found among
  those leaving the current status (matched on `to.key`), and a POST that failed without a
  clear answer is re-checked (re-read the status) before it is sent again;
- an edit that changes nothing is not sent (each edit bumps `version`, and Tracker stops
  accepting edits at a cap: 423); edits carry `?version=` (optimistic locking), and a 409
  re-reads the issue and re-applies only what still differs;
- a comment POST that failed without an answer is sent again only if the issue's newest
  comment is not already it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.http import (
    MAX_RETRY_AFTER,
    ApiError,
    Explain,
    NetworkError,
    Pages,
    RetryPolicy,
    check_api_url,
    describe,
    new_session,
    send,
)
from tracker_git.tracker.matching import matches, pick, same_value, unreachable
from tracker_git.tracker.models import Issue, MoveResult, Transition, Version, ui_base

if TYPE_CHECKING:
    import requests


# Keys per POST _search (its perPage): one request reads this many issues.
SEARCH_BATCH = 100
# Requests sent at the same time, below requests' 10 pooled connections per host.
PARALLEL = 8


class Unreachable(OperationFailed):
    """No transition leads from the issue's status to the one asked for."""


class TrackerClient:
    """`api_url` is the API root without the version (https://api.tracker.yandex.net)."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        org_id: str = "",
        cloud_org_id: str = "",
        token_kind: str = "oauth",
        api_version: str = "v3",
        timeout: float = 10.0,
        ui_url: str = "",
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = check_api_url(api_url)
        if api_version not in ("v2", "v3"):
            raise ConfigError(f"tracker.api_version is {api_version!r}; use 'v3' or 'v2'")
        if token_kind not in ("oauth", "iam"):
            raise ConfigError(f"tracker.token_kind is {token_kind!r}; use 'oauth' or 'iam'")
        if token_kind == "iam" and not cloud_org_id:
            raise ConfigError(
                "an IAM token works only with a Yandex Cloud organization; set "
                "tracker.cloud_org_id (TRACKER_CLOUD_ORG_ID), or use an OAuth token"
            )
        if not token:
            raise UsageError("no Tracker token; run 'git tracker login' or set TRACKER_TOKEN")
        self.api_version = api_version
        self.base = f"{self.api_url}/{api_version}"
        self.timeout = float(timeout)
        self.policy = policy or RetryPolicy()
        self.sleep = sleep  # the waits between attempts (a test's clock need not wait)
        self.ui_url = ui_url.rstrip("/") or ui_base(self.api_url)
        self.session: requests.Session = new_session(self.api_url)
        kind = "Bearer" if token_kind == "iam" else "OAuth"
        self.session.headers["Authorization"] = f"{kind} {token}"
        # An org linked to both Yandex 360 and Cloud is addressed by its 360 id (§1.3); an IAM
        # token only works with the Cloud one.
        if cloud_org_id and (token_kind == "iam" or not org_id):
            self.session.headers["X-Cloud-Org-ID"] = cloud_org_id
        elif org_id:
            self.session.headers["X-Org-ID"] = org_id

    def __repr__(self) -> str:  # never the headers: they hold the token
        return f"TrackerClient({self.base!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> TrackerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ---------------------------------------------------------------------------

    def _url(self, *parts: str) -> str:
        return "/".join([self.base, *(quote(p, safe="") for p in parts)])

    def request(
        self,
        method: str,
        path: tuple[str, ...],
        *,
        what: str,
        retry: bool | None = None,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        key: str = "",
        explain: Explain | None = None,
    ) -> Any:
        """JSON of the answer (None when empty). GET retries by default, others do not.
        `explain` words the errors of one kind of request (the issue's by default)."""
        response = send(
            self.session,
            method,
            self._url(*path),
            what=what,
            timeout=self.timeout,
            retry=method == "GET" if retry is None else retry,
            policy=self.policy,
            sleep=self.sleep,
            json_body=body,
            params=params,
            explain=explain or _explainer(key),
        )
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise OperationFailed(
                f"cannot {what}: the answer is not JSON; is tracker.api_url ({self.api_url}) "
                "Tracker's API?"
            ) from None

    def _get_list(self, path: tuple[str, ...], what: str, key: str = "") -> list[dict[str, Any]]:
        found = self.request("GET", path, what=what, key=key)
        if not isinstance(found, list):
            raise OperationFailed(f"cannot {what}: Tracker answered something else than a list")
        return [item for item in found if isinstance(item, dict)]

    # --- reading ----------------------------------------------------------------------------

    def myself(self) -> dict[str, Any]:
        me = self.request("GET", ("myself",), what="ask Tracker who you are")
        return me if isinstance(me, dict) else {}

    def get_issue(self, key: str, *, with_transitions: bool = False) -> Issue:
        """The issue; `with_transitions`: with the transitions out of its status in the same
        answer (`?expand=transitions`, docs/design/tracker-api.md "Issues"), `Issue.transitions`."""
        params = {"expand": "transitions"} if with_transitions else None
        data = self.request("GET", ("issues", key), what=f"read {key}", key=key, params=params)
        if not isinstance(data, dict):
            raise OperationFailed(
                f"cannot read {key}: Tracker answered something else than an issue"
            )
        return Issue.from_json(data, self.ui_url)

    def issue_exists(self, key: str) -> bool:
        """True/False from Tracker's answer (404: no, or not visible to you)."""
        try:
            self.get_issue(key)
        except ApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def search_issues(self, keys: Sequence[str], *, expand: str = "") -> list[Issue]:
        """The issues of `keys` you can see, in one request per SEARCH_BATCH keys (POST
        _search, a read, so it is retried like a GET), the batches at the same time;
        `expand=transitions` brings each one's transitions in the same answer. A moved issue
        answers under its new key."""
        from concurrent.futures import ThreadPoolExecutor

        params = {"expand": expand} if expand else {}

        def batch(start: int) -> list[Issue]:
            chunk = list(keys[start : start + SEARCH_BATCH])
            issues = self.request(
                "POST", ("issues", "_search"), what="look the issue keys up", retry=True,
                body={"keys": chunk}, params={**params, "perPage": str(len(chunk))},
            )  # fmt: skip
            listed = issues if isinstance(issues, list) else []
            return [Issue.from_json(i, self.ui_url) for i in listed if isinstance(i, dict)]

        starts = range(0, len(keys), SEARCH_BATCH)
        if len(starts) <= 1:
            return [issue for start in starts for issue in batch(start)]
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(starts))) as pool:
            return [issue for found in pool.map(batch, starts) for issue in found]

    def existing_keys(self, keys: list[str]) -> set[str]:
        """Which of `keys` name issues you can see (search_issues). Moved issues answer under
        their new key and also count for the old one (`aliases`)."""
        found: set[str] = set()
        for issue in self.search_issues(keys):
            found |= set(issue.names) & set(keys)
        return found

    def queue_versions(self, queue: str) -> list[Version]:
        """The versions of `queue` (GET /queues/<queue>/versions)."""
        found = self._queue_list(queue, "versions", f"read the versions of queue {queue}")
        return [Version.from_json(v) for v in found]

    def create_version(self, queue: str, name: str, *, description: str = "") -> Version:
        """Create version `name` in `queue` (POST /versions/). A POST that got no answer, or
        a 409 (it exists: made by someone else, or by our lost attempt), is settled by reading
        the queue's versions before sending it again."""
        body = {"queue": queue, "name": name}
        if description:
            body["description"] = description
        what = f"create version {name} in queue {queue}"
        for attempt in range(1, self.policy.attempts + 1):
            try:
                made = self.request("POST", ("versions",), what=what, body=body)
                if isinstance(made, dict):
                    return Version.from_json(made)
            except (ApiError, NetworkError) as exc:
                if exc.status == 403:
                    raise OperationFailed(
                        f"cannot {what}: Tracker refused (403); creating versions takes the "
                        f"queue's administration rights: ask an administrator of {queue} to "
                        "create it, or give you the rights"
                    ) from None
                if not (exc.status == 409 or _passing(exc) or isinstance(exc, NetworkError)):
                    raise
                if attempt == self.policy.attempts:
                    raise
                there = next((v for v in self.queue_versions(queue) if v.name == name), None)
                if there is not None:
                    return there
                self._pause(exc, attempt)
        there = next((v for v in self.queue_versions(queue) if v.name == name), None)
        if there is None:
            raise OperationFailed(f"cannot {what}: Tracker answered without the version")
        return there

    def transitions(self, key: str) -> list[Transition]:
        found = self._get_list(("issues", key, "transitions"), f"read {key}'s transitions", key)
        return [Transition.from_json(t) for t in found]

    def comments(self, key: str) -> list[dict[str, Any]]:
        """Every comment, oldest first (cursor pages of 100: `?perPage=&id=<last id>`)."""
        out: list[dict[str, Any]] = []
        params = {"perPage": "100"}
        what = f"read {key}'s comments"
        pages = Pages(self._url("issues", key, "comments"), what)
        while True:
            page = self.request(
                "GET", ("issues", key, "comments"), what=what, params=params, key=key
            )
            items = [c for c in page if isinstance(c, dict)] if isinstance(page, list) else []
            out += items
            if len(items) < 100 or "id" not in items[-1]:
                return out
            params = {"perPage": "100", "id": str(items[-1]["id"])}
            pages.next("?" + urlencode(params))  # the same cursor twice ends with an error

    def statuses(self) -> list[dict[str, Any]]:
        """Every status of the organization, each with its `type` (new, inProgress, paused,
        done, cancelled: docs/design/tracker-api.md)."""
        return self._get_list(("statuses",), "read the statuses")

    def queue_resolutions(self, queue: str) -> set[str]:
        """The resolution keys the queue's issue types allow (`issueTypesConfig`)."""
        data = self.request(
            "GET", ("queues", queue), what=f"read the queue {queue}",
            params={"expand": "issueTypesConfig"},
        )  # fmt: skip
        configs = data.get("issueTypesConfig") if isinstance(data, dict) else None
        found: set[str] = set()
        for config in configs if isinstance(configs, list) else []:
            resolutions = config.get("resolutions") if isinstance(config, dict) else None
            for resolution in resolutions if isinstance(resolutions, list) else []:
                if isinstance(resolution, dict) and resolution.get("key"):
                    found.add(str(resolution["key"]))
        return found

    def local_fields(self, queue: str) -> list[dict[str, Any]]:
        return self._queue_list(queue, "localFields", f"read the local fields of queue {queue}")

    def _queue_list(self, queue: str, part: str, what: str) -> list[dict[str, Any]]:
        """GET /queues/<queue>/<part>: a list; 404 said as the queue's."""
        try:
            return self._get_list(("queues", queue, part), what)
        except ApiError as exc:
            if exc.status == 404:
                raise OperationFailed(
                    f"cannot {what}: no queue {queue}, or you have no access (404)"
                ) from None
            raise

    def local_field_id(self, queue: str, key: str) -> str:
        """The full id (`<hex>--key`) of queue `queue`'s local field `key`."""
        fields = self.local_fields(queue)
        for f in fields:
            if f.get("key") == key or f.get("id") == key:
                return str(f["id"])
        known = ", ".join(sorted(str(f.get("key")) for f in fields)) or "none"
        raise ConfigError(
            f"queue {queue} has no local field {key!r} (its local fields: {known}); "
            "check [stand] field in .tracker-git.toml"
        )

    def global_field(self, field_id: str) -> dict[str, Any] | None:
        """The global field `field_id`, None if there is none."""
        try:
            found = self.request("GET", ("fields", field_id), what=f"read field {field_id}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return found if isinstance(found, dict) else None

    # --- writing ----------------------------------------------------------------------------

    def execute_transition(
        self,
        key: str,
        transition_id: str,
        *,
        resolution: str | None = None,
        comment: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> list[Transition]:
        """POST …/_execute once (never retried here: see move_to_status); the transitions
        available from the new status."""
        body: dict[str, Any] = dict(fields or {})
        if resolution:
            body["resolution"] = resolution
        if comment:
            body["comment"] = comment
        found = self.request(
            "POST", ("issues", key, "transitions", transition_id, "_execute"),
            what=f"move {key} ({transition_id})", body=body,
        )  # fmt: skip
        items = found if isinstance(found, list) else []
        return [Transition.from_json(t) for t in items if isinstance(t, dict)]

    def move_to_status(
        self,
        key: str,
        status: str,
        *,
        resolution: str | None = None,
        comment: str | None = None,
        issue: Issue | None = None,
    ) -> MoveResult:
        """Move `key` to the status whose key (or display name) is `status`, through the
        transition leading there from where it is. Already there: nothing is sent. `issue`:
        the issue just read, to save reading it again. The issue is read with its transitions
        (one request: two in all for a move); an answer without them costs a GET of its own."""
        if issue is None:
            issue = self.get_issue(key, with_transitions=True)
        key = issue.key or key  # an old key of a moved issue answers with the new one
        if matches(status, issue.status_key, issue.status_display):
            return MoveResult(key, issue.status_key, issue.status_display, moved=False)
        options = issue.transitions
        if options is None:
            options = self.transitions(key)
        chosen = pick(status, options)
        if chosen is None:
            raise Unreachable(unreachable(key, status, issue, options))
        for attempt in range(1, self.policy.attempts + 1):
            try:
                self.execute_transition(key, chosen.id, resolution=resolution, comment=comment)
                break
            except (ApiError, NetworkError) as exc:
                code = exc.status
                if code == 422 and not resolution and "resolution" in getattr(exc, "errors", {}):
                    raise OperationFailed(self._needs_resolution(key, chosen)) from None
                if code == 409 or _passing(exc) or isinstance(exc, NetworkError):
                    # Did it happen anyway (a lost answer), or did someone else move it?
                    now = self.get_issue(key)
                    if now.status_key == chosen.to_key:
                        break
                    if code == 409 or attempt == self.policy.attempts:
                        raise
                    self._pause(exc, attempt)
                    continue
                raise
        return MoveResult(key, chosen.to_key, chosen.to_display, moved=True, transition=chosen.id)

    def _pause(self, exc: BaseException, attempt: int) -> None:
        """Before sending a write again: what Tracker asked for (Retry-After), else backoff.
        A wait longer than MAX_RETRY_AFTER gives up with the error itself."""
        wait = getattr(exc, "retry_after", None)
        if not isinstance(wait, int | float):
            wait = self.policy.delay(attempt)
        elif wait > MAX_RETRY_AFTER:
            raise exc
        self.sleep(wait)

    def _needs_resolution(self, key: str, transition: Transition) -> str:
        names: list[str] = []
        try:
            found = self._get_list(("resolutions",), "read the resolutions")
            names = [str(r.get("key")) for r in found if r.get("key")]
        except OperationFailed:
            pass
        listed = f" (one of: {', '.join(names)})" if names else ""
        return (
            f"moving {key} to {transition.to_display} needs a resolution; pass --resolution{listed}"
        )

    def add_comment(self, key: str, text: str) -> dict[str, Any]:
        """Add a comment without making us a follower. A POST that got no answer is sent again
        only if the issue's newest comment is not already this text."""
        for attempt in range(1, self.policy.attempts + 1):
            try:
                made = self.request(
                    "POST", ("issues", key, "comments"), what=f"comment on {key}",
                    body={"text": text}, params={"isAddToFollowers": "false"}, key=key,
                )  # fmt: skip
                return made if isinstance(made, dict) else {}
            except OperationFailed as exc:
                if not (isinstance(exc, NetworkError) or _passing(exc)):
                    raise
                if attempt == self.policy.attempts:
                    raise
                existing = self.comments(key)
                if existing and existing[-1].get("text") == text:
                    return existing[-1]
                self._pause(exc, attempt)
        raise AssertionError("unreachable")

    def update_issue(
        self, key: str, fields: Mapping[str, Any], *, issue: Issue | None = None
    ) -> Issue:
        """Set `fields` (ids as Tracker names them), only those that differ, with `?version=`
        (of `issue` if given, just read otherwise). Nothing differs: nothing is sent."""
        if issue is None:
            issue = self.get_issue(key)
        for attempt in range(1, self.policy.attempts + 1):
            changes = {k: v for k, v in fields.items() if not same_value(issue.fields.get(k), v)}
            if not changes:
                return issue
            try:
                data = self.request(
                    "PATCH", ("issues", issue.key or key), what=f"edit {key}", body=changes,
                    params={"version": str(issue.version)}, retry=False, key=key,
                )  # fmt: skip
            except OperationFailed as exc:
                passing = isinstance(exc, NetworkError) or _passing(exc)
                conflict = isinstance(exc, ApiError) and exc.status in (409, 412)
                if not (passing or conflict) or attempt == self.policy.attempts:
                    raise
                if passing:
                    self._pause(exc, attempt)
                issue = self.get_issue(key)  # then send only what still differs
                continue
            if isinstance(data, dict):
                return Issue.from_json(data, self.ui_url)
            return self.get_issue(key)
        raise AssertionError("unreachable")

    def add_fix_version(self, issue: Issue, version: Version) -> bool:
        """Add `version` to the issue's fix versions, keeping the ones it has (`{"add": …}`),
        with `?version=` of `issue` (just read): True when it was added. Already there:
        nothing is sent, False. A
        conflict (409/412) or an edit without an answer re-reads the issue, and sends again
        only if the version is still missing."""
        key = issue.key
        maybe_sent = False  # an edit without an answer may have been applied
        for attempt in range(1, self.policy.attempts + 1):
            if version.id in issue.fix_version_ids:
                return maybe_sent
            try:
                self.request(
                    "PATCH", ("issues", key), what=f"set {key}'s fix version {version.name}",
                    body={"fixVersions": {"add": [{"id": version.id}]}},
                    params={"version": str(issue.version)}, retry=False, key=key,
                )  # fmt: skip
                return True
            except OperationFailed as exc:
                passing = isinstance(exc, NetworkError) or _passing(exc)
                conflict = isinstance(exc, ApiError) and exc.status in (409, 412)
                if not (passing or conflict) or attempt == self.policy.attempts:
                    raise
                maybe_sent = maybe_sent or passing
                if passing:
                    self._pause(exc, attempt)
                issue = self.get_issue(key)
        raise AssertionError("unreachable")


# --- helpers ----------------------------------------------------------------------------------


def _passing(exc: BaseException) -> bool:
    status = getattr(exc, "status", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def _explainer(key: str) -> Any:
    """describe(), with a 404 that names the issue when the request was about one."""
    if not key:
        return describe

    def explain(
        status: int, errors: Mapping[str, str], messages: tuple[str, ...], said: str
    ) -> str:
        if status == 404:
            quoted = f" ({said})" if said else ""
            return (
                f"no issue {key}, or you have no access to it (404){quoted}; check the key "
                "and tracker.org_id"
            )
        return describe(status, errors, messages, said)

    return explain
