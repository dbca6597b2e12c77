"""A repository whose `origin` names a forge, pushing to a local bare repository, with the
forge emulator and the sandbox Tracker running, and the CLI run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testing.fixtures_forges import bound_token
from testing.repos import commit_file, git, make_repo

CANARY = "canary-forge-token-5f1d2c"
ISSUE = "DEMO-2"  # seeded "in progress", assigned, summary in Cyrillic

# The editor: records what it saw (environment, its parents' command lines), then types a
# line into the description, above the scissors line.
EDITOR = r"""#!{python}
import os, sys, json
path = sys.argv[1]
log = os.environ["PR_TEST_LOG"]
chain, pid = [], os.getppid()
while pid > 1:
    try:
        with open(f"/proc/{{pid}}/cmdline", "rb") as f:
            chain.append(f.read().replace(b"\0", b" ").decode("utf-8", "replace"))
        with open(f"/proc/{{pid}}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        break
with open(log, "a") as f:
    f.write(json.dumps({{"env": dict(os.environ), "parents": chain}}) + "\n")
text = open(path, encoding="utf-8").read()
typed = os.environ.get("PR_TEST_TYPE", "Typed in the editor.")
head, sep, tail = text.partition("------------------------ >8")
open(path, "w", encoding="utf-8").write(head.rstrip("\n") + "\n\n" + typed + "\n\n" + sep + tail)
"""

PRE_PUSH = """#!/bin/sh
env >> "$PR_TEST_HOOK_LOG"
cat /proc/$PPID/cmdline | tr '\\0' ' ' >> "$PR_TEST_HOOK_LOG"
"""


@dataclass
class Setup:
    kind: str
    repo: Path
    bare: Path
    forge: Any  # the emulator
    sandbox: Any
    env: dict[str, str]
    logs: Path

    def run(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **extra_env}
        return subprocess.run(
            [sys.executable, "-m", "tracker_git", "pr", *args],
            cwd=self.repo,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=60,
        )

    def client(self) -> Any:
        from tracker_git import forges
        from tracker_git.core import config

        cfg = config.load(None, environ={})
        return forges.client_for(forges.detect(self.forge.remote_url(), cfg), CANARY)

    def open_prs(self) -> list[Any]:
        return list(self.client().list_open(f"{ISSUE}-fix-crash"))

    def writes(self) -> list[Any]:
        return [r for r in self.forge.requests if r.method != "GET"]


@pytest.fixture
def setup(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sandbox: Any,
    start_forge: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Setup]:
    kind: str = request.param
    forge = start_forge(kind, token=CANARY)
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", forge.url)
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    repo = make_repo(tmp_path / "work")
    git(repo, "remote", "add", "origin", forge.remote_url())
    # The tool reads the forge's URL; git pushes to the local bare repository.
    git(repo, "config", "remote.origin.pushurl", str(bare))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    git(repo, "checkout", "-q", "-b", f"{ISSUE}-fix-crash")
    commit_file(repo, "a.txt", "a\n", f"{ISSUE}: handle the empty body", "--no-verify")
    logs = tmp_path / "logs"
    logs.mkdir()
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR.format(python=sys.executable))
    editor.chmod(0o755)
    hook = Path(git(repo, "rev-parse", "--git-path", "hooks").strip())
    hook = hook if hook.is_absolute() else repo / hook
    hook.mkdir(parents=True, exist_ok=True)
    (hook / "pre-push").write_text(PRE_PUSH)
    (hook / "pre-push").chmod(0o755)
    env = {
        **os.environ,
        **sandbox.env,
        "TRACKER_GIT_FORGE_API_URL": forge.url,
        **bound_token(forge.url, CANARY),
        "GIT_EDITOR": str(editor),
        "PR_TEST_LOG": str(logs / "editor.jsonl"),
        "PR_TEST_HOOK_LOG": str(logs / "pre-push.txt"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    yield Setup(kind, repo, bare, forge, sandbox, env, logs)


def editor_runs(setup: Setup) -> list[dict[str, Any]]:
    path = setup.logs / "editor.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]
