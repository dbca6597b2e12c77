"""Fault and latency injection for the fakes (tracker_git.fakes.server): a fixed delay before
every request a fake handles (`wait`), and a queue of faults each answering the next N matching
requests with an error status (500, 503, 429 with Retry-After, ...), with a ready answer (a
forge emulator's error in that forge's shape), or by dropping the connection without one.
The sandbox takes a fault before checking credentials, an emulator after."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from tracker_git.fakes.server import Answer

DROP = "drop"


@dataclass
class Fault:
    status: int | None  # None: drop the connection
    times: int
    retry_after: int | None = None
    path: str | None = None  # applies only to paths containing this
    method: str | None = None  # applies only to this method
    pattern: str | None = None  # applies only to paths this regular expression is found in
    answer: Answer | None = None  # the answer to give, else the fake words one from status
    after: int = 0  # matching requests answered normally first (an outage midway)

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.method is None or self.method.upper() == method)
            and (self.path is None or self.path in path)
            and (self.pattern is None or re.search(self.pattern, path) is not None)
        )


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latency = 0.0  # seconds before each API request is handled
        self.pending: list[Fault] = []

    def inject(
        self,
        fault: int | str | None = None,
        *,
        times: int = 1,
        retry_after: int | None = None,
        path: str | None = None,
        method: str | None = None,
        latency_ms: float | None = None,
        after: int = 0,
    ) -> None:
        """`inject(500, times=2)`, `inject(429, retry_after=3)`, `inject("drop")`,
        `inject(latency_ms=50)` (0 turns latency off); `path`/`method` narrow a fault;
        `after=N` lets N matching requests through first."""
        if latency_ms is not None:
            if latency_ms < 0:
                raise ValueError("latency_ms must be >= 0")
            self.latency = latency_ms / 1000
        if fault is None:
            return
        if times < 1:
            raise ValueError("times must be >= 1")
        if after < 0:
            raise ValueError("after must be >= 0")
        if fault == DROP:
            status = None
        else:
            try:
                status = int(fault)
            except ValueError:
                raise ValueError(
                    f"a fault is an HTTP status (400-599) or {DROP!r}, not {fault!r}"
                ) from None
            if not 400 <= status <= 599:
                raise ValueError(f"a fault status must be 400-599, not {status}")
            if status == 429 and retry_after is None:
                retry_after = 1
        self.add(Fault(status, times, retry_after, path, method, after=after))

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.pending.append(fault)

    def wait(self) -> None:
        """Sleep the injected latency, if any."""
        if self.latency:
            time.sleep(self.latency)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any (consuming one of its `times`)."""
        with self._lock:
            for fault in self.pending:
                if fault.matches(method, path):
                    if fault.after:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times == 0:
                        self.pending.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self.pending.clear()
            self.latency = 0.0

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency_ms": self.latency * 1000,
                "pending": [
                    {
                        "status": f.status,
                        "times": f.times,
                        "retry_after": f.retry_after,
                        "path": f.path,
                        "method": f.method,
                        "after": f.after,
                        "fault": f.status or DROP,
                    }
                    for f in self.pending
                ],
            }

    def inject_json(self, body: Any) -> None:
        """The control endpoint's form: {"fault": 500|"drop", "times", "retry_after",
        "path", "method", "latency_ms"}."""
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        allowed = {"fault", "times", "retry_after", "path", "method", "latency_ms", "after"}
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        self.inject(
            body.get("fault"),
            times=int(body.get("times", 1)),
            retry_after=body.get("retry_after"),
            path=body.get("path"),
            method=body.get("method"),
            latency_ms=body.get("latency_ms"),
            after=int(body.get("after", 0)),
        )
