"""Running git, for the hooks and every command: one helper, bytes in and out.

It spawns git with os.posix_spawnp rather than subprocess, whose import costs ~4 ms on every
commit. The outputs git gives here are small, so reading stdout to its end and then stderr
cannot fill a pipe and stall.
"""

from __future__ import annotations

import os

from tracker_git.core.errors import OperationFailed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def run(
    args: Sequence[str], cwd: str | None = None, stdin: bytes | None = None
) -> tuple[int, bytes, bytes]:
    """Run `git ARGS` (in `cwd`), returning (exit code, stdout, stderr)."""
    argv = ["git", *(("-C", cwd) if cwd else ()), *args]
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, in_r, 0),
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    try:
        pid = os.posix_spawnp("git", argv, os.environ, file_actions=actions)
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w, in_r, in_w):
            os.close(fd)
        raise OperationFailed(
            f"cannot run git ({exc.strerror}); install git or put it on PATH"
        ) from None
    for fd in (out_w, err_w, in_r):
        os.close(fd)
    if stdin:
        os.write(in_w, stdin)  # small inputs only: larger ones could fill the pipe
    os.close(in_w)
    out = _read_all(out_r)
    err = _read_all(err_r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out, err


def output(args: Sequence[str], cwd: str | None = None) -> str:
    """git's stdout as text, or OperationFailed carrying git's own complaint."""
    code, out, err = run(args, cwd)
    if code != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"exit code {code}"
        raise OperationFailed(f"git {' '.join(args)} failed: {reason}")
    return out.decode("utf-8", "surrogateescape")


def config_values(names: Sequence[str], cwd: str | None = None) -> dict[str, str]:
    """The values of the given config keys (lower-cased names) that are set, in one git call."""
    pattern = "^(" + "|".join(name.replace(".", r"\.") for name in names) + ")$"
    code, out, _ = run(["config", "-z", "--get-regexp", pattern.lower()], cwd)
    values: dict[str, str] = {}
    if code == 0:
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            if entry:
                name, _, value = entry.partition("\n")
                values[name.lower()] = value  # the last one wins, as in git
    return values
