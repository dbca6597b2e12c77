"""The worker against a real queue (SQLite and a real PostgreSQL) and the real sandbox:
fencing of a worker paused past its lease, skewed hosts' clocks, the database stopped between
the Tracker call and the completion write, per-issue order under concurrency, resolutions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from testing.postgres import PostgresServer
from testing.servers import SandboxHandle, serve_on_loopback
from tests.relay.helpers import (
    relay_in_thread,
    seed_issue,
    start_relay_process,
    status_of,
    transitions,
    wait_until,
    write_config,
)
from tracker_git.http import ApiError
from tracker_git.relay.app import tracker_client
from tracker_git.relay.config import RetrySettings, TrackerSettings, load
from tracker_git.relay.queue import Delivery, NewTask, SqlQueue, open_queue
from tracker_git.relay.worker import Worker
from tracker_git.tracker import connect

Opener = Callable[[], SqlQueue]


@pytest.fixture(params=["sqlite", "postgres"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the test's database again on every call (as another relay would), on the
    database's own clock."""
    if request.param == "sqlite":
        database = str(tmp_path / "q.sqlite3")
    else:
        database = request.getfixturevalue("postgres_url")
    opened: list[SqlQueue] = []

    def open_it() -> SqlQueue:
        opened.append(open_queue(database))
        return opened[-1]

    yield open_it
    for queue in opened:
        queue.close()


def retry(lease: float = 5.0) -> RetrySettings:
    return RetrySettings(first=0.05, cap=0.2, give_up=86400, poll=0.2, lease=lease)


def client(sandbox: SandboxHandle) -> Any:
    settings = TrackerSettings(
        api_url=sandbox.url, api_version="v3", org_id=sandbox.org_id, cloud_org_id="",
        token_kind="oauth", timeout=10, token=sandbox.token,
    )  # fmt: skip
    return connect.client(settings, sandbox.token)


def enqueue(queue: SqlQueue, name: str, issue: str, status: str, kind: str = "opened") -> None:
    delivery = Delivery(f"github:{name}", "github", kind, f"github:sha256:{name}")
    assert queue.enqueue(delivery, [NewTask(issue=issue, status=status)], time.time())


class PausedAfterReading:
    """A Tracker client whose first read of an issue is followed by a pause, as a process
    stopped (SIGSTOP, a GC pause, a frozen VM) between reading the issue and moving it."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.read = threading.Event()
        self.resume = threading.Event()

    def get_issue(self, key: str, *, with_transitions: bool = False) -> Any:
        issue = self.real.get_issue(key, with_transitions=with_transitions)
        if not self.read.is_set():
            self.read.set()
            assert self.resume.wait(30)
        return issue

    def move_to_status(self, key: str, status: str, **options: Any) -> object:
        return self.real.move_to_status(key, status, **options)


def test_a_worker_paused_past_its_lease_does_not_move_the_issue_back(
    opener: Opener, sandbox: SandboxHandle
) -> None:
    """Worker A reads DEV-3 (in review) for its first task, then stands still past its lease
    (its keeper too: the worker is driven by hand, nothing heartbeats). Worker B takes the task
    and applies all three (needs rework, in progress, in review). A wakes up: its claim's
    token has changed, so it drops the move instead of sending the issue back to rework, and
    writes nothing over B's rows."""
    key = "DEMO-3"  # in review
    qa, qb = opener(), opener()
    for n, status in enumerate(("needsRework", "inProgress", "inReview")):
        enqueue(qa, f"d{n}", key, status)
    paused = PausedAfterReading(client(sandbox))
    a = Worker(qa, lambda: paused, retry(lease=0.3))
    stalled = threading.Thread(target=a.step)
    stalled.start()
    assert paused.read.wait(30)
    time.sleep(0.5)  # past the lease
    b = Worker(qb, lambda: client(sandbox), retry(lease=0.3))
    while qb.pending():
        b.step()
    assert status_of(sandbox, key) == "inReview"
    paused.resume.set()
    stalled.join(30)
    assert status_of(sandbox, key) == "inReview"  # not sent back to rework
    assert len(transitions(sandbox)) == 3  # B's three moves, none of A's
    assert [t["state"] for t in qb.tasks()] == ["done", "done", "done"]
    assert qa.counters().get("fenced") == 1
    assert qa.counters().get("applied") is None  # A recorded nothing


class SlowMover:
    """Holds every move until let go (a Tracker call in progress)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.started = threading.Event()
        self.go = threading.Event()

    def get_issue(self, key: str, *, with_transitions: bool = False) -> Any:
        return self.real.get_issue(key, with_transitions=with_transitions)

    def move_to_status(self, key: str, status: str, **options: Any) -> object:
        self.started.set()
        assert self.go.wait(30)
        return self.real.move_to_status(key, status, **options)


def test_hosts_with_skewed_clocks_neither_steal_live_claims_nor_wait(
    opener: Opener, sandbox: SandboxHandle
) -> None:
    """Leases and due times are on the database's clock. A worker whose host runs 20 s ahead
    does not take a live worker's task (its lease is 1 s); a delivery enqueued by an intake
    whose clock runs 20 s ahead is due at once for a worker whose clock runs 20 s behind."""
    qa, qb = opener(), opener()
    enqueue(qa, "d1", "DEMO-1", "inProgress")
    slow = SlowMover(client(sandbox))
    a = Worker(qa, lambda: slow, retry(lease=1.0), clock=lambda: time.time())
    ahead = Worker(qb, lambda: client(sandbox), retry(lease=1.0), clock=lambda: time.time() + 20)
    a.start()
    try:
        assert slow.started.wait(30)
        deadline = time.monotonic() + 2.5  # more than two leases: A's keeper heartbeats
        while time.monotonic() < deadline:
            assert not ahead.step(), "the worker 20 s ahead took a live claim"
            time.sleep(0.1)
        slow.go.set()
        wait_until(lambda: qa.pending() == 0)
    finally:
        slow.go.set()
        a.stop()
    assert len(transitions(sandbox)) == 1
    # An intake 20 s ahead (its received time), a worker 20 s behind: due now all the same.
    delivery = Delivery("github:d2", "github", "opened", "github:sha256:d2")
    qa.enqueue(delivery, [NewTask(issue="DEMO-2", status="inReview")], time.time() + 20)
    behind = Worker(qb, lambda: client(sandbox), retry(), clock=lambda: time.time() - 20)
    assert behind.step()
    wait_until(lambda: qb.pending() == 0)
    assert status_of(sandbox, "DEMO-2") == "inReview"


def _database(url: str) -> str:
    return url.split("///", 1)[1].split("?", 1)[0]


class StopsTheDatabase:
    """Moves the issue, then stops the queue's database before the worker records it: new
    connections are refused and the open ones cut, as when PostgreSQL stops."""

    def __init__(self, real: Any, server: PostgresServer, url: str) -> None:
        self.real, self.server, self.name = real, server, _database(url)
        self.stopped = threading.Event()

    def get_issue(self, key: str, *, with_transitions: bool = False) -> Any:
        return self.real.get_issue(key, with_transitions=with_transitions)

    def move_to_status(self, key: str, status: str, **options: Any) -> object:
        result = self.real.move_to_status(key, status, **options)
        if not self.stopped.is_set():
            self.stopped.set()
            self.server.admin(f"ALTER DATABASE {self.name} ALLOW_CONNECTIONS false")
            self.server.admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{self.name}'"
            )
        return result


def test_a_database_stopped_mid_completion_leaves_no_task_stuck(
    postgres_server: PostgresServer, postgres_url: str, sandbox: SandboxHandle
) -> None:
    """The database stops between Tracker's answer and the write recording it. The worker
    tries the write again, then gives its claim up (its heartbeat stops renewing it); once
    the database is back the task is taken again (the issue is already there: a success)
    and the issue's next task is applied too, while the same worker runs on."""
    queue = open_queue(postgres_url)
    enqueue(queue, "d1", "DEMO-1", "inProgress")
    enqueue(queue, "d2", "DEMO-1", "inReview")
    mover = StopsTheDatabase(client(sandbox), postgres_server, postgres_url)
    worker = Worker(queue, lambda: mover, retry(lease=1.0))
    worker.start()
    try:
        assert mover.stopped.wait(30)
        wait_until(lambda: not worker.held())  # the write was tried, then the claim given up
        time.sleep(0.5)  # the keeper beats (and fails) meanwhile
        postgres_server.admin(f"ALTER DATABASE {_database(postgres_url)} ALLOW_CONNECTIONS true")
        wait_until(lambda: queue.pending() == 0)
    finally:
        postgres_server.admin(f"ALTER DATABASE {_database(postgres_url)} ALLOW_CONNECTIONS true")
        worker.stop()
        queue.close()
    assert status_of(sandbox, "DEMO-1") == "inReview"
    assert [t["state"] for t in open_queue(postgres_url).tasks()] == ["done", "done"]


def test_a_heartbeat_renews_only_the_claims_in_hand(opener: Opener) -> None:
    """A claim whose work has ended is not renewed: it lapses after the lease."""
    q = opener()
    q.clock = lambda: 10.0  # the test says the time
    enqueue(q, "d1", "DEMO-1", "s")
    enqueue(q, "d2", "DEMO-2", "s")
    first, second = q.claim_some(lease=5, limit=2)
    q.clock = lambda: 14.0
    assert q.heartbeat([first]) == []  # only the task still being worked on
    other = opener()
    other.clock = lambda: 18.0
    taken = other.claim_some(lease=5, limit=2)
    assert [t.id for t in taken] == [second.id]
    assert taken[0].token == second.token + 1
    assert q.heartbeat([second]) == [second]  # lost: the caller hears of it
    assert not q.hold(second)
    assert not q.done(second, 19.0)  # fenced: not written over its successor's claim
    assert not q.retry(second, 1.0, "late")
    assert not q.fail(second, 19.0, "late")
    row = {t["id"]: t for t in q.tasks()}[second.id]
    assert (row["state"], row["last_error"], row["token"]) == ("pending", "", taken[0].token)
    assert q.counters()["fenced"] == 3


def test_a_close_on_merge_sets_the_configured_resolution(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    """merged -> closed, whose transition requires a resolution: [resolutions] merged gives
    it, the issue closes as fixed, and the start's check finds nothing to say."""
    from tracker_git.relay.app import check_workflow
    from tracker_git.relay.config import load

    seed_issue(sandbox, "PROJ-123", "readyForTest")
    config = write_config(
        tmp_path, sandbox, statuses={"merged": "closed"}, extra='queues = ["PROJ"]'
    )
    config.write_text(config.read_text() + '[resolutions]\nmerged = "fixed"\n')
    assert check_workflow(load(str(config)), client(sandbox)) == []
    with relay_in_thread(config) as relay:
        assert relay.post("github-merged").status_code == 202
        wait_until(lambda: relay.app.queue.pending() == 0)
        assert relay.app.queue.tasks()[0]["state"] == "done"
    issue = sandbox.state.issue("PROJ-123")
    assert issue is not None and (issue["status"], issue["resolution"]) == ("closed", "fixed")
    assert len(transitions(sandbox)) == 1


def test_the_start_names_a_closing_status_without_a_resolution(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    """Checked against Tracker when the relay starts (and by --check): a status that closes
    the issue with no resolution configured, a resolution the queue does not have, a status
    Tracker does not know."""
    import os
    import subprocess
    import sys

    from tracker_git.relay.app import check_workflow
    from tracker_git.relay.config import load

    config = write_config(
        tmp_path, sandbox, statuses={"merged": "closed", "declined": "archived"},
        extra='queues = ["DEMO"]',
    )  # fmt: skip
    config.write_text(config.read_text() + '[resolutions]\ndeclined = "someday"\n')
    found = check_workflow(load(str(config)), client(sandbox))
    assert found == [
        "[statuses] merged = 'closed' closes the issue, and Tracker's transitions into it need "
        'a resolution; set [resolutions] merged (e.g. "fixed")',
        "[statuses] declined = 'archived': Tracker has no such status",
        "[resolutions] declined = 'someday': queue DEMO has no such resolution (it has: "
        "duplicate, fixed, invalid, wontFix)",
    ]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "git-tracker"), "relay", "--config", str(config),
         "--check"],
        capture_output=True, text=True, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "set [resolutions] merged" in done.stderr and "Traceback" not in done.stderr


class Recording:
    """A real client that notes when each read and move starts and ends, per issue."""

    def __init__(self, real: Any, seen: list[tuple[float, str, str, str]]) -> None:
        self.real, self.seen = real, seen
        self.lock = threading.Lock()

    def _note(self, key: str, what: str, edge: str) -> None:
        with self.lock:
            self.seen.append((time.monotonic(), key, what, edge))

    def get_issue(self, key: str, *, with_transitions: bool = False) -> Any:
        self._note(key, "read", "start")
        try:
            return self.real.get_issue(key, with_transitions=with_transitions)
        except Exception as exc:
            self._note(key, f"read failed: {getattr(exc, 'status', '')}", "end")
            raise

    def move_to_status(self, key: str, status: str, **options: Any) -> object:
        self._note(key, status, "start")
        try:
            return self.real.move_to_status(key, status, **options)
        finally:
            self._note(key, status, "end")


# A round every issue can make from inProgress, event after event.
ROUND = ("inReview", "needsRework", "inProgress", "inReview", "readyForTest")


def test_issues_move_concurrently_each_in_order(opener: Opener, sandbox: SandboxHandle) -> None:
    """Twelve issues, five events each, Tracker 20 ms away, a pool of 8: moves of different
    issues overlap; each issue's moves happen in delivery order, never two at once."""
    sandbox.inject(latency_ms=20)
    queue = opener()
    keys = [f"LOAD-{n}" for n in range(1, 13)]
    for key in keys:
        seed_issue(sandbox, key, "inProgress")
    for step, status in enumerate(ROUND):  # deliveries interleaved across the issues
        for key in keys:
            enqueue(queue, f"{key}-{step}", key, status)
    seen: list[tuple[float, str, str, str]] = []
    worker = Worker(queue, lambda: Recording(client(sandbox), seen), retry(), concurrency=8)
    worker.start()
    try:
        wait_until(lambda: queue.pending() == 0, timeout=60)
    finally:
        worker.stop()
    assert {t["state"] for t in queue.tasks()} == {"done"}
    moves = sorted((at, key, status, edge) for at, key, status, edge in seen if status in ROUND)
    busy, most, per_issue = 0, 0, dict.fromkeys(keys, 0)
    for _, key, _, edge in moves:
        busy += 1 if edge == "start" else -1
        per_issue[key] += 1 if edge == "start" else -1
        most = max(most, busy)
        assert per_issue[key] in (0, 1), f"two moves of {key} at once"
    assert most > 1, "moves never overlapped"
    for key in keys:
        order = [status for _, k, status, edge in moves if k == key and edge == "start"]
        assert order == list(ROUND), key
        assert status_of(sandbox, key) == "readyForTest"


def test_the_relays_client_leaves_a_429_to_the_pool(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """The relay's own Tracker client tries once: a 429 reaches the worker (which pauses the
    whole pool) at the first answer, not after the client has slept through its own tries."""
    seed_issue(sandbox, "DEMO-1", "open")
    mover = tracker_client(load(str(write_config(tmp_path, sandbox)), {}))
    sandbox.clear_requests()
    sandbox.inject(429, times=3, retry_after=1, path="/issues/DEMO-1", method="GET")
    with pytest.raises(ApiError) as limited:
        mover.get_issue("DEMO-1")
    assert limited.value.status == 429
    assert [r["path"] for r in sandbox.requests if "DEMO-1" in r["path"]] == ["/v3/issues/DEMO-1"]


def test_a_rate_limit_pauses_the_whole_pool(opener: Opener, sandbox: SandboxHandle) -> None:
    """Tracker answers 429 with Retry-After: 2 to one issue's reads until the client's own
    tries are spent; then no thread of the pool calls Tracker for those 2 seconds, though
    other issues' tasks are due meanwhile."""
    queue = opener()
    seen: list[tuple[float, str, str, str]] = []
    sandbox.inject(429, times=4, retry_after=2, path="/issues/DEMO-1", method="GET")
    enqueue(queue, "limited", "DEMO-1", "inProgress")
    worker = Worker(queue, lambda: Recording(client(sandbox), seen), retry(), concurrency=4)
    worker.start()
    stop = threading.Event()

    def feed() -> None:  # a task for another issue every 50 ms (each one read, none a move)
        n = 0
        while not stop.wait(0.05):
            n += 1
            enqueue(queue, f"other-{n}", "DEMO-2", "inProgress")

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        wait_until(lambda: any(what == "read failed: 429" for _, _, what, _ in seen), timeout=60)
        time.sleep(2.5)
    finally:
        stop.set()
        feeder.join()
        worker.stop()
    limited = next(at for at, _, what, _ in seen if what == "read failed: 429")
    reads = [at - limited for at, _, what, edge in seen if what == "read" and edge == "start"]
    assert not [t for t in reads if 0.05 < t < 1.9], "a thread called Tracker during the pause"
    assert [t for t in reads if t >= 1.9], "the pool never resumed"


class HeldAnswer:
    """A loopback proxy in front of the sandbox that holds the answer to the first read of
    one issue: the sandbox has answered (the issue as it was), the worker has not got it."""

    def __init__(self, sandbox: SandboxHandle, path: str) -> None:
        self.sandbox, self.path = sandbox, path
        self.fetched, self.release = threading.Event(), threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                answer = requests.request(
                    self.command, proxy.sandbox.url + self.path,
                    data=self.rfile.read(length) if length else None, timeout=10,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                )  # fmt: skip
                if self.command == "GET" and proxy.path in self.path and not proxy.fetched.is_set():
                    proxy.fetched.set()
                    assert proxy.release.wait(30)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _forward

        self.handler = Handler


def test_a_relay_stopped_past_its_lease_does_not_move_the_issue_back(
    opener: Opener, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """SIGSTOP, for real: `git tracker relay --worker-only` has read DEMO-3 (in review) for
    its first task when it is stopped (the answer on its way). Past the lease, another worker
    applies the three tasks (needs rework, in progress, in review). SIGCONT: the stopped
    relay finds its claim's token changed and drops its move: the issue stays in review."""
    import signal

    queue = opener()
    for n, status in enumerate(("needsRework", "inProgress", "inReview")):
        enqueue(queue, f"d{n}", "DEMO-3", status)
    proxy = HeldAnswer(sandbox, "/issues/DEMO-3")
    with serve_on_loopback(proxy.handler) as url:
        config = write_config(
            tmp_path, sandbox, database=queue.database,
            retry="first = 0.05\ncap = 0.2\npoll = 0.2\nlease = 1\n",
        )  # fmt: skip
        config.write_text(config.read_text().replace(sandbox.url, url))
        stopped = start_relay_process(config, worker_only=True)
        assert stopped.process is not None
        try:
            assert proxy.fetched.wait(30)
            stopped.process.send_signal(signal.SIGSTOP)
            proxy.release.set()  # the stale answer waits in the stopped relay's socket
            time.sleep(1.5)  # past the lease
            other = Worker(opener(), lambda: client(sandbox), retry(lease=1.0))
            while queue.pending():
                other.step()
            assert status_of(sandbox, "DEMO-3") == "inReview"
            stopped.process.send_signal(signal.SIGCONT)
            wait_until(lambda: queue.counters().get("fenced") == 1)
        finally:
            proxy.release.set()
            stopped.process.send_signal(signal.SIGCONT)
            stopped.process.terminate()
            stopped.process.wait(30)
    assert status_of(sandbox, "DEMO-3") == "inReview"
    assert len(transitions(sandbox)) == 3
    assert "claimed by another worker meanwhile" in "".join(stopped.log)
