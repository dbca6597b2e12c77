"""The worker thread: takes due tasks from the queue and moves the issues in Tracker.

A failed try is retried with exponential backoff (first, doubling, capped, with jitter so a
crowd of retries spreads out) until Tracker accepts or the task is `give_up` seconds old.
An error that trying again cannot fix (the issue does not exist, no transition leads to the
status, the token is refused) fails the task at once: it would otherwise hold back the
issue's later events for a day. An issue already in the status is a success.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Protocol

from tracker_git.core.errors import TrackerGitError
from tracker_git.relay.config import RetrySettings
from tracker_git.relay.queue import Queue, Task

log = logging.getLogger("tracker_git.relay")

# HTTP statuses worth another try: timeouts, conflicts, rate limits, and a refused token or
# missing rights, which an operator can fix within the day the relay keeps trying.
_TRANSIENT = {401, 403, 408, 409, 412, 425, 429}


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


class Worker:
    """Applies tasks until stopped. `wake()` makes it look at the queue at once."""

    def __init__(
        self,
        queue: Queue,
        make_mover: Callable[[], Mover],
        retry: RetrySettings,
        permanent: Callable[[BaseException], bool] = is_permanent,
    ) -> None:
        self.queue = queue
        self.make_mover = make_mover
        self.retry = retry
        self.permanent = permanent
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mover: Mover | None = None
        self._last_prune = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="tracker-git-relay-worker", daemon=True
        )
        self._thread.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.step()
            except Exception:  # the database is busy or broken: keep the thread alive
                log.exception("relay worker: cannot read the queue; trying again")
                worked = False
            if not worked:
                self._idle()

    def _idle(self) -> None:
        """Sleep until woken, the next task is due, or the poll interval passes (other
        processes sharing the database add tasks this one is not told about)."""
        wait = self.retry.poll
        try:
            due = self.queue.next_due()
        except Exception:
            due = None
        if due is not None:
            wait = max(0.01, min(wait, due - time.time()))
        self._wake.wait(wait)
        self._wake.clear()

    def step(self) -> bool:
        """Apply one due task; False when none was due."""
        now = time.time()
        if now - self._last_prune > 3600:
            self._last_prune = now
            # Keep delivery ids at least as long as a forge keeps retrying: a week.
            self.queue.prune(now - max(7 * 86400, 2 * self.retry.give_up))
        task = self.queue.claim(now, self.retry.lease)
        if task is None:
            return False
        self._apply(task)
        return True

    def _apply(self, task: Task) -> None:
        where = f"{task.issue} -> {task.status} ({task.kind}, {task.delivery})"
        try:
            if self._mover is None:
                self._mover = self.make_mover()
            self._mover.move_to_status(task.issue, task.status)
        except Exception as exc:
            now = time.time()
            reason = str(exc) or type(exc).__name__
            if self.permanent(exc):
                log.error("%s: failed, not retrying: %s", where, reason)
                self.queue.fail(task, now, reason)
            elif now - task.created >= self.retry.give_up:
                log.error("%s: gave up after %d tries: %s", where, task.attempts, reason)
                self.queue.fail(task, now, reason)
            else:
                delay = backoff(task.attempts, self.retry)
                log.warning(
                    "%s: try %d failed (%s); next in %.1f s", where, task.attempts, reason, delay
                )
                self.queue.retry(task, now + delay, reason)
            return
        log.info("%s: done", where)
        self.queue.done(task, time.time())
