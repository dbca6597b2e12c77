"""The validated copy of a config file that spares the hooks tomllib on every commit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracker_git.core import config
from tracker_git.core.errors import ConfigError


def test_cached_copy_is_used_and_refreshed_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / ".tracker-git.toml"
    path.write_text('queues = ["DEV"]\n')
    assert config.load(str(tmp_path), environ={}).queues == ("DEV",)
    cache = Path(config._cache_file(str(path)))
    assert cache.exists()
    # The same stamp reads the cached copy: prove it by making the file unparsable behind
    # the cache's back (same size, same mtime).
    info = path.stat()
    path.write_text('queues = ["DE{"]\n'[: info.st_size])
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert config.load(str(tmp_path), environ={}).queues == ("DEV",)
    # A real edit changes the stamp: it is parsed, validated and reported again.
    path.write_text('queues = "DEV"\n')
    with pytest.raises(ConfigError, match="'queues' must be a list of queue keys"):
        config.load(str(tmp_path), environ={})
    path.write_text('queues = ["OPS", "DEV"]\n')
    assert config.load(str(tmp_path), environ={}).queues == ("OPS", "DEV")


def test_unreadable_cache_falls_back_to_parsing(tmp_path: Path) -> None:
    path = tmp_path / ".tracker-git.toml"
    path.write_text('queues = ["DEV"]\n')
    config.load(str(tmp_path), environ={})
    Path(config._cache_file(str(path))).write_bytes(b"garbage")
    assert config.load(str(tmp_path), environ={}).queues == ("DEV",)
