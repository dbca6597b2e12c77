"""The one place that starts git: for the hooks, the commands, `pr`, the CI gate and the demo.

It owns how git is run (`git [-C CWD] ARGS`, no shell), the environment git gets (ours, or
the caller's, minus every variable tracker_git.secrets withholds: no token reaches git, its
hooks or its credential helpers), the encoding (stdout is UTF-8 with surrogate escapes, so a
path or branch name in another encoding survives the round trip; stderr is for people, so
undecodable bytes are replaced), and how a failure is worded: one GitFailed, one line, with
the command, git's exit code and git's own reason. There are no time limits: git waits for
nothing but the disk, except a fetch or push, which the user (or CI) can interrupt. A captured
git that reaches a remote (NETWORK) never waits on a credential prompt: see NETWORK.

It spawns git with os.posix_spawnp rather than subprocess, whose import costs ~4 ms on every
commit. The outputs git gives here are small, so reading stdout to its end and then stderr
cannot fill a pipe and stall. Where os.posix_spawnp is missing (Windows), git is started with
subprocess; TRACKER_GIT_FALLBACKS=1 chooses that path anywhere (the tests run it on Linux).
"""

from __future__ import annotations

import os

from tracker_git.core import portable
from tracker_git.core.errors import OperationFailed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

# Names of the variables no child process of ours inherits. tracker_git.secrets decides which
# (every token variable, each secret it reads from the environment) and keeps their values.
_withheld: set[str] = set()

# git's commands that reach a remote. Run captured (`run`, `output`, `answer`: in CI, or with
# git's messages kept from the user), a credential prompt on the terminal waits for an answer
# that never comes, so they get GIT_TERMINAL_PROMPT=0 and git fails at once with its reason
# ("could not read Username for '...': terminal prompts disabled"). `attached` keeps git's
# prompt: the user watching a push (`git tracker pr`) can answer it. Credential helpers and
# GIT_ASKPASS still run.
NETWORK = frozenset({"clone", "fetch", "ls-remote", "pull", "push"})

# os.posix_spawnp where there is one (POSIX), else subprocess (Windows, or asked for).
_SPAWN = hasattr(os, "posix_spawnp") and not portable.fallbacks()


def withhold(names: Iterable[str]) -> None:
    """No child we start gets the variables `names`, from os.environ or from a caller's env."""
    _withheld.update(names)


def forget_withheld() -> None:
    """Children get every variable again (a test that ran the CLI in-process cleans up)."""
    _withheld.clear()


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a process we start (git, the editor): `environ` (default: ours)
    without the withheld variables."""
    source = os.environ if environ is None else environ
    return {name: value for name, value in source.items() if name not in _withheld}


def text(data: bytes) -> str:
    """git's output as text (the one decoding of what git prints for us to read)."""
    return data.decode("utf-8", "surrogateescape")


def reason(stderr: bytes | None, code: int) -> str:
    """git's own reason for a failure, in one line: its first `fatal:` or `error:` line (what
    follows is advice, a usage synopsis or "Aborting"), else its first line of any other kind
    but a hint; the exit code when it said nothing, or what it said went to the terminal
    (`stderr` None)."""
    if stderr is None:
        return f"exit code {code}, see git's message above"
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith(("fatal: ", "error: ")):
            return line.partition(": ")[2]
    useful = [line for line in lines if not line.startswith(("hint:", "warning:", "Aborting"))]
    return (useful or lines or [f"exit code {code}"])[0]


class GitFailed(OperationFailed):
    """A git command failed. `command` is its argv, `code` git's exit code (None: git could
    not be started), `reason` git's own line. The message is one line: what failed (`what`,
    by default the command), why (git's reason), what to do (`fix`)."""

    def __init__(
        self,
        args: Sequence[str],
        code: int | None,
        why: str,
        *,
        what: str = "",
        fix: str = "",
    ) -> None:
        self.command = ["git", *args]
        self.code = code
        self.reason = why
        if code is None:
            message = f"cannot run git ({why}); install git or put it on PATH"
        else:
            what = what or f"git {' '.join(args)}"
            message = f"{what} failed ({why}); {fix or 'run it yourself to see all git says'}"
        super().__init__(message)


def _argv(args: Sequence[str], cwd: str | None) -> list[str]:
    return ["git", *(("-C", cwd) if cwd else ()), *args]


def _subprocess(
    args: Sequence[str],
    cwd: str | None,
    env: Mapping[str, str] | None,
    stdin: bytes | None,
    attached: bool = False,
) -> tuple[int, bytes, bytes]:
    """`git ARGS` through subprocess, where there is no os.posix_spawnp: captured, or attached
    (stdin ours, stdout joined to our stderr)."""
    import subprocess

    environ = None if env is None and not _withheld else child_environment(env)
    streams: dict[str, object] = (
        {"stdout": 2} if attached else {"input": stdin or b"", "capture_output": True}
    )
    try:
        done = subprocess.run(_argv(args, cwd), env=environ, check=False, **streams)  # type: ignore[call-overload]
    except OSError as exc:
        raise GitFailed(args, None, exc.strerror or str(exc)) from None
    return done.returncode, done.stdout or b"", done.stderr or b""


def _spawn(
    args: Sequence[str],
    cwd: str | None,
    env: Mapping[str, str] | None,
    actions: list[tuple[int, int, int]],
) -> int:
    """Start `git [-C CWD] ARGS` (no shell: an argument is never read as a command line)."""
    argv = _argv(args, cwd)
    environ = os.environ if env is None and not _withheld else child_environment(env)
    try:
        return os.posix_spawnp("git", argv, environ, file_actions=actions)
    except OSError as exc:
        raise GitFailed(args, None, exc.strerror or str(exc)) from None


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def run(
    args: Sequence[str],
    cwd: str | None = None,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[int, bytes, bytes]:
    """Run `git ARGS` (in `cwd`, with `env` or ours, minus the withheld variables), returning
    (exit code, stdout, stderr). GitFailed only when git cannot be started."""
    if args and args[0] in NETWORK:
        env = {**(os.environ if env is None else env), "GIT_TERMINAL_PROMPT": "0"}
    if not _SPAWN:
        return _subprocess(args, cwd, env, stdin)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, in_r, 0),
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    try:
        pid = _spawn(args, cwd, env, actions)
    except GitFailed:
        for fd in (out_r, out_w, err_r, err_w, in_r, in_w):
            os.close(fd)
        raise
    for fd in (out_w, err_w, in_r):
        os.close(fd)
    if stdin:
        os.write(in_w, stdin)  # small inputs only: larger ones could fill the pipe
    os.close(in_w)
    out = _read_all(out_r)
    err = _read_all(err_r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out, err


def output(
    args: Sequence[str],
    cwd: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    what: str = "",
    fix: str = "",
) -> str:
    """git's stdout as text, or GitFailed carrying git's own reason."""
    code, out, err = run(args, cwd, env=env)
    if code != 0:
        raise GitFailed(args, code, reason(err, code), what=what, fix=fix)
    return text(out)


def answer(
    args: Sequence[str], cwd: str | None = None, env: Mapping[str, str] | None = None
) -> str | None:
    """git's stdout as text without surrounding blanks, None when git says no (fails) or says
    nothing: for questions (is this a commit, which URL has that remote) whose "no" is a fact."""
    code, out, _ = run(args, cwd, env=env)
    found = text(out).strip() if code == 0 else ""
    return found or None


def commit(revision: str, cwd: str | None = None) -> str | None:
    """The full sha of the commit `revision` names (a branch, a tag, a sha, HEAD~2); None when
    it names none here."""
    return answer(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd)


def attached(
    args: Sequence[str],
    cwd: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    what: str = "",
    fix: str = "",
) -> None:
    """Run `git ARGS` with its messages and progress on our stderr (a push the user watches),
    or GitFailed; git's reason is then on the terminal already."""
    # stdin is ours (a credential prompt can ask); stdout joins stderr: ours is for results.
    if not _SPAWN:
        code = _subprocess(args, cwd, env, None, attached=True)[0]
    else:
        pid = _spawn(args, cwd, env, [(os.POSIX_SPAWN_DUP2, 2, 1)])
        try:
            _, status = os.waitpid(pid, 0)
        except KeyboardInterrupt:
            os.waitpid(pid, 0)  # git got the same Ctrl-C: it stops, and leaves no zombie
            raise
        code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise GitFailed(args, code, reason(None, code), what=what, fix=fix)


def config_values(names: Sequence[str], cwd: str | None = None) -> dict[str, str]:
    """The values of the given config keys (lower-cased names) that are set, in one git call."""
    pattern = "^(" + "|".join(name.replace(".", r"\.") for name in names) + ")$"
    code, out, _ = run(["config", "-z", "--get-regexp", pattern.lower()], cwd)
    values: dict[str, str] = {}
    if code == 0:
        for entry in text(out).split("\0"):
            if entry:
                name, _, value = entry.partition("\n")
                values[name.lower()] = value  # the last one wins, as in git
    return values
