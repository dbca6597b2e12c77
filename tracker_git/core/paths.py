"""Where tracker-git keeps its files: the user config, cache and state folders.

These are the folders `platformdirs` names for "tracker-git" (SPEC "Names"). They are computed
here without importing platformdirs, which costs ~25 ms: the hooks read the user config file on
every commit. A test checks that the answers match platformdirs on this platform.
"""

from __future__ import annotations

import os
import sys

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
