"""The worker: takes due tasks from the queue and does them (moves the issues in Tracker).

Each task names its action; `Worker.handlers` maps an action to the function doing it
("transition": move the issue to the status, with the resolution configured for the event).

Concurrency: one thread claims due tasks and hands them to a bounded pool of `concurrency`
threads, so moves of different issues overlap their Tracker round trips. One issue's tasks
stay in order, one at a time, by the queue's own rule: only the oldest pending task of a key
is ever due, and the next one becomes due when it is finished. A 429 from Tracker pauses the
whole pool (for its Retry-After, else the backoff), not just the thread that got it.

Fencing: a claim carries a token. Right before each side effect a handler calls its fence
(`SqlQueue.hold`: the token is still the claim's, and the lease is renewed); for a move this
is between reading the issue and sending the transition, so a worker paused past its lease
(SIGSTOP, GC, a frozen VM) does not move an issue back after its successor moved it on. A task
whose fence fails is dropped and counted (`fenced`); the queue writes no outcome under a token
that is no longer the claim's. Tracker's transition call takes no issue version (only an edit
of fields does), so a request already in flight when its worker froze cannot be fenced: that
window is one request long.

A second thread, the keeper, renews the claims of the tasks in hand every lease/5 s (never a
claim whose work has ended), frees the claims of this host's dead processes, and adds the
in-memory counters to the database.

Recording an outcome (done, retry, failed) that the database refuses (restarted, stopped,
disk full) is tried `RECORD_TRIES` times; then the claim is given up: the heartbeat stops,
the lease lapses, and the task is claimed and applied again (finding the issue in its status:
a success). The issue's later tasks wait meanwhile, never for good.

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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any, Protocol

from tracker_git.core.errors import TrackerGitError
from tracker_git.relay import logs
from tracker_git.relay.config import RetrySettings
from tracker_git.relay.payloads import TransitionTask, decode
from tracker_git.relay.queue import TRANSITION, SqlQueue, Task

log = logs.logger()

# HTTP statuses worth another try: timeouts, conflicts, rate limits, and a refused token or
# missing rights, which an operator can fix within the day the relay keeps trying.
_TRANSIENT = {401, 403, 408, 409, 412, 425, 429}
# Writes of a task's outcome tried before its claim is given up (the database refuses).
RECORD_TRIES = 3
# The longest pool-wide pause a 429's Retry-After may ask for (an hour's would stall the relay).
MAX_PAUSE = 300.0
REMEMBERED = 7 * 86400  # seconds delivery ids are kept, at least


class Mover(Protocol):
    def get_issue(self, key: str, *, with_transitions: bool = False) -> Any: ...

    def move_to_status(
        self, key: str, status: str, *, resolution: str | None = None, issue: Any = None
    ) -> object: ...


class Fenced(Exception):
    """The claim has passed to another worker: this one's result must not be written."""


Fence = Callable[[], None]
Handler = Callable[[Task, Fence], None]


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
        *,
        concurrency: int = 1,
        resolutions: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        on_start: Callable[[], object] | None = None,
    ) -> None:
        self.queue = queue
        self.make_mover = make_mover
        self.retry = retry
        self.permanent = permanent
        self.concurrency = max(1, concurrency)
        self.resolutions = dict(resolutions or {})  # event kind -> resolution key
        self.clock = clock  # this host's: logs and give-up only, never leases (the queue's)
        self.on_start = on_start  # run once as the worker starts (the workflow check)
        # action -> what does it; a task whose action is missing here fails for good.
        self.handlers: dict[str, Handler] = {TRANSITION: self._transition}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._keeper: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._movers = threading.local()  # a Tracker client per pool thread
        # The tasks in hand: the only claims the heartbeat renews.
        self._held: dict[int, Task] = {}
        self._room = threading.Condition()
        self._paused_until = 0.0  # time.monotonic(): the whole pool waits (429)
        self._last_prune = 0.0
        self.remember: float = REMEMBERED  # seconds a delivery's id and body hash are kept

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(self.concurrency, "tracker-git-relay-apply")
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
        """Finish the tasks in hand (up to `timeout` seconds), then give back any claim still
        held, so another process takes it at once instead of after the lease."""
        self._stop.set()
        self.queue.wake()
        with self._room:
            self._room.notify_all()
        deadline = time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout)
        with self._room:
            while self._held and time.monotonic() < deadline:
                self._room.wait(max(0.0, deadline - time.monotonic()))
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._keeper is not None:
            self._keeper.join(max(0.0, deadline - time.monotonic()))
        for handler in self.handlers.values():
            close = getattr(handler, "close", None)  # a handler's clients (commitstatus)
            if close is not None:
                try:
                    close()
                except Exception:
                    log.warning("relay worker: could not close a handler's clients")
        for step in (self.queue.release_mine, self.queue.flush_counters):
            try:
                step()
            except Exception:
                log.warning("relay worker: could not update the queue while stopping")

    def held(self) -> list[Task]:
        with self._room:
            return list(self._held.values())

    def _keep(self) -> None:
        steps = (self._heartbeat, self.queue.release_dead, self.queue.flush_counters)
        keep(self._stop, beat(self.retry), steps, "keeper")

    def _heartbeat(self) -> None:
        for task in self.queue.heartbeat(self.held()):
            log.warning(
                "%s: claim lost to another worker (task %d); its result will be dropped",
                task.issue, task.id,
            )  # fmt: skip

    def _check(self) -> None:
        if self.on_start is None:
            return
        try:
            self.on_start()
        except Exception as exc:  # Tracker unreachable: the tasks will tell
            log.warning("relay worker: could not check the configuration with Tracker (%s)", exc)

    def _run(self) -> None:
        # On a thread of its own: a slow Tracker must not delay taking back a killed relay's
        # task.
        threading.Thread(target=self._check, name="tracker-git-relay-check", daemon=True).start()
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
        """Wait until woken (new work, a task finished), the next task is due, or the poll
        interval passes (a claim of a dead relay becomes free, another process added work
        unannounced)."""
        wait = self.retry.poll
        try:
            due = self.queue.due_in()
        except Exception:
            due = None
        if due is not None:
            wait = max(0.01, min(wait, due))
        self.queue.wait(wait)

    def _room_for(self) -> int:
        """Wait until the pool has a free thread (or stopping); how many are free."""
        with self._room:
            while len(self._held) >= self.concurrency and not self._stop.is_set():
                self._room.wait(1.0)
            return self.concurrency - len(self._held)

    def _gate(self) -> None:
        """Wait out a pause of the whole pool (Tracker said 429)."""
        while not self._stop.is_set():
            left = self._paused_until - time.monotonic()
            if left <= 0:
                return
            self._stop.wait(left)

    def pause(self, seconds: float) -> None:
        """Hold every thread of the pool for `seconds` (a rate limit)."""
        with self._room:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def step(self) -> bool:
        """Claim the due tasks the pool has room for and hand them to it; False when none
        was due."""
        now = self.clock()
        if now - self._last_prune > 3600:
            self._last_prune = now
            # Keep delivery ids at least as long as a forge redelivers (the relay's
            # replay_window) and as events are retried.
            self.queue.prune(now - max(self.remember, 2 * self.retry.give_up))
        free = self._room_for()
        self._gate()
        if self._stop.is_set() or free <= 0:
            return True
        tasks = self.queue.claim_some(lease=self.retry.lease, limit=free)
        if not tasks:
            return False
        with self._room:
            self._held.update((task.id, task) for task in tasks)
        for task in tasks:
            if self._pool is None:  # not started (tests drive step() by hand)
                self._work(task)
            else:
                self._pool.submit(self._work, task)
        return True

    def _work(self, task: Task) -> None:
        try:
            if self._stop.is_set():
                return  # stop() gives back the claims not yet tried
            self._apply(task)
        except Exception:
            log.exception("relay worker: task %d failed unexpectedly", task.id)
        finally:
            with self._room:
                self._held.pop(task.id, None)  # the heartbeat lets its claim go
                self._room.notify_all()
            self.queue.wake()  # the issue's next task may be due

    def mover(self) -> Mover:
        """This pool thread's Tracker client (made on its first use): the moves' and the
        commit-status handler's."""
        mover: Mover | None = getattr(self._movers, "mover", None)
        if mover is None:
            mover = self._movers.mover = self.make_mover()
        return mover

    def _fence(self, task: Task) -> None:
        """Right before a side effect: wait out a pool-wide pause, then make sure the claim
        is still this worker's (renewing its lease)."""
        self._gate()
        if not self.queue.hold(task):
            raise Fenced(f"task {task.id} was claimed by another worker")

    def _transition(self, task: Task, fence: Fence) -> None:
        move = decode(task, TransitionTask)
        mover = self.mover()
        resolution = self.resolutions.get(task.kind) or None
        # Read the issue, check the claim, then move from what was read: a worker paused
        # between reading and moving finds its claim gone instead of moving the issue back.
        issue = mover.get_issue(move.issue, with_transitions=True)
        fence()
        mover.move_to_status(move.issue, move.status, resolution=resolution, issue=issue)

    def _record(self, task: Task, what: str, write: Callable[[], object]) -> None:
        """Write a task's outcome, trying again while the database refuses; then give the
        claim up (the heartbeat stops renewing it; the task is taken again after the lease)."""
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                write()
                return
            except Exception as exc:
                if attempt == RECORD_TRIES or self._stop.is_set():
                    log.error(
                        "%s: could not record %s in the queue (%s); giving the claim up: the "
                        "task is tried again within %g s",
                        task.issue, what, exc, self.retry.lease,
                        extra=logs.fields(result="unrecorded", error=str(exc), task=task.id),
                    )  # fmt: skip
                    with suppress(Exception):  # else the lease lapses by itself
                        self.queue.release(task)
                    return
                self._stop.wait(beat(self.retry) * attempt)

    def _apply(self, task: Task) -> None:
        """Try the task and record what came of it: done, another try later, or failed."""
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
            self._gate()  # not even a read while Tracker asks the pool to wait
            handler(task, lambda: self._fence(task))
        except Fenced:
            self.queue.local.add("fenced")
            log.warning(
                "%s: claimed by another worker meanwhile; this try is dropped", where,
                extra=logs.fields(result="fenced", **about),
            )  # fmt: skip
            return
        except Exception as exc:
            self._failed(task, exc, handler is None, where, about)
            return

        def done() -> None:
            if self.queue.done_all([task], self.clock()):
                log.warning(
                    "%s: done, but claimed by another worker meanwhile; not recorded", where,
                    extra=logs.fields(result="fenced", **about),
                )  # fmt: skip
            else:
                log.info("%s: done", where, extra=logs.fields(result="done", **about))

        self._record(task, "that it is done", done)

    def _failed(
        self,
        task: Task,
        exc: Exception,
        unknown: bool,
        where: str,
        about: Mapping[str, object],
    ) -> None:
        now = self.clock()
        reason = str(exc) or type(exc).__name__
        if getattr(exc, "status", None) == 429:
            wait = getattr(exc, "retry_after", None)
            pause = wait if isinstance(wait, int | float) else backoff(task.attempts, self.retry)
            self.pause(min(float(pause), MAX_PAUSE))
        if self.permanent(exc) or unknown:
            log.error(
                "%s: failed, not retrying: %s", where, reason,
                extra=logs.fields(result="failed", error=reason, **about),
            )  # fmt: skip
            self._record(task, "its failure", lambda: self.queue.fail(task, now, reason))
        elif now - task.created >= self.retry.give_up:
            log.error(
                "%s: gave up after %d tries: %s", where, task.attempts, reason,
                extra=logs.fields(result="gave_up", error=reason, **about),
            )  # fmt: skip
            self._record(task, "its failure", lambda: self.queue.fail(task, now, reason))
        else:
            delay = backoff(task.attempts, self.retry)
            log.warning(
                "%s: try %d failed (%s); next in %.1f s", where, task.attempts, reason, delay,
                extra=logs.fields(result="retry", error=reason, delay=round(delay, 3), **about),
            )  # fmt: skip
            self._record(task, "the retry", lambda: self.queue.retry(task, delay, reason))
