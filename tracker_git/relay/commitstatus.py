"""Commit statuses from the relay: `tracker-git/issue` on each pull request's head commit.

A delivery that opens a pull request, edits it or gives it new commits (each forge's
`PARTS.head`) adds a task of the action "commit_status" to the durable queue, beside any
transition, when the forge's table in the relay's configuration has a token. The task's
order key is the head commit (`forge:repository@sha`), never an issue, so a status never
holds back a transition, and statuses of one commit are set in the order their deliveries came.

The worker then asks Tracker for the first key's issue and sets the status through the
forge's status API (forges.base.Forge.set_commit_status):
- success: "DEV-123: <its status>", linking to the issue; never the summary, which anyone
  who can see the pull request would read (on a public repository: anyone), unless the
  forge's `status_summary` is on (private repositories);
- failure: the title and branch carry no key, or Tracker has no such issue or does not let
  the relay see it (404 and 403 read the same, so a status tells no outsider which keys
  exist), linking to the pull request.
A forge or a Tracker that does not answer (or answers 5xx, 429, 401) is tried again with
the queue's backoff; a status the forge refuses for good (400, 404, 422) fails the task.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tracker_git.core.errors import OperationFailed
from tracker_git.forges.webhook import Head
from tracker_git.relay.config import RelayConfig
from tracker_git.relay.payloads import CommitStatusTask, decode
from tracker_git.relay.queue import NewTask, Task

if TYPE_CHECKING:
    from tracker_git.forges import Forge
    from tracker_git.relay.config import ForgeConfig

ACTION = CommitStatusTask.ACTION


def task_for(forge: str, head: Head, keys: Iterable[str]) -> NewTask | None:
    """The status task for a pull request's head, or None when the delivery lacks what a
    status needs (the head commit, the repository's path)."""
    if not head.sha or "/" not in head.repository:
        return None
    payload = CommitStatusTask(
        forge=forge, repository=head.repository, sha=head.sha, branch=head.branch,
        link=head.link, keys=tuple(keys),
    )  # fmt: skip
    return payload.new_task()


class StatusSetter:
    """The worker's handler for "commit_status" tasks.

    The worker applies tasks in a pool of threads; each thread reads issues with the worker's
    Tracker client of that thread (`reader`) and keeps one forge client per forge (requests'
    sessions are not safe to share between threads), reused for every task it applies, each
    repository's client a view sharing that forge's session (Forge.for_repository). `close()`
    closes the forge clients as the worker stops."""

    def __init__(self, config: RelayConfig, reader: Callable[[], object]) -> None:
        self.config = config
        self._reader = reader  # the calling thread's Tracker client (Worker.mover)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._made: list[Forge] = []  # every thread's forge clients, to close

    def _client(self, forge: ForgeConfig, repository: str) -> Forge:
        """This thread's client of `forge`, for `repository`."""
        from tracker_git import forges
        from tracker_git.forges.detect import ForgeRemote

        clients: dict[str, Forge] = self._local.__dict__.setdefault("clients", {})
        client = clients.get(forge.name)
        if client is None:
            host = urlsplit(forge.api_url).hostname or ""
            remote = ForgeRemote(forge.name, host, forge.api_url, "", "", "")
            client = forges.client_for(remote, forge.token, self.config.tracker.timeout)
            clients[forge.name] = client
            with self._lock:
                self._made.append(client)
        owner, _, repo = repository.rpartition("/")
        return client.for_repository(owner, repo)

    def close(self) -> None:
        """Close every forge client the worker's threads made (their sessions)."""
        with self._lock:
            made, self._made = self._made, []
        for client in made:
            client.close()

    def _status(self, payload: CommitStatusTask, summary: bool) -> Any:
        from tracker_git.forges import CommitStatus
        from tracker_git.http import ApiError

        keys, link, branch = payload.keys, payload.link, payload.branch
        if not keys:
            return CommitStatus(
                "failure", "no issue key in the title, description or branch", link, branch=branch
            )
        reader = self._reader()
        if not hasattr(reader, "get_issue"):
            raise OperationFailed("the relay's Tracker client cannot read issues")
        try:
            issue = reader.get_issue(keys[0])
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
            return CommitStatus(
                "failure",
                f"Tracker has no issue {keys[0]} (or cannot show it)",
                link,
                branch=branch,
            )
        shown = issue.summary if summary else issue.status_display
        return CommitStatus("success", f"{issue.key}: {shown}", issue.url, branch=branch)

    def __call__(self, task: Task, fence: Callable[[], None]) -> None:
        payload = decode(task, CommitStatusTask)
        forge = self.config.forges.get(payload.forge)
        if forge is None or not forge.token:
            raise OperationFailed(f"no token for {payload.forge} in the relay's configuration")
        status = self._status(payload, forge.status_summary)
        client = self._client(forge, payload.repository)
        fence()  # the claim is still ours: a late worker does not set an older status
        client.set_commit_status(payload.sha, status)
