"""Helpers for the relay tests: the example deliveries (raw bytes + headers), a relay config
file pointing at the sandbox, the relay served on a real socket in-process or as a process."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from testing.servers import SandboxHandle
from tracker_git.core.forgekinds import KINDS

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "It's a Secret to Everybody"  # the test secret in payloads/README.md
SIGNING_TOKEN = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
NAMES = sorted(p.name.removesuffix(".headers.json") for p in PAYLOADS.glob("*.headers.json"))
VENV_BIN = Path(sys.executable).parent


def hub_signature(body: bytes, algorithm: str = "sha256") -> str:
    """`<algorithm>=<hex HMAC of body>` under the test secret: X-Hub-Signature(-256)'s form."""
    return (
        f"{algorithm}=" + hmac.new(SECRET.encode(), body, getattr(hashlib, algorithm)).hexdigest()
    )


def delivery(name: str) -> tuple[bytes, dict[str, str]]:
    """A stored delivery: its body exactly as stored (the signatures cover these bytes) and
    its headers."""
    body = (PAYLOADS / f"{name}.json").read_bytes()
    headers = json.loads((PAYLOADS / f"{name}.headers.json").read_text(encoding="utf-8"))
    return body, headers


def wait_until(
    predicate: Callable[[], object], timeout: float = 30.0, explain: Callable[[], str] = str
) -> None:
    """Poll until `predicate()` is true; fail after `timeout` seconds (a bound, not a timing
    assertion: every wait here normally ends in well under a second), with `explain()`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s for {predicate}\n{explain()}")
        time.sleep(0.02)


def wait_healthy(url: str, log: list[str]) -> None:
    """Until `url`'s /healthz answers 200. A gunicorn that has said it listens may still be
    booting its workers, so a refused or reset connection is asked again; past the bound the
    failure shows what the server logged (`log`, filled as it writes)."""

    def healthy() -> bool:
        try:
            return requests.get(url + "/healthz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(healthy, explain=lambda: "the server logged:\n" + "".join(log))


def write_config(
    folder: Path,
    sandbox: SandboxHandle,
    *,
    statuses: dict[str, str] | None = None,
    extra: str = "",
    forges: str | None = None,
    retry: str = "first = 0.05\ncap = 0.2\npoll = 0.2\nlease = 3\n",
    database: str = "queue/relay.sqlite3",
    server: str = "",
    replay_window: float = 0,
) -> Path:
    """A relay config for the sandbox, secrets in files beside it, quick retries. The stored
    deliveries are years old: replay_window is off unless a test sets it."""
    (folder / "secret").write_text(SECRET + "\n")
    (folder / "signing").write_text(SIGNING_TOKEN + "\n")
    (folder / "token").write_text(sandbox.token + "\n")
    if forges is None:
        forges = "".join(f'[forges.{kind}]\nsecret_file = "secret"\n' for kind in KINDS)
    status_lines = "".join(f'{k} = "{v}"\n' for k, v in (statuses or {}).items())
    text = (
        "branch_keys = true\n"
        f"{extra}\n"
        "[server]\n"
        f'database = "{database}"\n'
        "max_body = 65536\n"
        f"replay_window = {replay_window}\n"
        f"{server}"
        "[tracker]\n"
        f'api_url = "{sandbox.url}"\n'
        f'org_id = "{sandbox.org_id}"\n'
        'token_file = "token"\n'
        "timeout = 2\n"
        f"[statuses]\n{status_lines}"
        f"[retry]\n{retry}"
        f"{forges}"
    )
    path = folder / "relay.toml"
    path.write_text(text, encoding="utf-8")
    return path


def seed_issue(sandbox: SandboxHandle, key: str, status: str) -> None:
    """Make issue `key` (say PROJ-123) exist in the sandbox with `status`."""
    queue_key, _, number = key.partition("-")
    state = sandbox.state
    if state.queue(queue_key) is None:
        state.add_queue(queue_key)
    queue = state.queue(queue_key)
    assert queue is not None
    with state.lock:
        queue["nextNumber"] = int(number)
    assert state.add_issue(f"Issue {key}", queue=queue_key, status=status) == key


def status_of(sandbox: SandboxHandle, key: str) -> str:
    issue = sandbox.state.issue(key)
    assert issue is not None
    return str(issue["status"])


def transitions(sandbox: SandboxHandle) -> list[str]:
    """The transitions the sandbox executed (paths of successful _execute calls)."""
    return [
        r["path"]
        for r in sandbox.requests
        if r["method"] == "POST" and "/_execute" in r["path"] and r.get("status") == 200
    ]


class Relay:
    def __init__(self, url: str, app: Any = None, process: subprocess.Popen[str] | None = None):
        self.url = url
        self.app = app
        self.process = process
        self.log: list[str] = []  # a relay process's stderr

    def post(
        self,
        name_or_body: str | bytes,
        headers: dict[str, str] | None = None,
        path: str = "/webhook",
    ) -> requests.Response:
        if isinstance(name_or_body, str):
            body, stored = delivery(name_or_body)
            headers = {**stored, **(headers or {})}
        else:
            body = name_or_body
        return requests.post(self.url + path, data=body, headers=headers or {}, timeout=10)

    def metrics(self) -> dict[str, float]:
        text = requests.get(self.url + "/metrics", timeout=10).text
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                name = name.split("{")[0]  # this process's counters carry its label
                values[name.removeprefix("tracker_git_relay_")] = float(value)
        return values


@contextmanager
def relay_in_thread(config_path: Path) -> Iterator[Relay]:
    """The relay's WSGI app on 127.0.0.1:0, served by `git tracker relay`'s own server."""
    from tracker_git.relay.app import RelayApp
    from tracker_git.relay.config import load
    from tracker_git.relay.serve import start_server

    cfg = load(str(config_path))
    app = RelayApp(cfg)
    server, url = start_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Relay(url, app=app)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        app.close()


def start_relay_process(
    config_path: Path, env: dict[str, str] | None = None, worker_only: bool = False
) -> Relay:
    """`git tracker relay --config FILE --port 0` as a process; returns once it listens.
    `worker_only`: `git tracker relay --worker-only` (no url), once its worker runs."""
    command = [str(VENV_BIN / "git-tracker"), "relay", "--config", str(config_path)]
    command += ["--worker-only"] if worker_only else ["--port", "0"]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("{"):  # log_format = "json": the line is a record
            line = str(json.loads(line).get("message", ""))
        if line.startswith(("relay listening on ", "relay worker running")):
            url = line.split()[3] if not worker_only else ""
            relay = Relay(url, process=process)
            relay.log = seen
            # Keep draining stderr (into .log) so the relay never blocks on a full pipe.
            threading.Thread(target=lambda: seen.extend(process.stderr or ()), daemon=True).start()
            return relay
    process.wait()
    pytest.fail("the relay did not start:\n" + "".join(seen))


def stop_relay_process(relay: Relay) -> str:
    """SIGTERM a relay process started by start_relay_process; everything it logged."""
    assert relay.process is not None
    relay.process.terminate()
    relay.process.wait(timeout=30)
    time.sleep(0.2)  # the thread draining its stderr catches up
    return "".join(relay.log)


def signed(
    name: str, replace: dict[str, str], delivery_suffix: str = ""
) -> tuple[bytes, dict[str, str]]:
    """A stored delivery with its texts changed (say PROJ-123 -> DEMO-1), signed again with
    the test secret, under a delivery id of its own."""
    import uuid

    body, headers = delivery(name)
    for old, new in replace.items():
        body = body.replace(old.encode(), new.encode())
    fresh = delivery_suffix or str(uuid.uuid4())
    out: dict[str, str] = {}
    for header, value in headers.items():
        lowered = header.lower()
        if lowered.startswith("webhook-"):
            continue  # the Standard Webhooks signature would need the signing key
        if lowered == "x-hub-signature" and value.startswith("sha1="):
            continue  # GitHub's legacy header; X-Hub-Signature-256 is the one checked
        if lowered in ("x-hub-signature-256", "x-hub-signature"):
            value = hub_signature(body)
        if lowered in ("x-github-delivery", "idempotency-key", "x-request-uuid", "x-request-id"):
            value = fresh
        out[header] = value
    return body, out


def edited(
    name: str, edit: Callable[[dict[str, Any]], None], delivery_suffix: str = ""
) -> tuple[bytes, dict[str, str]]:
    """A stored delivery whose JSON `edit` changed (a fork's repository, an author's
    standing, a time), written as the forges write it and signed again with the test secret,
    under a delivery id of its own."""
    data = json.loads(delivery(name)[0])
    edit(data)
    body = (json.dumps(data, indent=2) + "\n").encode()
    _, headers = signed(name, {}, delivery_suffix)
    for header in headers:
        if header.lower() in ("x-hub-signature-256", "x-hub-signature"):
            headers[header] = hub_signature(body)
    return body, headers
