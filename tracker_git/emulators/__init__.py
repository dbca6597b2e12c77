"""Loopback HTTP emulators of the four forges' pull-request APIs (stdlib only), for the
tests, `git tracker demo` and benchmarks.

    forge = start_emulator("gitlab", token="t", repo="group/sub/project", latency=0.05)
    os.environ["TRACKER_GIT_FORGE_API_URL"] = forge.url   # point tracker_git.forges at it
    ... forge.prs (the forge's own JSON objects), forge.requests (the log) ...
    forge.stop()

The handle: `url` (API base), `web_url`, `root`, `token`, `kind`, `repo`, `default_branch`,
`prs` (live), `requests` (the log: method, path, query, headers with auth redacted, body),
`remote_url()` (a git remote URL of that kind), `find(n)`, `reviewers_of(n)`,
`set_reviewers(n, ids)`, `add_commit(sha)` and `statuses_on(sha)` (commit / build statuses
can only be set on added commits, as on a real repository), `fail_next(status, message, method=, path=, headers=)` (the next
matching request gets that error, once, in the forge's error shape), `stop()`. It is also a
context manager. `python -m tracker_git.emulators KIND` runs one by hand.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from tracker_git.core.forgekinds import FORGES, ForgeKind
from tracker_git.emulators.server import Emulator, Recorded


def _emulator(row: ForgeKind) -> type[Emulator]:
    """`EMULATOR` of tracker_git.emulators.<row.module> (the forge's table row names it)."""
    found = getattr(importlib.import_module(f"{__name__}.{row.module}"), "EMULATOR", None)
    if not (isinstance(found, type) and issubclass(found, Emulator)):
        raise TypeError(f"{__name__}.{row.module} has no EMULATOR = <an Emulator class>")
    if inspect.isabstract(found):
        missing = ", ".join(sorted(getattr(found, "__abstractmethods__", ())))
        raise TypeError(f"{__name__}.{row.module}: EMULATOR does not implement {missing}")
    return found


EMULATORS: dict[str, type[Emulator]] = {row.kind: _emulator(row) for row in FORGES}


def start_emulator(kind: str, **options: Any) -> Emulator:
    """Start the emulator of `kind` on 127.0.0.1 and return its handle; `options` are its
    constructor's (Emulator.__init__: token, repo, default_branch, latency, page_size, port;
    and the kind's own, such as GitHub's `edition`: "dotcom", "ghe.com" or "ghes", which
    says where the API is served)."""
    return EMULATORS[kind](**options).start()


__all__ = ["EMULATORS", "Emulator", "Recorded", "start_emulator"]
