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


def private_folder(path: str) -> str:
    """Make `path` (and its parents) a folder only the user can enter (0700), whatever the
    umask; returns it. Raises OSError like os.makedirs."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if sys.platform != "win32" and os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def write_private(path: str, data: bytes) -> None:
    """Write `data` to `path` atomically (a temporary file, then rename), readable by the user
    only (0600) whatever the umask; its folder, one of ours, is made private (0700) too.
    Raises OSError."""
    private_folder(os.path.dirname(path) or ".")
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | portable.BINARY, 0o600)
    try:
        if sys.platform != "win32":
            portable.chmod_open(fd, tmp, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
