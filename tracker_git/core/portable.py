"""Where tracker-git takes the portable road: a POSIX-only call (os.posix_spawnp, fcntl,
os.fchmod, os.pread) has a fallback for Windows, and TRACKER_GIT_FALLBACKS=1 takes the
fallbacks on any system, so the tests run them on Linux too."""

from __future__ import annotations

import os


def fallbacks() -> bool:
    """Whether the portable fallbacks are asked for (TRACKER_GIT_FALLBACKS=1)."""
    return os.environ.get("TRACKER_GIT_FALLBACKS", "") not in ("", "0")


def chmod_open(fd: int, path: str, mode: int) -> None:
    """Set the mode of the open file `fd` (at `path`): fchmod where there is one, else by
    path (Windows keeps only the read-only bit)."""
    if hasattr(os, "fchmod") and not fallbacks():
        os.fchmod(fd, mode)
    else:
        os.chmod(path, mode)


# os.open reads and writes text on Windows unless told otherwise (CRLF, Ctrl-Z): binary.
BINARY = getattr(os, "O_BINARY", 0)
