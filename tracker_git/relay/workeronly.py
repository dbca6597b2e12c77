"""`git tracker relay --worker-only`: the queue's worker as a process of its own, serving no
HTTP, beside relays whose `[server] worker = false` only accept deliveries.

It does what a serving relay's worker thread does (claims, heartbeats, taking back the claims
of dead relays, retries, the counters), on the same database: SQLite on this host (new work
is noticed through SQLite's `data_version` within 0.02 s) or PostgreSQL
(LISTEN/NOTIFY). Run one or more; they share the work as the serving processes' threads do.

Stopping: SIGTERM or SIGINT only sets a flag, which the main thread reads every few tenths of
a second (as the built-in server does, see tracker_git.relay.serve); the worker then finishes
the move in hand (up to Tracker's timeout + 1 s) or gives its claim back. A SIGKILL loses
nothing: the claim of a dead process of this host is taken back when a worker starts.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from types import FrameType

from tracker_git.relay import logs
from tracker_git.relay.app import new_worker, tracker_client
from tracker_git.relay.config import RelayConfig
from tracker_git.relay.queue import open_queue
from tracker_git.relay.worker import Mover

log = logs.logger()
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_LOOK = 0.25  # seconds between looks at the stop flag


def run(
    config: RelayConfig,
    on_ready: Callable[[], None] | None = None,
    make_mover: Callable[[], Mover] | None = None,
) -> int:
    """Do the queue's tasks until SIGTERM or SIGINT; 0, or 1 if the worker thread ended by
    itself (so that systemd or Kubernetes starts the process again)."""
    movers = make_mover or (lambda: tracker_client(config))
    movers()  # a bad api_url or token kind stops the start, as it does a serving relay's
    queue = open_queue(config.database)
    queue.watch_others = True  # every task comes from another process
    worker = new_worker(config, queue, movers)
    stop: list[int] = []  # a plain flag: an Event's lock may be held where the handler runs

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.append(signum)  # nothing else: see tracker_git.relay.serve

    previous = {number: signal.signal(number, stopping) for number in _STOP_SIGNALS}
    worker.start()
    try:
        if on_ready:
            on_ready()
        while not stop and worker.alive():
            time.sleep(_LOOK)
    except KeyboardInterrupt:
        pass
    finally:
        crashed = not worker.alive() and not stop
        worker.stop(timeout=config.tracker.timeout + 1)
        queue.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
    if crashed:
        log.error("relay worker: the worker thread ended; stopping so it is started again")
        return 1
    logs.announce("relay worker stopped")
    return 0
