"""The worker thread: takes due tasks from the queue and does them (moves the issues in Tracker).

Each task names its action; `Worker.handlers` maps an action to the function doing it
("transition": move the issue to the status). A second thread, the keeper, renews this
process's claims every lease/5 s (so a slow Tracker call never loses its claim), frees the
claims of this host's dead processes, and adds the in-memory counters to the database.

The worker claims up to `BATCH` due tasks at once (of different issues: only the oldest
pending task of an issue is ever due) and marks the ones Tracker accepted done together when
the batch is through: two queue transactions per batch instead of two per task. A task done
in Tracker whose "done" is lost to a kill is applied again after the restart, which finds the
issue already in its status (a success); the issue's next task waits until it is marked done.

A failed try is retried with exponential backoff (first, doubling, capped, with jitter so a
crowd of retries spreads out) until Tracker accepts or the task is `give_up` seconds old.
An error that trying again cannot fix (the issue does not exist, no transition leads to the
status, the token is refused) fails the task at once: it would otherwise hold back the
issue's later events for a day. An issue already in the status is a success.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from tracker_git.core.errors import TrackerGitError
from tracker_git.relay import logs
from tracker_git.relay.config import RetrySettings
from tracker_git.relay.queue import TRANSITION, SqlQueue, Task

log = logs.logger()

# HTTP statuses worth another try: timeouts, conflicts, rate limits, and a refused token or
# missing rights, which an operator can fix within the day the relay keeps trying.
_TRANSIENT = {401, 403, 408, 409, 412, 425, 429}
# Tasks claimed (and marked done) per queue transaction. Small: a batch is done one task after
# another, and another process's worker cannot take what this one holds.
BATCH = 8
REMEMBERED = 7 * 86400  # seconds delivery ids are kept, at least


class Mover(Protocol):
    def move_to_status(self, key: str, status: str) -> object: ...


def backoff(attempts: int, retry: RetrySettings, rng: Callable[[], float] = random.random) -> float:
    """Seconds before the next try after `attempts` failed ones: first * 2^(n-1), capped,
    then "equal jitter" (between half and all of it) so retries never come all at once."""
    delay: float = min(retry.cap, retry.first * 2.0 ** min(attempts - 1, 40))
    return delay / 2 + rng() * delay / 2


def is_permanent(exc: BaseException) -> bool:
    """Whether trying again cannot help.

    The Tracker client's errors say it: an error with an HTTP `status` decides by it (most
    4xx are final: no such issue, a bad request); one whose `status` is None got no answer
    (network), worth another try; a tracker-git error without a status is the client's own
    verdict (no transition leads to the status, a resolution is required): final. Anything
    else is unexpected and retried.
    """
    if hasattr(exc, "status"):
        status = exc.status
        return isinstance(status, int) and 400 <= status < 500 and status not in _TRANSIENT
    return isinstance(exc, TrackerGitError)


def beat(retry: RetrySettings) -> float:
    """Seconds between a process's visits to the queue's shared state (heartbeats, dead
    holders, counters): a claim outlives a missed one or two."""
    return max(0.05, retry.lease / 5)


def keep(
    stopped: threading.Event, every: float, steps: Sequence[Callable[[], object]], who: str
) -> None:
    """Run `steps` every `every` seconds until `stopped` is set; a failing queue is logged once
    per outage, not at every beat."""
    failing = False
    while not stopped.wait(every):
        try:
            for step in steps:
                step()
            failing = False
        except Exception as exc:
            if not failing:
                log.warning("relay %s: cannot update the queue (%s); trying again", who, exc)
            failing = True


class Worker:
    """Does tasks until stopped. `wake()` makes it look at the queue at once."""

    def __init__(
        self,
        queue: SqlQueue,
        make_mover: Callable[[], Mover],
        retry: RetrySettings,
        permanent: Callable[[BaseException], bool] = is_permanent,
    ) -> None:
        self.queue = queue
        self.make_mover = make_mover
        self.retry = retry
        self.permanent = permanent
        # action -> what does it; a task whose action is missing here fails for good.
        self.handlers: dict[str, Callable[[Task], None]] = {TRANSITION: self._transition}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._keeper: threading.Thread | None = None
        self._mover: Mover | None = None
        self._last_prune = 0.0
        self.remember: float = REMEMBERED  # seconds a delivery's id and body hash are kept

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="tracker-git-relay-worker", daemon=True
        )
        self._keeper = threading.Thread(
            target=self._keep, name="tracker-git-relay-keeper", daemon=True
        )
        self._thread.start()
        self._keeper.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self.queue.wake()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the task in hand (up to `timeout` seconds), then give back any claim still
        held, so another process takes it at once instead of after the lease."""
        self._stop.set()
        self.queue.wake()
        for thread in (self._thread, self._keeper):
            if thread is not None:
                thread.join(timeout)
        for step in (self.queue.release_mine, self.queue.flush_counters):
            try:
                step()
            except Exception:
                log.warning("relay worker: could not update the queue while stopping")

    def _keep(self) -> None:
        steps = (self._heartbeat, self.queue.release_dead, self.queue.flush_counters)
        keep(self._stop, beat(self.retry), steps, "keeper")

    def _heartbeat(self) -> None:
        self.queue.heartbeat(time.time())

    def _run(self) -> None:
        try:
            self.queue.release_dead()  # a restart after a kill: take back its claims now
        except Exception:
            log.exception("relay worker: cannot read the queue; trying again")
        while not self._stop.is_set():
            try:
                worked = self.step()
            except Exception:  # the database is busy or broken: keep the thread alive
                log.exception("relay worker: cannot read the queue; trying again")
                worked = False
            if not worked and not self._stop.is_set():
                self._idle()

    def _idle(self) -> None:
        """Wait until woken (new work), the next task is due, or the poll interval passes
        (a claim of a dead relay becomes free, another process added work unannounced)."""
        wait = self.retry.poll
        try:
            due = self.queue.next_due()
        except Exception:
            due = None
        if due is not None:
            wait = max(0.01, min(wait, due - time.time()))
        self.queue.wait(wait)

    def step(self) -> bool:
        """Do the due tasks of one batch; False when none was due."""
        now = time.time()
        if now - self._last_prune > 3600:
            self._last_prune = now
            # Keep delivery ids at least as long as a forge redelivers (the relay's
            # replay_window) and as events are retried.
            self.queue.prune(now - max(self.remember, 2 * self.retry.give_up))
        tasks = self.queue.claim_some(now, self.retry.lease, BATCH)
        if not tasks:
            return False
        applied: list[Task] = []
        try:
            for task in tasks:
                if self._stop.is_set():
                    break  # stop() gives back the claims not yet tried
                if self._apply(task):
                    applied.append(task)
        finally:
            self.queue.done_all(applied, time.time())
        return True

    def _transition(self, task: Task) -> None:
        if self._mover is None:
            self._mover = self.make_mover()
        self._mover.move_to_status(task.issue, task.status)

    def _apply(self, task: Task) -> bool:
        """Try the task: True when it succeeded (the caller marks it done); a failure is
        scheduled again or failed for good here."""
        where = f"{task.issue} -> {task.status} ({task.kind}, {task.delivery})"
        about = {
            "delivery": task.delivery,
            "action": task.action,
            "issue": task.issue,
            "status": task.status,
            "event": task.kind,
            "pr": task.pr,
            "attempt": task.attempts,
        }
        handler = self.handlers.get(task.action)
        try:
            if handler is None:
                raise TrackerGitError(f"no handler for the task action {task.action!r}")
            handler(task)
        except Exception as exc:
            now = time.time()
            reason = str(exc) or type(exc).__name__
            if self.permanent(exc) or handler is None:
                log.error(
                    "%s: failed, not retrying: %s", where, reason,
                    extra=logs.fields(result="failed", error=reason, **about),
                )  # fmt: skip
                self.queue.fail(task, now, reason)
            elif now - task.created >= self.retry.give_up:
                log.error(
                    "%s: gave up after %d tries: %s", where, task.attempts, reason,
                    extra=logs.fields(result="gave_up", error=reason, **about),
                )  # fmt: skip
                self.queue.fail(task, now, reason)
            else:
                delay = backoff(task.attempts, self.retry)
                log.warning(
                    "%s: try %d failed (%s); next in %.1f s", where, task.attempts, reason, delay,
                    extra=logs.fields(result="retry", error=reason, delay=round(delay, 3), **about),
                )  # fmt: skip
                self.queue.retry(task, now + delay, reason)
            return False
        log.info("%s: done", where, extra=logs.fields(result="done", **about))
        return True
