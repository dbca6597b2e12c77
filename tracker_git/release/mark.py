"""The release in Tracker: each queue's version (found, or created unless `create` is off)
set in each issue's fix versions without dropping the ones it has, and optionally a move to a
status and a comment with the release's address.

Idempotent by construction: an issue that already has the version is left alone (no request),
a move to the status it is in sends nothing, and the comment goes out only with the version
(before it: an issue with the version has had its comment), after checking that the issue's
comments do not already hold it. Writes go in parallel, `workers` at a time (the HTTP
session keeps 10 connections per host); when Tracker stops answering the run stops starting
new issues, and the report lists what was done and what was not: the same command finishes it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tracker_git.core.errors import ConfigError, OperationFailed
from tracker_git.http import NetworkError
from tracker_git.tracker.client import PARALLEL, TrackerClient
from tracker_git.tracker.matching import matches, pick
from tracker_git.tracker.models import Issue, Version

WORKERS = PARALLEL  # below requests' 10 pooled connections per host


@dataclass(frozen=True)
class Options:
    version: str
    create: bool = True
    status: str = ""  # [release] status; "" leaves statuses alone
    resolution: str = ""  # [release] resolution, for a status that needs one
    comment: str = ""  # the comment's text; "" writes none
    workers: int = WORKERS


@dataclass(frozen=True)
class Outcome:
    key: str
    did: tuple[str, ...] = ()  # what was written: "fix version 2.4.0", "moved to Released"
    error: str = ""  # why it was not finished
    skipped: bool = False  # not started: Tracker stopped answering before its turn
    config: bool = False  # the error is the configuration's ([release] ...), not Tracker's

    @property
    def done(self) -> bool:
        return not self.error and not self.skipped

    def line(self, version: str) -> str:
        if self.skipped:
            return f"{self.key}: not done (stopped before it)"
        if self.error:
            return f"{self.key}: not done: {self.error}"
        if not self.did:
            return f"{self.key}: already in {version}; nothing to do"
        return f"{self.key}: {', '.join(self.did)}"


@dataclass
class Report:
    version: str
    created: list[str] = field(default_factory=list)  # queues whose version was created
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.done]

    @property
    def config_only(self) -> bool:
        """Whether every failure is the configuration's (the command exits 2)."""
        return bool(self.failed) and all(o.config for o in self.failed)

    @property
    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.done and o.did]

    def summary(self) -> str:
        total = len(self.outcomes)
        if self.failed:
            done = [o.key for o in self.outcomes if o.done]
            left = [o.key for o in self.failed]
            return (
                f"{self.version}: {len(left)} of {total} issue(s) not done "
                f"({', '.join(left[:20])}{' …' if len(left) > 20 else ''}); "
                f"{len(done)} done; "
                + ("fix the configuration as said above, then " if self.config_only else "")
                + "run the same command again to finish"
            )
        if not self.changed and not self.created:
            return f"{self.version}: all {total} issue(s) already marked; nothing to do"
        queues = ", ".join(self.created)
        if self.dry_run:
            made = f"; would create the version in {queues}" if self.created else ""
            return (
                f"{self.version}: would mark {len(self.changed)} issue(s), "
                f"{total - len(self.changed)} already{made}; dry run: nothing sent"
            )
        made = f"; version created in {queues}" if self.created else ""
        return (
            f"{self.version}: {len(self.changed)} issue(s) marked, "
            f"{total - len(self.changed)} already{made}"
        )


def _is_outage(exc: BaseException) -> bool:
    status = getattr(exc, "status", None)
    return isinstance(exc, NetworkError) or (
        isinstance(status, int) and (status == 429 or status >= 500)
    )


def versions(
    client: TrackerClient, queues: Sequence[str], options: Options, plan: list[str] | None
) -> tuple[dict[str, Version], list[str]]:
    """Each queue's version named `options.version`: (found or created, the queues where it
    is created), the queues asked at the same time. With `plan` (a dry run's list) the
    creations are described, not sent. Nothing is created before every queue is read, so
    --no-create refuses before any write."""
    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(queues)))) as pool:
        listed = list(pool.map(client.queue_versions, queues))
    found: dict[str, Version] = {}
    missing: list[str] = []
    for queue, known in zip(queues, listed, strict=True):
        there = next((v for v in known if v.name == options.version), None)
        if there is None:
            missing.append(queue)
        else:
            found[queue] = there
    if missing and not options.create:
        raise OperationFailed(
            f"queue {missing[0]} has no version {options.version!r} and --no-create was given; "
            "create it in Tracker (the queue's settings, Versions) or drop --no-create"
        )
    for queue in missing:
        if plan is not None:
            body = json.dumps({"queue": queue, "name": options.version}, ensure_ascii=False)
            plan.append(f"POST {client.base}/versions/ {body}")
            found[queue] = Version(
                f"<id of the new {queue} {options.version}>", options.version, queue
            )
    if plan is None and missing:
        with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(missing)))) as pool:
            made = list(pool.map(lambda q: client.create_version(q, options.version), missing))
        found.update(zip(missing, made, strict=True))
    return found, missing


def _mark_one(
    client: TrackerClient,
    issue: Issue,
    version: Version,
    options: Options,
    plan: list[str] | None,
) -> Outcome:
    """Move, comment, then the fix version last: an issue with the version is finished."""
    did: list[str] = []
    key = issue.key
    if options.status and not matches(options.status, issue.status_key, issue.status_display):
        if plan is not None:
            chosen = pick(options.status, issue.transitions or [])
            tid = chosen.id if chosen else f"<none leads to {options.status}>"
            body = json.dumps({"resolution": options.resolution} if options.resolution else {})
            plan.append(f"POST {client.base}/issues/{key}/transitions/{tid}/_execute {body}")
            did.append(f"would move to {options.status}")
        else:
            try:
                moved = client.move_to_status(
                    key, options.status, resolution=options.resolution or None, issue=issue
                )
            except OperationFailed as exc:
                said = str(exc)
                if "needs a resolution; pass --resolution" not in said:
                    raise
                raise ConfigError(
                    said.replace("pass --resolution", "set [release] resolution")
                ) from None
            did.append(f"moved to {moved.status_display}")
    if version.id in issue.fix_version_ids:
        return Outcome(key, tuple(did))
    if options.comment:
        if plan is not None:
            body = json.dumps({"text": options.comment}, ensure_ascii=False)
            plan.append(f"GET {client.base}/issues/{key}/comments (not to comment twice)")
            plan.append(f"POST {client.base}/issues/{key}/comments {body}")
            did.append("would comment")
        elif not any(c.get("text") == options.comment for c in client.comments(key)):
            client.add_comment(key, options.comment)
            did.append("commented")
    if plan is not None:
        body = json.dumps({"fixVersions": {"add": [{"id": version.id}]}})
        if did:
            plan.append(f"GET {client.base}/issues/{key} (its version after the above)")
        plan.append(f"PATCH {client.base}/issues/{key}?version={issue.version} {body}")
        return Outcome(key, (*did, f"would set fix version {options.version}"))
    if did:  # moved or commented: a newer version of the issue than the one read
        issue = client.get_issue(key)
    if client.add_fix_version(issue, version):
        did.append(f"fix version {options.version}")
    return Outcome(key, tuple(did))


def mark(
    client: TrackerClient,
    issues: Sequence[Issue],
    options: Options,
    *,
    plan: list[str] | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> Report:
    """Mark `issues` (read with their transitions when a status is asked for). `plan`: a dry
    run, whose writes are appended there instead of sent. `say` gets one line per issue as it
    finishes."""
    queues = list(dict.fromkeys(i.queue for i in issues))
    report = Report(options.version, dry_run=plan is not None)
    found, report.created = versions(client, queues, options, plan)
    stop = threading.Event()
    lock = threading.Lock()

    def one(issue: Issue) -> Outcome:
        if stop.is_set():
            outcome = Outcome(issue.key, skipped=True)
        else:
            try:
                outcome = _mark_one(client, issue, found[issue.queue], options, plan)
            except OperationFailed as exc:
                if _is_outage(exc):
                    stop.set()  # Tracker is failing: start no more, a rerun finishes
                outcome = Outcome(issue.key, error=str(exc))
            except ConfigError as exc:  # the next issue may need no resolution: go on
                outcome = Outcome(issue.key, error=str(exc), config=True)
        with lock:
            say(outcome.line(options.version))
        return outcome

    if plan is not None:  # a dry run: in order, nothing sent
        report.outcomes = [one(i) for i in issues]
        return report
    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(issues)))) as pool:
        report.outcomes = list(pool.map(one, issues))
    return report


def trace(client: TrackerClient, say: Callable[[str], None]) -> None:
    """Every request the client sends, as one line to `say` (a dry run shows its reads)."""

    def hook(response: Any, *args: Any, **kwargs: Any) -> Any:
        request = response.request
        say(f"{request.method} {request.url} -> {response.status_code}")
        return response

    client.session.hooks["response"].append(hook)
