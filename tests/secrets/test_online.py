"""Online key checks (`[hooks] online`): the cache first, then Tracker under a time limit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tracker_git import cache, online
from tracker_git.core import config
from tracker_git.core.config import Config
from tracker_git.core.errors import CheckFailed


def closed_port_url() -> str:
    """An address where nothing listens: connection refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def cfg(api: str, strict: bool = False, timeout: float = 2, org: str = "42") -> Config:
    return config.load(
        None,
        {
            ("tracker", "api_url"): api,
            ("tracker", "org_id"): org,
            ("hooks", "online"): True,
            ("hooks", "strict"): strict,
            ("hooks", "timeout"): timeout,
        },
    )


def test_unreachable_tracker_warns_once_and_lets_keys_through(
    capsys: pytest.CaptureFixture[str],
) -> None:
    os.environ["TRACKER_TOKEN"] = "t"
    conf = cfg(closed_port_url())
    assert online.verify_keys(["DEV-1"], conf) == []
    assert online.verify_keys(["DEV-2"], conf) == []
    err = capsys.readouterr().err
    assert err.count("warning: cannot check issue keys with Tracker") == 1
    assert "cannot be reached" in err and "strict = true" in err


def test_strict_blocks_when_tracker_cannot_be_asked() -> None:
    os.environ["TRACKER_TOKEN"] = "t"
    with pytest.raises(CheckFailed, match="strict = true blocks"):
        online.verify_keys(["DEV-1"], cfg(closed_port_url(), strict=True))


def test_no_token_is_a_reason_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    # conftest's fail backend: no keyring at all, and no TRACKER_TOKEN.
    assert online.verify_keys(["DEV-1"], cfg(closed_port_url())) == []
    assert "no OS keyring is available" in capsys.readouterr().err


def test_plain_http_to_another_host_never_gets_the_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    os.environ["TRACKER_TOKEN"] = "t"
    assert online.verify_keys(["DEV-1"], cfg("http://tracker.example.invalid")) == []
    assert "not an https:// address" in capsys.readouterr().err


def test_fresh_cached_answers_need_neither_token_nor_network() -> None:
    conf = cfg(closed_port_url(), strict=True)  # any request would raise
    cache.record(online.scope(conf), {"DEV-1": True, "DEV-404": False})
    assert online.verify_keys(["dev-1", "DEV-404", "DEV-1"], conf) == ["DEV-404"]


def test_answers_expire_negative_ones_first() -> None:
    cache.record("h/1", {"DEV-1": True, "DEV-2": False}, now=1000.0)
    assert cache.lookup("h/1", ["DEV-1", "DEV-2"], now=1000.0 + 60) == {
        "DEV-1": True,
        "DEV-2": False,
    }
    assert cache.lookup("h/1", ["DEV-1", "DEV-2"], now=1000.0 + 301) == {"DEV-1": True}
    assert cache.lookup("h/1", ["DEV-1", "DEV-2"], now=1000.0 + 86401) == {}
    assert cache.lookup("h/2", ["DEV-1"], now=1000.0 + 60) == {}


def test_a_corrupt_cache_is_an_empty_one() -> None:
    os.makedirs(os.path.dirname(cache.cache_file()), exist_ok=True)
    for junk in ("{not json", "[]", '{"h/1": {"DEV-1": "yes"}}', '{"h/1": {"DEV-1": [true]}}'):
        with open(cache.cache_file(), "w") as f:
            f.write(junk)
        assert cache.lookup("h/1", ["DEV-1"]) == {}
    cache.record("h/1", {"DEV-1": True})
    with open(cache.cache_file()) as f:
        assert json.load(f)["h/1"]["DEV-1"][0] is True


def test_a_warm_cache_imports_no_network_or_keyring_code() -> None:
    conf = cfg("https://api.tracker.yandex.net")
    cache.record(online.scope(conf), {"DEV-1": True})
    script = (
        "import sys\n"
        "from tracker_git import online\n"
        "from tracker_git.core import config\n"
        "c = config.load(None, {('tracker','org_id'): '42', ('hooks','online'): True})\n"
        "assert online.verify_keys(['DEV-1'], c) == []\n"
        "heavy = [m for m in ('requests', 'keyring', 'urllib3', 'tracker_git.secrets') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
