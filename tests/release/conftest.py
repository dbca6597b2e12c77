"""The world of the release tests: the sandbox with three queues of issues, and a repository
whose release range holds hundreds of commits naming them (tests/release/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.repos import make_repo
from testing.servers import SandboxHandle
from tests.release.helpers import PER_QUEUE, QUEUES, World, build_history


@pytest.fixture
def world(sandbox: SandboxHandle, tmp_path: Path) -> World:
    state = sandbox.state
    for queue in QUEUES[1:]:
        state.add_queue(queue)
    released: list[str] = []
    for queue in QUEUES:
        for n in range(PER_QUEUE):
            kind = "bug" if n % 3 == 0 else "task"
            released.append(state.add_issue(f"{queue} change {n}", queue, type=kind))
    old = state.add_issue("Shipped in 2.3.0", "DEMO")
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text(
        'queues = ["DEMO", "OPS", "WEB"]\n[hooks]\nallow_without_key = ["MINOR"]\n'
    )
    messages: list[tuple[str, bool]] = []
    keyless: list[str] = []
    for n in range(300):
        key = released[n % len(released)]
        if n % 25 == 7:
            keyless.append(f"Tidy the build scripts, part {n}")
            messages.append((keyless[-1], False))
        elif n % 25 == 11:
            # A no-key marker: the key in it is not read, as the hooks do not read it.
            messages.append((f"MINOR: mention {old} in a comment", False))
        elif n % 10 == 3:
            messages.append(
                (f"Merge pull request #{n} from team/{key}\n\n{key}: merged work", True)
            )
        else:
            messages.append((f"{key}: step {n}", False))
    build_history(repo, [f"{old}: the old work", "DEMO-2: before the release"], messages)
    return World(repo, sandbox, released, old, keyless)
