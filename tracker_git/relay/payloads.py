"""What each kind of task carries: one frozen dataclass per task action, the one place that
turns a task's stored row (its `issue`, `status` and JSON `data`) into typed values and back.

    TransitionTask(issue, status)            "transition": move the issue to the status
    CommitStatusTask(forge, repository, sha, branch, link, keys)
                                             "commit_status": set tracker-git/issue on a commit

`new_task(payload)` is what the queue stores; `decode(task, TransitionTask)` is what a handler
reads, or MalformedTask (a permanent failure: trying again cannot mend a row) when the row is
not of that kind or its data lacks a value or has one of the wrong type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar

from tracker_git.core.errors import TrackerGitError
from tracker_git.relay.queue import TRANSITION, NewTask, Task


class MalformedTask(TrackerGitError):
    """A task row that is not what its action says."""


@dataclass(frozen=True)
class TransitionTask:
    ACTION: ClassVar[str] = TRANSITION
    issue: str
    status: str

    def new_task(self) -> NewTask:
        return NewTask(issue=self.issue, status=self.status, action=self.ACTION)


@dataclass(frozen=True)
class CommitStatusTask:
    ACTION: ClassVar[str] = "commit_status"
    forge: str
    repository: str  # owner/name (GitLab: group/subgroup/name)
    sha: str
    branch: str
    link: str  # the pull request
    keys: tuple[str, ...]

    @property
    def order_key(self) -> str:
        """Statuses of one commit are set in the order their deliveries came, and never
        hold back an issue's moves: their key is the commit."""
        return f"{self.forge}:{self.repository}@{self.sha}"

    def new_task(self) -> NewTask:
        data = {
            "forge": self.forge, "repository": self.repository, "sha": self.sha,
            "branch": self.branch, "link": self.link, "keys": list(self.keys),
        }  # fmt: skip
        return NewTask(issue=self.order_key, action=self.ACTION, data=data)


P = TypeVar("P", TransitionTask, CommitStatusTask)


def _text(task: Task, name: str) -> str:
    value = task.data.get(name)
    if not isinstance(value, str):
        raise MalformedTask(f"task {task.id} ({task.action}): {name!r} is not a string")
    return value


def decode(task: Task, kind: type[P]) -> P:
    """The task's payload as `kind`; MalformedTask if the row is not one."""
    if task.action != kind.ACTION:
        raise MalformedTask(f"task {task.id} is a {task.action!r} task, not {kind.ACTION!r}")
    if kind is TransitionTask:
        if not task.issue or not task.status:
            raise MalformedTask(f"task {task.id} (transition) has no issue or no status")
        return kind(issue=task.issue, status=task.status)  # type: ignore[call-arg]
    keys = task.data.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise MalformedTask(f"task {task.id} ({task.action}): 'keys' is not a list of strings")
    return kind(  # type: ignore[call-arg]
        forge=_text(task, "forge"), repository=_text(task, "repository"),
        sha=_text(task, "sha"), branch=_text(task, "branch"), link=_text(task, "link"),
        keys=tuple(keys),
    )  # fmt: skip
