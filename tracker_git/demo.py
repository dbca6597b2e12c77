"""`git tracker demo`: the whole flow, end to end, in a throwaway repository, against the
embedded sandbox Tracker, a GitHub emulator and the relay, all on 127.0.0.1.

Every step is a command a user would type, run for real as a child process, then checked
against what the sandbox and the emulator now hold. The demo exits 0 only if every step did
what it said.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tracker_git.core import git, output, paths
from tracker_git.core.errors import OperationFailed
from tracker_git.core.forgekinds import HOST_TOKEN, TOKEN_HOST

ISSUE = "DEMO-1"
REPO = "demo/app"
WEBHOOK_SECRET = "demo-webhook-secret"  # the relay's, for this run only
STAND_URL = "https://demo-1.stand.example.com"
RELEASE_TAG = "v0.1.0"


@dataclass
class World:
    """Everything the steps act on."""

    work: str
    repo: str
    env: dict[str, str]
    sandbox: Any
    forge: Any
    relay_url: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def issue(self) -> dict[str, Any]:
        found: dict[str, Any] | None = self.sandbox.state.issue(ISSUE)
        assert found is not None
        return found


class StepFailed(Exception):
    pass


def _say(text: str, code: str = "1") -> None:
    output.result(text, code)
    output.flush()


def run(
    world: World, command: str, expect: int = 0, show: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `command` (a shell-like line) in the repository, print it and what it said."""
    if show:
        _say(f"$ {command}", "36")
    proc = subprocess.run(
        shlex.split(command),
        cwd=world.repo,
        env=world.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if show:
        for line in (proc.stderr + proc.stdout).rstrip().splitlines():
            output.result(f"  {line}")
    if proc.returncode != expect:
        raise StepFailed(f"'{command}' exited {proc.returncode}, expected {expect}")
    return proc


def check(condition: bool, what: str) -> None:
    if not condition:
        raise StepFailed(what)
    _say(f"  ok: {what}", "32")


def status(world: World) -> str:
    return str(world.issue()["status"])


# --- the steps ---------------------------------------------------------------------------------


def step_hooks(world: World) -> None:
    run(world, "git tracker hooks install")
    hooks = os.path.join(world.repo, ".git", "hooks")
    check(
        all(os.path.exists(os.path.join(hooks, h)) for h in ("commit-msg", "prepare-commit-msg")),
        "the hooks are in .git/hooks",
    )


def step_rejected_commit(world: World) -> None:
    run(world, "git checkout -q -b fix-login")
    _write(world, "login.py", "def login():\n    return True\n")
    run(world, "git add login.py")
    proc = run(world, "git commit -m 'Fix the login form'", expect=1)
    check(
        "carries no issue key" in proc.stderr,
        "a branch without a key is refused, with how to fix it",
    )
    run(world, "git checkout -q main")
    run(world, "git branch -D fix-login", show=False)


def step_start(world: World) -> None:
    run(world, f"git tracker start {ISSUE}")
    branch = run(world, "git branch --show-current", show=False).stdout.strip()
    check(branch.startswith(f"{ISSUE}-"), f"on branch {branch}, named from the issue")
    check(status(world) == "inProgress", f"{ISSUE} is now inProgress in Tracker")


def step_commit(world: World) -> None:
    run(world, "git add login.py")
    run(world, "git commit -q -m 'Fix the login form'")
    subject = run(world, "git log -1 --format=%s", show=False).stdout.strip()
    check(
        subject == f"{ISSUE}: Fix the login form",
        f"the key was filled in from the branch: '{subject}'",
    )


def step_pr(world: World) -> None:
    proc = run(world, "git tracker pr --no-edit --push")
    prs = world.forge.prs  # the GitHub emulator's pull requests, in GitHub's JSON shape
    check(len(prs) == 1, "the pull request is open on the forge")
    title = prs[0]["title"]
    check(title.startswith(f"{ISSUE}: "), f"titled from the issue: '{title}'")
    check(status(world) == "inReview", f"{ISSUE} moved to inReview")
    comments = world.sandbox.state.comments(ISSUE)
    url = proc.stdout.strip()  # `pr` prints the pull request's address, and only that, on stdout
    check(
        bool(url) and any(url in str(c.get("text", "")) for c in comments),
        "the issue got a comment with the pull request's address",
    )
    run(world, "git tracker pr --no-edit")
    check(len(world.forge.prs) == 1, "running it again updates the same pull request")


def step_stand(world: World) -> None:
    run(world, f"git tracker stand {STAND_URL}")
    from tracker_git.sandbox import STAND_FIELD_ID

    check(world.issue().get(STAND_FIELD_ID) == STAND_URL, "the stand's address is in the issue")


def step_relay(world: World) -> None:
    import requests

    branch = run(world, "git branch --show-current", show=False).stdout.strip()
    payload = {
        "action": "closed",
        "number": 1,
        "pull_request": {
            "number": 1,
            "title": f"{ISSUE}: Fix the login form",
            "body": None,
            "merged": True,
            # As GitHub sends them: the relay acts for members' pull requests from the
            # repository itself only.
            "author_association": "OWNER",
            "head": {"ref": branch, "repo": {"id": 1, "full_name": REPO}},
            "base": {"ref": "main", "repo": {"id": 1, "full_name": REPO}},
        },
        "repository": {"full_name": REPO},
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    _say(f"$ curl -X POST {world.relay_url}/webhook   # GitHub: pull request merged", "36")
    answer = requests.post(
        f"{world.relay_url}/webhook",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature,
        },
        timeout=10,
    )
    # The relay's whole answer (a line of JSON); only a runaway one is cut, and says so.
    text = " ".join(answer.text.split())
    shown = text if len(text) <= 400 else text[:400] + " ... (cut)"
    output.result(f"  {answer.status_code} {shown}")
    check(answer.status_code == 202, "the relay accepted the signed delivery")
    deadline = time.monotonic() + 15
    while status(world) != "readyForTest" and time.monotonic() < deadline:
        time.sleep(0.1)
    check(status(world) == "readyForTest", f"the relay moved {ISSUE} to readyForTest")


def step_release(world: World) -> None:
    branch = run(world, "git branch --show-current", show=False).stdout.strip()
    run(world, "git checkout -q main")
    run(
        world,
        f"git merge -q --no-ff {branch} -m 'Merge pull request #1: {ISSUE}: Fix the login form'",
    )
    run(world, f"git tag {RELEASE_TAG}")
    run(world, "git tracker release --output RELEASE.md")
    with open(os.path.join(world.repo, "RELEASE.md"), encoding="utf-8") as f:
        notes = f.read()
    for line in notes.rstrip().splitlines():
        output.result(f"  | {line}")
    check(f"[{ISSUE}](" in notes, f"the release notes list {ISSUE}")
    versions = world.sandbox.state.versions
    fixed = [versions[str(v)]["name"] for v in world.issue().get("fixVersions", [])]
    check(fixed == [RELEASE_TAG[1:]], f"{ISSUE}'s fix versions say {RELEASE_TAG[1:]}")
    again = run(world, "git tracker release --output RELEASE.md")
    check("nothing to do" in again.stderr, "releasing again changes nothing")


STEPS: list[tuple[str, Callable[[World], None]]] = [
    ("Install the hooks", step_hooks),
    ("A commit on a branch without an issue key is refused", step_rejected_commit),
    ("Start work on an issue", step_start),
    ("Commit: the key comes from the branch", step_commit),
    ("Open the pull request, filled from the issue", step_pr),
    ("A deploy script puts the test stand into the issue", step_stand),
    ("The forge says the pull request is merged: the relay moves the issue", step_relay),
    ("Release: notes from the commits, the version in the issue's fix versions", step_release),
]


# --- the world -----------------------------------------------------------------------------------


def _write(world: World, name: str, text: str) -> None:
    with open(os.path.join(world.repo, name), "w", encoding="utf-8") as f:
        f.write(text)


def _git(cwd: str, env: dict[str, str], *args: str) -> None:
    git.output(args, cwd, env=env)


def _environment(work: str, sandbox: Any, forge: Any) -> dict[str, str]:
    home = os.path.join(work, "home")
    paths.make_folder(home)
    gitconfig = os.path.join(home, ".gitconfig")
    with open(gitconfig, "w", encoding="utf-8") as f:
        f.write(
            "[user]\n\tname = Demo User\n\temail = demo@example.com\n[init]\n\tdefaultBranch = main\n"
        )
    keep = {
        k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TERM", "NO_COLOR", "TMPDIR")
    }
    bin_dir = os.path.dirname(sys.executable)  # where git-tracker is installed
    return {
        **keep,
        "HOME": home,
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "/usr/bin:/bin")]),
        "GIT_CONFIG_GLOBAL": gitconfig,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_EDITOR": "true",
        "TRACKER_API_URL": sandbox.url,
        "TRACKER_TOKEN": sandbox.token,
        "TRACKER_ORG_ID": sandbox.org_id,
        # The emulator is a self-hosted server to the tool: a token bound to its host.
        HOST_TOKEN: forge.token,
        TOKEN_HOST: urlsplit(forge.url).netloc,
        "TRACKER_GIT_FORGE_API_URL": forge.url,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",  # never the user's keyring
        "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


def _start_relay(world: World) -> None:
    config = os.path.join(world.work, "relay.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(
            f'queues = ["{ISSUE.partition("-")[0]}"]\n'
            f'[server]\ndatabase = "{os.path.join(world.work, "relay.sqlite3")}"\n\n'
            "[retry]\nfirst = 0.2\ncap = 1\npoll = 0.1\n\n"
            '[forges.github]\nsecret_env = "GITHUB_WEBHOOK_SECRET"\n'
        )
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = os.path.join(world.work, "relay.log")
    with open(log_path, "wb") as log:
        relay = subprocess.Popen(
            ["git-tracker", "relay", "--config", config, "--port", str(port)],
            env=world.env,
            cwd=world.work,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    world.processes.append(relay)
    world.relay_url = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{world.relay_url}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
        if relay.poll() is not None:
            break
    with open(log_path, encoding="utf-8", errors="replace") as log_file:
        said = log_file.read().strip().splitlines()
    raise OperationFailed(
        f"the demo's relay did not start: {said[-1] if said else 'it said nothing within 15 s'}"
    )


@contextmanager
def world(keep: bool) -> Iterator[World]:
    from tracker_git.emulators import start_emulator
    from tracker_git.sandbox import Sandbox

    work = tempfile.mkdtemp(prefix="tracker-git-demo-")
    sandbox = Sandbox().start()
    forge = start_emulator("github", token="demo-forge-token", repo=REPO)
    env = _environment(work, sandbox, forge)
    repo = os.path.join(work, "app")
    bare = os.path.join(work, "app.git")
    the_world = World(work, repo, env, sandbox, forge)
    try:
        _git(work, env, "init", "-q", "--bare", bare)
        _git(work, env, "init", "-q", "-b", "main", repo)
        # The remote's URL names GitHub (so `git tracker pr` knows the forge); pushes go to
        # the local bare repository.
        _git(repo, env, "remote", "add", "origin", f"git@github.com:{REPO}.git")
        _git(repo, env, "config", "remote.origin.pushurl", bare)
        with open(os.path.join(repo, "README.md"), "w", encoding="utf-8") as f:
            f.write("# app\n")
        _git(repo, env, "add", "README.md")
        _git(repo, env, "commit", "-q", "-m", "Initial commit")
        _git(repo, env, "push", "-q", "origin", "main")
        _git(repo, env, "update-ref", "refs/remotes/origin/main", "HEAD")
        _start_relay(the_world)
        yield the_world
    finally:
        for process in the_world.processes:
            process.terminate()
            process.wait(timeout=10)
        forge.stop()
        sandbox.stop()
        if keep:
            _say(f"kept the demo repository: {repo}", "33")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run_demo(keep: bool = False) -> int:
    _say(
        "tracker-git demo: a throwaway repository, the sandbox Tracker and a GitHub emulator on 127.0.0.1"
    )
    failures = 0
    with world(keep) as w:
        _say(
            f"  sandbox Tracker: {w.sandbox.url}   GitHub emulator: {w.forge.url}   relay: {w.relay_url}",
            "2",
        )
        for number, (title, step) in enumerate(STEPS, 1):
            _say(f"\n{number}. {title}")
            try:
                step(w)
            except StepFailed as exc:
                failures += 1
                _say(f"  FAILED: {exc}", "31;1")
                break
    if failures:
        _say(
            "\nthe demo stopped at a failed step; run it with --keep to look at the repository",
            "31;1",
        )
        return 1
    _say(f"\nall {len(STEPS)} steps did what they said.", "32;1")
    return 0
