"""`git tracker relay` as a real process: killed with SIGKILL while events wait for a failing
Tracker, started again, nothing lost and nothing applied twice."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    SECRET,
    signed,
    start_relay_process,
    status_of,
    transitions,
    wait_healthy,
    wait_until,
    write_config,
)
from tracker_git.relay.queue import open_queue


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_with_events_queued_loses_nothing(
    tmp_path: Path, sandbox: SandboxHandle, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "postgres":
        database = request.getfixturevalue("postgres_url")
        config = write_config(tmp_path, sandbox, database=database)
    else:
        config = write_config(tmp_path, sandbox)
        database = str(tmp_path / "queue" / "relay.sqlite3")
    keys = [sandbox.state.add_issue(f"issue {n}", status="inReview") for n in range(3)]
    sandbox.inject(503, times=1_000_000)  # Tracker is down
    relay = start_relay_process(config)
    assert relay.process is not None
    try:
        for key, name in zip(
            keys, ["github-merged", "gitlab-closed", "bitbucket-dc-merged"], strict=True
        ):
            body, headers = signed(name, {"PROJ-123": key})
            assert relay.post(body, headers=headers).status_code == 202
    finally:
        relay.process.send_signal(signal.SIGKILL)
        relay.process.wait()
    assert relay.process.returncode == -signal.SIGKILL
    # Each 202 meant: on disk.
    queue = open_queue(database)
    request.addfinalizer(queue.close)
    assert queue.pending() == 3
    assert transitions(sandbox) == []

    sandbox.clear_faults()  # Tracker is back
    again = start_relay_process(config)
    assert again.process is not None
    try:
        wait_until(lambda: queue.pending() == 0)
        assert [status_of(sandbox, key) for key in keys] == [
            "readyForTest",
            "needsRework",
            "readyForTest",
        ]
        assert len(transitions(sandbox)) == 3
        # A forge retrying a delivery the killed relay had accepted: still one transition.
        body, headers = signed("github-merged", {"PROJ-123": keys[0]})
        headers["X-GitHub-Delivery"] = str(queue.tasks()[0]["delivery"]).split(":", 1)[1]
        assert again.post(body, headers=headers).json()["result"] == "duplicate"
    finally:
        again.process.terminate()  # SIGTERM: a clean stop
        again.process.wait(timeout=30)
    assert again.process.returncode == 0
    assert len(transitions(sandbox)) == 3
    # The logs tell what happened, and never the token or a secret.
    log = "".join(relay.log + again.log)
    assert "queued" in log and "-> readyForTest" in log
    assert sandbox.token not in log and SECRET not in log


def test_under_gunicorn_with_two_workers(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """The production set-up: gunicorn, two worker processes sharing the queue file, the
    configuration named by TRACKER_GIT_RELAY_CONFIG."""
    import subprocess
    import sys
    import threading

    import requests

    from tests.relay.helpers import delivery, seed_issue

    config = write_config(tmp_path, sandbox)
    seed_issue(sandbox, "PROJ-123", "inReview")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "-w", "2", "-b", "127.0.0.1:0", "tracker_git.relay.app:create_app()"],
        env={**os.environ, "TRACKER_GIT_RELAY_CONFIG": str(config)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        url = ""
        lines: list[str] = []
        for line in process.stderr:
            lines.append(line)
            if "Listening at: " in line:
                url = line.split("Listening at: ")[1].split()[0]
                break
        assert url, "gunicorn did not start:\n" + "".join(lines)
        stderr = process.stderr
        threading.Thread(target=lambda: lines.extend(stderr), daemon=True).start()
        wait_healthy(url, lines)

        body, headers = delivery("github-merged")
        assert (
            requests.post(url + "/webhook", data=body, headers=headers, timeout=10).status_code
            == 202
        )
        wait_until(lambda: status_of(sandbox, "PROJ-123") == "readyForTest")

        # Chunked bodies (no Content-Length): refused before a byte is read, as with the
        # built-in server; every forge sends a Content-Length.
        def chunks(data: bytes) -> Iterator[bytes]:
            yield from (data[i : i + 1000] for i in range(0, len(data), 1000))

        for size in (70000, 0):
            chunked = requests.post(
                url + "/webhook", data=chunks(body + b" " * size), headers=headers, timeout=10
            )
            assert chunked.status_code == 411
        body, headers = delivery("gitlab-closed")
        assert requests.post(url + "/webhook", data=body, headers=headers, timeout=10).ok
        wait_until(lambda: status_of(sandbox, "PROJ-123") == "needsRework")
        assert len(transitions(sandbox)) == 2

        # Whichever worker answers, the queue's gauges are the shared numbers (each process
        # adds its own to the database every lease/5 s).
        def shared(text: str) -> bool:
            return "tracker_git_relay_queue_received 4" in text and (
                "tracker_git_relay_queue_rejected 2" in text
            )

        wait_until(lambda: all(shared(requests.get(url + "/metrics", timeout=5).text)
                               for _ in range(4)))  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=30)


# A relay whose SIGTERM arrives while its main thread runs a finalizer (the garbage collector
# closing a socket, say): here an object dropped in on_ready raises the signal from __del__.
_SIGNAL_IN_FINALIZER = """
import signal, sys
from tracker_git.relay.app import RelayApp
from tracker_git.relay.config import load
from tracker_git.relay.serve import serve

class Finalizer:
    def __del__(self):
        signal.raise_signal(signal.SIGTERM)

def ready(address):
    print("relay listening on", address, file=sys.stderr, flush=True)
    Finalizer()  # dropped at once: the handler runs inside __del__

serve(RelayApp(load(sys.argv[1])), "127.0.0.1", 0, on_ready=ready)
"""


def test_sigterm_during_a_finalizer_still_stops(tmp_path: Path, sandbox: SandboxHandle) -> None:
    """A handler that raised KeyboardInterrupt lost the stop when Python ran it inside a
    finalizer (the exception is printed and dropped there): the relay served on."""
    import subprocess
    import sys

    config = write_config(tmp_path, sandbox)
    process = subprocess.Popen(
        [sys.executable, "-c", _SIGNAL_IN_FINALIZER, str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = process.communicate(timeout=30)  # a bound; it stops in well under a second
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail("the relay did not stop on a SIGTERM that came during a finalizer:\n" + err)
    assert process.returncode == 0, err
    assert "relay stopped" in err
    assert "Exception ignored" not in err
