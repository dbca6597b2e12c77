"""A small disk of its own for a test: a tmpfs mounted on a folder, to fill up or make
read-only for real (ENOSPC, EROFS from the kernel, not from a stand-in).

    with small_disk(tmp_path / "disk", "8m") as disk:
        fill(disk)            # until the kernel says ENOSPC; returns the filler file
        read_only(disk, True)

Mounting needs root (or CAP_SYS_ADMIN), as CI runs; elsewhere the test fails saying so.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*arguments: str) -> None:
    done = subprocess.run(["mount", *arguments], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(
            f"mount {' '.join(arguments)} failed ({done.stderr.strip()}): the disk tests "
            "mount a small tmpfs and need root or CAP_SYS_ADMIN"
        )


@contextmanager
def small_disk(folder: Path, size: str = "8m") -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        # Lazily (the relay may still hold files), and the read-only mount over it too.
        while os.path.ismount(folder):
            if subprocess.run(["umount", "-l", str(folder)], capture_output=True).returncode:
                break


def fill(disk: Path) -> Path:
    """Write a file until the disk is full; the file (delete it to make room again)."""
    filler = disk / "filler"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as f:
        for size in (len(block), 512):  # then the last partial block
            try:
                while True:
                    f.write(block[:size])
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


def read_only(disk: Path, on: bool) -> None:
    """A read-only mount of the disk over itself (the kernel refuses to remount a disk with
    files open for writing read-only, as a relay's database is), or that mount gone again:
    what is opened or looked up from then on sees EROFS; open descriptors keep writing."""
    if on:
        _mount("--bind", "-o", "ro", str(disk), str(disk))
    else:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=True)
