"""A repository whose `origin` names a forge, pushing to a local bare repository, with the
forge emulator and the sandbox Tracker running; the CLI run as a subprocess (`Setup.run`), or
the flow in this process (`Setup.flow`) with a `Person` standing in for the user."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from testing.fixtures_forges import bound_token
from testing.repos import commit_file, git, make_repo
from tracker_git.emulators.server import Reply

if TYPE_CHECKING:
    from tracker_git.pr.flow import Effects, Result

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


SCISSORS = "------------------------ >8"


def type_into(text: str, typed: str) -> str:
    """The editor buffer with `typed` added to the description, above the scissors line."""
    head, sep, tail = text.partition(SCISSORS)
    return head.rstrip("\n") + "\n\n" + typed + "\n\n" + sep + tail


@dataclass
class Person:
    """The user, for an in-process run (pr.flow.Effects): at a terminal or not, answering the
    push question from `answers`, typing `typed` into the description, with a browser that
    takes an address or not, at the time `now`, on a clock whose waits take no time. Records
    what it was asked, shown, given, and the waits."""

    at_terminal: bool = False
    answers: list[bool] = field(default_factory=list)
    typed: str = "Typed in the editor."
    browser_works: bool = True
    now: float = field(default_factory=time.time)
    asked: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    waited: list[float] = field(default_factory=list)  # the waits asked of the clock

    def confirm(self, question: str) -> bool:
        self.asked.append(question)
        return self.answers.pop(0)

    def edit(self, text: str, cwd: str) -> str:
        self.edited.append(text)
        return type_into(text, self.typed)

    def browse(self, url: str) -> bool:
        self.opened.append(url)
        return self.browser_works

    def effects(self) -> Effects:
        from tracker_git.pr.flow import Effects

        return Effects(
            confirm=self.confirm,
            is_interactive=lambda: self.at_terminal,
            edit=self.edit,
            browser=self.browse,
            clock=lambda: self.now,
            sleep=self.waited.append,
        )


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

    def flow(
        self,
        person: Person | None = None,
        effects: Effects | None = None,
        env: dict[str, str] | None = None,
        **options: Any,
    ) -> Result:
        """`git tracker pr` in this process, in the environment `run` gives the CLI (plus
        `env`), with `person`'s effects (or `effects`); raises what the CLI would report."""
        from tracker_git import secrets
        from tracker_git.pr import flow

        secrets.forget_held()  # what an earlier run held (tokens) is not this run's
        os.environ.clear()  # tests/conftest.py puts the test's environment back
        os.environ.update({**self.env, **(env or {})})
        chosen = effects if effects is not None else (person or Person()).effects()
        return flow.run(flow.Options(cwd=str(self.repo), **options), chosen)

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


def comments_with(setup: Setup, url: str) -> list[dict[str, Any]]:
    return [c for c in setup.sandbox.state.comments(ISSUE) if url in str(c.get("text"))]


def transitions_executed(setup: Setup) -> int:
    return sum(
        1 for r in setup.sandbox.requests if r["method"] == "POST" and "_execute" in r["path"]
    )


def status(setup: Setup, key: str = ISSUE) -> str:
    return str(setup.sandbox.state.issue(key)["status"])


def fail_writes(setup: Setup) -> None:
    """The forge answers 500 (in its own error shape) to every write until `heal`."""
    pattern = re.compile(r"^/.*$")

    def boom(call: Any) -> Reply:
        reply: Reply = setup.forge.error_reply(500, "Internal Server Error")
        return reply

    for method in ("POST", "PUT", "PATCH"):
        setup.forge.routes.insert(0, (method, pattern, boom))


def heal(setup: Setup) -> None:
    setup.forge.routes[:] = [r for r in setup.forge.routes if r[1].pattern != "^/.*$"]
