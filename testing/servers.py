"""Real servers for tests: `run_sandbox()` starts the Tracker sandbox on 127.0.0.1, port 0,
in a thread.

    with run_sandbox() as sb:
        requests.get(sb.url + "/v3/myself", headers=sb.headers)
        sb.env          # {"TRACKER_API_URL", "TRACKER_TOKEN", "TRACKER_ORG_ID"}
        sb.state        # SandboxState: sb.state.issue("DEMO-1"), sb.state.add_issue("...")
        sb.requests     # the request log (Authorization left out)
        sb.inject(500, times=2); sb.inject(429, retry_after=2); sb.inject("drop")
        sb.inject(latency_ms=50)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker_git.sandbox import DEFAULT_ORG_ID, DEFAULT_TOKEN, STAND_FIELD_ID, Sandbox, SandboxState


@dataclass
class SandboxHandle:
    server: Sandbox

    @property
    def url(self) -> str:
        """Base URL, without /v2 or /v3: what TRACKER_API_URL holds."""
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def org_id(self) -> str:
        return self.server.org_id

    @property
    def headers(self) -> dict[str, str]:
        """Credentials headers for a plain `requests` call."""
        return {"Authorization": f"OAuth {self.token}", "X-Org-ID": self.org_id}

    @property
    def env(self) -> dict[str, str]:
        return {
            "TRACKER_API_URL": self.url,
            "TRACKER_TOKEN": self.token,
            "TRACKER_ORG_ID": self.org_id,
        }

    @property
    def state(self) -> SandboxState:
        return self.server.state

    @property
    def stand_field(self) -> str:
        return STAND_FIELD_ID

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """A plain `requests` call with the sandbox's credentials: `call("GET", "/v3/myself")`."""
        import requests

        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def clear_requests(self) -> None:
        self.server.clear_requests()

    def inject(self, fault: int | str | None = None, **options: Any) -> None:
        """inject(500, times=2) | inject(429, retry_after=3) | inject("drop") |
        inject(latency_ms=50); options path=/method= narrow it. See sandbox/faults.py."""
        self.server.faults.inject(fault, **options)

    def clear_faults(self) -> None:
        self.server.faults.clear()

    def stop(self) -> None:
        self.server.stop()


@contextmanager
def run_sandbox(
    *,
    token: str = DEFAULT_TOKEN,
    org_id: str = DEFAULT_ORG_ID,
    state_file: str | Path | None = None,
    state: SandboxState | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[SandboxHandle]:
    if state is None:
        state = SandboxState.open(Path(state_file) if state_file is not None else None)
    server = Sandbox(state, host=host, port=port, token=token, org_id=org_id).start()
    handle = SandboxHandle(server)
    try:
        yield handle
    finally:
        handle.stop()
