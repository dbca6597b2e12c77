"""The token never leaks (docs/configuration.md): a unique canary token goes through every command
that touches Tracker or a forge, and must not show up anywhere it could be read.

Where we look:
- each command's stdout and stderr;
- every file under HOME (config, cache, state, the keyring folder), the repository and the
  test's folder, as plain text and base64 (what keyrings.alt's "plain" backend would write);
- the command line and environment of every process our code starts: `git` on PATH is a spy
  that saves /proc/self/{cmdline,environ} and runs the real git (git runs the hooks, so they
  are covered), and GIT_EDITOR and BROWSER are spies too;
- while each command runs, /proc/*/cmdline of every process, and /proc/*/environ of every
  process but the command itself in the TRACKER_TOKEN case (the user gave it the token).

To cover a new command, add a Step to STEPS (or a reason to NOT_COVERED).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.fixtures_forges import bound_token
from testing.keyring_session import Session
from testing.repos import git, make_repo
from testing.servers import Attacker, SandboxHandle, run_attacker, run_sandbox
from tracker_git import cli, commands
from tracker_git.emulators import Emulator, start_emulator
from tracker_git.secrets import HOST_TOKEN

CLI = str(Path(sys.executable).parent / "git-tracker")
LIMIT = 60  # seconds: a guard against a hang, not a measurement


@dataclass(frozen=True)
class Step:
    command: str  # the commands.COMMANDS name; the step is skipped while that module does not exist
    args: tuple[str, ...]  # after `git-tracker`; a first "GIT" runs `git ARGS` instead
    stdin: str = ""
    needs_keyring: bool = False  # skip in the TRACKER_TOKEN run
    messenger: bool = False  # the messenger secret is exported in this step's shell


TRACKER_CANARY = "{tracker}"  # replaced by the run's canary token
FORGE_CANARY = "{forge}"

STEPS = [
    Step("login", ("login", "--with-token", "--save-org"), TRACKER_CANARY, needs_keyring=True),
    Step("login", ("login", "--forge", "github", "--with-token"), FORGE_CANARY, needs_keyring=True),
    Step("whoami", ("whoami",)),
    Step("doctor", ("doctor",)),
    Step("show", ("show", "DEMO-1")),
    Step("show", ("show",)),
    Step("open", ("open", "DEMO-1")),
    Step("start", ("start", "DEMO-2")),
    Step("move", ("move", "inReview", "DEMO-2")),
    Step("move", ("move", "no-such-status", "DEMO-2")),
    Step("comment", ("comment", "canary run", "DEMO-1")),
    Step("stand", ("stand", "https://stand.example.com/1", "DEMO-1")),
    Step("check", ("check", "branch", "DEMO-999-x")),
    # The CI gate asks Tracker with the token too (the base commit's config: main's).
    Step("check", ("check", "pr", "--base", "main", "--title", "DEMO-1: canary", "--online")),
    # The user's own `git commit` (skipped in the TRACKER_TOKEN run: there the user's shell
    # hands the token to git, not us); the hooks ask Tracker with the keyring's token.
    Step("hooks", ("GIT", "commit", "-q", "--allow-empty", "-m", "hooked"), needs_keyring=True),
    Step(
        "hooks", ("GIT", "commit", "-q", "--allow-empty", "-m", "DEMO-404: x"), needs_keyring=True
    ),
    Step("hooks", ("GIT", "push", "-q", "backup", "DEMO-1-canary"), needs_keyring=True),
    Step("notify", ("notify", "list", "--queue", "DEMO")),
    # A named secret (a webhook URL) goes in on stdin and must come out nowhere.
    Step(
        "notify",
        ("notify", "secret", "set", "CANARY_WEBHOOK", "--stdin"),
        TRACKER_CANARY,
        needs_keyring=True,
    ),
    Step("notify", ("notify", "secret", "delete", "CANARY_WEBHOOK"), needs_keyring=True),
    # An exported messenger secret (.tracker-notify.toml names it) is read, sent to Tracker
    # inside the trigger and to the webhook itself, and must reach nothing else. Its server
    # (a loopback receiver, not hooks.slack.com) is trusted first: trust reads the secret too.
    Step("trust", ("trust", "--yes"), messenger=True),
    Step("doctor", ("doctor",), messenger=True),  # doctor reads them too (check_trust)
    Step("notify", ("notify", "plan"), messenger=True),
    Step("notify", ("notify", "apply"), messenger=True),
    Step("notify", ("notify", "test", "canary-alert"), messenger=True),
    Step("pr", ("pr", "--dry-run", "--no-edit", "--no-push")),
    # As if the branch were pushed, so `pr` goes on to the editor (a spy) and the forge.
    Step("pr", ("GIT", "update-ref", "refs/remotes/origin/DEMO-1-canary", "HEAD")),
    Step("pr", ("pr", "--no-push")),
    # A release of one commit: dry run (every request printed), then the writes.
    Step("release", ("GIT", "commit", "-q", "--allow-empty", "--no-verify", "-m", "DEMO-1: r")),
    Step("release", ("release", "HEAD~1..HEAD", "--version", "9.9", "--dry-run")),
    Step("release", ("release", "HEAD~1..HEAD", "--version", "9.9", "--json")),
    Step("logout", ("logout", "--forge", "github"), needs_keyring=True),
    Step("logout", ("logout",), needs_keyring=True),
]

# Commands that touch no token, or are covered elsewhere; each with the reason.
NOT_COVERED = {
    "check": "offline unless [hooks] online; covered by the 'hooks' steps",
    "init": "writes a config file; no token involved",
    "completion": "prints a script; no token involved",
    "help": "prints the help text; no token involved",
    "sandbox": "the local server; its token is the sandbox's own",
    "relay": "a long-running server reading TRACKER_TOKEN: needs its own canary test",
    "demo": "runs against its own sandbox with the sandbox token",
}


def test_every_command_is_covered_or_excused() -> None:
    covered = {step.command for step in STEPS}
    missing = set(commands.COMMANDS) - covered - set(NOT_COVERED)
    assert not missing, f"add a canary Step (or a NOT_COVERED reason) for: {sorted(missing)}"


SPY = """#!/bin/sh
dir='{dir}'
n="$(basename "$0")-$$"
cat /proc/$$/cmdline > "$dir/$n.cmdline" 2>/dev/null
cat /proc/$$/environ > "$dir/$n.environ" 2>/dev/null
{tail}
"""


MESSENGER_VARIABLE = "CANARY_SLACK_WEBHOOK"
ALERTS = """queue = "DEMO"
[[alert]]
name = "canary-alert"
event = "commented"
message = "{{issue.key}} got a comment"
slack = { webhook = "$CANARY_SLACK_WEBHOOK" }
"""


@dataclass
class World:
    tracker_token: str
    forge_token: str
    messenger_secret: str
    repo: Path
    spies: Path
    bin: Path
    roots: list[Path]
    env: dict[str, str]


def make_spies(folder: Path, spies: Path) -> Path:
    """bin/git (spy, then the real git), bin/editor and bin/browser (spy, succeed)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    real_git = shutil.which("git")
    assert real_git
    tails = {"git": f'exec {real_git} "$@"', "editor": "exit 0", "browser": "exit 0"}
    for name, tail in tails.items():
        path = bin_dir / name
        path.write_text(SPY.format(dir=spies, tail=tail))
        path.chmod(0o755)
    return bin_dir


@pytest.fixture
def forge(tmp_path: Path) -> Iterator[Emulator]:
    token = f"canary-forge-{uuid.uuid4().hex}"
    emulator = start_emulator("github", token=token)
    try:
        yield emulator
    finally:
        emulator.stop()


def world(
    tmp_path: Path, home: Path, sandbox: SandboxHandle, forge: Emulator, webhook: Attacker
) -> World:
    spies = tmp_path / "spies"
    spies.mkdir()
    bin_dir = make_spies(tmp_path, spies)
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text('queues = ["DEMO"]\n[hooks]\nonline = true\n')
    (repo / ".tracker-notify.toml").write_text(ALERTS)
    git(repo, "add", ".tracker-git.toml")
    git(repo, "commit", "-q", "--no-verify", "-m", "config")
    git(repo, "remote", "add", "origin", forge.remote_url())
    git(tmp_path, "init", "-q", "--bare", "backup.git")  # a remote to push to (pre-push hook)
    git(repo, "remote", "add", "backup", str(tmp_path / "backup.git"))
    git(repo, "push", "-q", "--no-verify", "backup", "main")
    git(repo, "checkout", "-q", "-b", "DEMO-1-canary")
    from tracker_git import plainhooks
    from tracker_git.core import gitstate

    plainhooks.install(gitstate.read_state(str(repo)))
    env = dict(os.environ)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        GIT_EDITOR=str(bin_dir / "editor"),
        BROWSER=str(bin_dir / "browser"),
        TRACKER_GIT_FORGE_API_URL=forge.url,
        TRACKER_API_URL=sandbox.url,
        TRACKER_ORG_ID=sandbox.org_id,
    )
    return World(
        tracker_token=sandbox.token,
        forge_token=forge.token,
        messenger_secret=f"{webhook.url}/services/T0/B0/canary-messenger-{uuid.uuid4().hex}",
        repo=repo,
        spies=spies,
        bin=bin_dir,
        roots=[home, tmp_path],
        env=env,
    )


def forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


class ProcWatch:
    """Polls /proc while a command runs, collecting every process whose command line (or,
    except for `allowed`, environment) holds a secret."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [s.encode() for s in secrets]
        self.allowed: set[int] = set()
        self.found: list[str] = []
        # Held while a command is started and its pid allowed, so no scan sees it in between.
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                self.scan()
            self._stop.wait(0.01)

    def scan(self) -> None:
        parents = _parents()
        for name in parents:
            if not _descends_from(int(name), os.getpid(), parents):
                continue  # another test's process (pytest-xdist runs several at once)
            parent = parents.get(name, 0)
            forking = parent in self.allowed and _cmdline(name) == _cmdline(str(parent))
            for part in ("cmdline", "environ"):
                # A child forked by an allowed process shows that process's environment
                # until it execs (then the scrubbed one): the next scan judges it.
                if part == "environ" and (int(name) in self.allowed or forking):
                    continue
                try:
                    with open(f"/proc/{name}/{part}", "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                if any(secret in data for secret in self.secrets):
                    self.found.append(
                        f"{part} of pid {name} (parent {parent}: {_cmdline(str(parent))}): {_cmdline(name)}"
                    )


def _parents() -> dict[str, int]:
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    # "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
                    found[name] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return found


def _descends_from(pid: int, ancestor: int, parents: dict[str, int]) -> bool:
    while pid > 1:
        pid = parents.get(str(pid), 0)
        if pid == ancestor:
            return True
    return False


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")[:300]
    except OSError:
        return "?"


def run_step(w: World, step: Step, watch: ProcWatch, env: dict[str, str]) -> str:
    stdin = step.stdin.replace(TRACKER_CANARY, w.tracker_token).replace(FORGE_CANARY, w.forge_token)
    argv = [str(w.bin / "git"), *step.args[1:]] if step.args[0] == "GIT" else [CLI, *step.args]
    if step.args[0] == "GIT":  # the user's own git: no token from us in its environment
        env = {k: v for k, v in env.items() if k not in ("TRACKER_TOKEN", HOST_TOKEN)}
    if step.messenger:
        env = {**env, MESSENGER_VARIABLE: w.messenger_secret}
    with watch.lock:
        proc = subprocess.Popen(
            argv, cwd=w.repo, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if ("TRACKER_TOKEN" in env or step.messenger) and step.args[0] != "GIT":
            watch.allowed.add(proc.pid)
    out, err = proc.communicate(stdin, timeout=LIMIT)
    # A command failing is not this test's business (its own tests see to that): whatever it
    # printed, the error included, is searched for the tokens below.
    return f"$ {' '.join(step.args)} -> {proc.returncode}\n{out}{err}"


def leaks_in_files(roots: list[Path], secrets: list[str]) -> list[str]:
    patterns = [form for secret in secrets for form in forms(secret)]
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                if any(p in data for p in patterns):
                    found.append(str(path))
    return found


def available(step: Step) -> bool:
    module = commands.COMMANDS[step.command][0]
    return (Path(cli.__file__).parent / "commands" / f"{module}.py").exists()


def run_all(w: World, env: dict[str, str], keyring: bool) -> str:
    secrets = [w.tracker_token, w.forge_token, w.messenger_secret]
    transcript = []
    with ProcWatch(secrets) as watch:
        for step in STEPS:
            if not available(step) or (step.needs_keyring and not keyring):
                continue
            transcript.append(run_step(w, step, watch, env))
    text = "\n".join(transcript)
    for secret in secrets:
        assert secret not in text, f"a token was printed:\n{text}"
    assert watch.found == [], f"a token reached another process:\n{watch.found}"
    assert leaks_in_files(w.roots, secrets) == [], "a token was written to a file"
    return text


@pytest.mark.slow  # every command, twice
def test_canary_token_from_the_keyring(
    tmp_path: Path, isolated_home: Path, secret_service: Session, forge: Emulator
) -> None:
    with run_sandbox(token=f"canary-tracker-{uuid.uuid4().hex}") as sandbox, run_attacker() as hook:
        w = world(tmp_path, isolated_home, sandbox, forge, hook)
        transcript = run_all(w, w.env, keyring=True)
    assert "$ notify test canary-alert -> 0" in transcript, transcript
    assert hook.saw(w.messenger_secret.rpartition("/")[2])  # the one place it may go
    print(transcript)
    assert "$ login --with-token --save-org -> 0" in transcript, transcript
    assert "$ whoami -> 0" in transcript, transcript
    assert list(w.spies.glob("git-*.environ")), "the git spy never ran"


@pytest.mark.slow
def test_canary_token_from_the_environment(
    tmp_path: Path, isolated_home: Path, forge: Emulator
) -> None:
    with run_sandbox(token=f"canary-tracker-{uuid.uuid4().hex}") as sandbox, run_attacker() as hook:
        w = world(tmp_path, isolated_home, sandbox, forge, hook)
        env = dict(w.env, TRACKER_TOKEN=w.tracker_token, **bound_token(forge.url, w.forge_token))
        transcript = run_all(w, env, keyring=False)
    assert "$ notify apply -> 0" in transcript, transcript
    assert "$ whoami -> 0" in transcript, transcript
