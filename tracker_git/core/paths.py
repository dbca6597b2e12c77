"""Where tracker-git keeps its files: the user config, cache and state folders.

These are the folders `platformdirs` names for "tracker-git" (docs/configuration.md). They are computed
here without importing platformdirs, which costs ~25 ms: the hooks read the user config file on
every commit. A test checks that the answers match platformdirs on this platform.
"""

from __future__ import annotations

import os
import sys

from tracker_git.core import portable

APP = "tracker-git"


def _home() -> str:
    return os.path.expanduser("~")


def _xdg(var: str, default: str) -> str:
    value = os.environ.get(var, "").strip()
    # platformdirs, like the XDG spec, ignores a relative or empty value.
    return value if value and os.path.isabs(value) else os.path.join(_home(), default)


def _windows_local() -> str:
    return os.environ.get("LOCALAPPDATA") or os.path.join(_home(), "AppData", "Local")


def user_config_dir() -> str:
    if sys.platform == "win32":
        return os.path.join(_windows_local(), APP, APP)
    if sys.platform == "darwin":
        return os.path.join(_home(), "Library", "Application Support", APP)
    return os.path.join(_xdg("XDG_CONFIG_HOME", ".config"), APP)


def user_cache_dir() -> str:
    if sys.platform == "win32":
        return os.path.join(_windows_local(), APP, APP, "Cache")
    if sys.platform == "darwin":
        return os.path.join(_home(), "Library", "Caches", APP)
    return os.path.join(_xdg("XDG_CACHE_HOME", ".cache"), APP)


def user_state_dir() -> str:
    if sys.platform == "win32":
        return os.path.join(_windows_local(), APP, APP)
    if sys.platform == "darwin":
        return os.path.join(_home(), "Library", "Application Support", APP)
    return os.path.join(_xdg("XDG_STATE_HOME", os.path.join(".local", "state")), APP)


def user_config_file() -> str:
    return os.path.join(user_config_dir(), "config.toml")


def make_folder(path: str, mode: int = 0o700) -> str:
    """Create the folder `path` and any missing parents, none of them writable by group or
    others whatever the umask (under `umask 000` os.makedirs makes ~/.config and ~/.cache
    world-writable): parents we create get 0700, as XDG asks of its base folders; `path`
    gets `mode` (as the umask leaves it) minus group and other write. Folders that exist are
    left alone. The one way tracker-git creates a folder; returns `path`. OSError as
    os.makedirs raises it."""
    path = os.path.abspath(path)
    missing: list[str] = []
    folder = path
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for folder in reversed(missing):
        wanted = mode if folder == path else 0o700
        try:
            os.mkdir(folder, wanted)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise
            continue  # made meanwhile by someone else: theirs
        if sys.platform != "win32":
            made = os.stat(folder).st_mode & 0o7777
            if made & 0o022:
                os.chmod(folder, made & ~0o022)
    return path


def private_folder(path: str) -> str:
    """Make `path` (and its parents) a folder only the user can enter (0700), whatever the
    umask; returns it. Raises OSError like os.makedirs."""
    make_folder(path, 0o700)
    if sys.platform != "win32" and os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def write_private(path: str, data: bytes) -> None:
    """Write `data` to `path` atomically (a temporary file, then rename), readable by the user
    only (0600) whatever the umask; its folder, one of ours, is made private (0700) too.
    Raises OSError."""
    private_folder(os.path.dirname(path) or ".")
    _write_then_rename(f"{path}.{os.getpid()}.tmp", path, data, os.O_TRUNC, 0o600, exact=True)


def _write_then_rename(
    tmp: str, path: str, data: bytes, flags: int, mode: int, *, exact: bool = False
) -> None:
    """`data` into the new file `tmp` (opened with `flags` and `mode`; `exact`: that mode
    whatever the umask), then renamed over `path`; `tmp` removed on any failure."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | flags | portable.BINARY, mode)
    try:
        if exact and sys.platform != "win32":
            portable.chmod_open(fd, tmp, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def refuse_links(top: str, path: str) -> str:
    """`path` (absolute) when no part of it below the work tree `top` is a symlink;
    OperationFailed naming the link otherwise (also for a path outside `top`)."""
    from tracker_git.core.errors import OperationFailed

    top = os.path.abspath(top)
    path = os.path.abspath(path)
    relative = os.path.relpath(path, top)
    if relative == os.curdir or relative.split(os.sep)[0] == os.pardir:
        raise OperationFailed(f"{path} is not inside the work tree {top}; nothing was written")
    current = top
    for part in relative.split(os.sep):
        current = os.path.join(current, part)
        if os.path.islink(current):
            raise OperationFailed(
                f"{current} is a symbolic link (the repository may carry it); tracker-git does "
                "not write through links: remove it (git rm), then run again; nothing was written"
            )
    return path


def write_in_work_tree(top: str, path: str, text: str) -> None:
    """Write `text` to `path`, a file inside the work tree `top`, never through a symlink: a
    cloned repository can carry a link (dangling or not) where we write, and `--force` must
    not overwrite a file in the home folder through it. Every part of the path below `top`
    is checked (lstat), then the text goes to a new temporary file in the same folder, renamed
    over `path` (a rename replaces, never follows). The temporary file is made with O_EXCL,
    which fails on any name that exists, a link (dangling or not) included: POSIX open(2) and
    Windows' CREATE_NEW never follow one, so no O_NOFOLLOW is needed (nor on Windows there).
    The one way tracker-git writes into a work tree. OperationFailed names the link; OSError
    otherwise."""
    path = refuse_links(top, path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    _write_then_rename(tmp, path, text.encode("utf-8"), os.O_EXCL, 0o666)


def write_output(top: str | None, path: str, text: str) -> None:
    """Write `text` to `path`, a file the user named on the command line (`--output`): inside
    the work tree `top` as write_in_work_tree does (a link the repository carries is not
    followed), elsewhere as an ordinary file. OSError when it cannot be written."""
    path = os.path.abspath(path)
    if top is not None:
        top = os.path.abspath(top)
        if os.path.commonpath([top, path]) == top and path != top:
            write_in_work_tree(top, path, text)
            return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def work_tree(start: str) -> str | None:
    """The top of the git work tree holding the folder `start` (the nearest folder with a
    `.git`), found without starting git; None outside any."""
    folder = os.path.abspath(start)
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
