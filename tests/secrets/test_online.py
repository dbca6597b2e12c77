"""Online key checks (`[hooks] online`): the cache first, then Tracker under a time limit."""

from __future__ import annotations

import marshal
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from testing.keyring_session import Session
from testing.servers import SandboxHandle
from tracker_git import cache, online, secrets
from tracker_git.core import config
from tracker_git.core.config import Config
from tracker_git.core.errors import CheckFailed
from tracker_git.core.schema import Key


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
            config.Tracker.api_url: api,
            config.Tracker.org_id: org,
            config.Hooks.online: True,
            config.Hooks.strict: strict,
            config.Hooks.timeout: timeout,
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
    assert "did not answer" in err and "strict = true" in err


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
    assert "plain http to another host" in capsys.readouterr().err


def test_fresh_cached_answers_need_neither_token_nor_network() -> None:
    conf = cfg(closed_port_url(), strict=True)  # any request would raise
    cache.record(online.scope(conf), {"DEV-1": True, "DEV-404": False})
    assert online.verify_keys(["dev-1", "DEV-404", "DEV-1"], conf) == ["DEV-404"]


def test_the_docs_name_the_files_the_cache_writes() -> None:
    """docs/hooks.md tells users where the answers are kept: the file names must be the real
    ones (it once said issues.json for issues.marshal)."""
    cache.record("h/1", {"DEV-1": True})
    cache.record_outage("h/1", "no network")
    written = sorted(os.listdir(os.path.dirname(cache.cache_file())))
    docs = (Path(__file__).parents[2] / "docs" / "hooks.md").read_text()
    section = docs.split("### Online key checks in the hooks", 1)[1].split("\n#", 1)[0]
    named = sorted(set(re.findall(r"[\w-]+\.(?:marshal|json|db|txt)\b", section)))
    assert named == written


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
    junks = [
        b"{not marshal",
        b"",
        marshal.dumps([]),
        marshal.dumps({"h/1": {"DEV-1": "yes"}}),
        marshal.dumps({"h/1": {"DEV-1": [True]}}),
    ]
    for junk in junks:
        with open(cache.cache_file(), "wb") as f:
            f.write(junk)
        assert cache.lookup("h/1", ["DEV-1"]) == {}
    cache.record("h/1", {"DEV-1": True})
    with open(cache.cache_file(), "rb") as f:
        assert marshal.load(f)["h/1"]["DEV-1"][0] is True


def test_a_warm_cache_imports_no_network_or_keyring_code() -> None:
    conf = cfg("https://api.tracker.yandex.net")
    cache.record(online.scope(conf), {"DEV-1": True})
    script = (
        "import sys\n"
        "from tracker_git import online\n"
        "from tracker_git.core import config\n"
        "c = config.load(None, {config.Tracker.org_id: '42', config.Hooks.online: True})\n"
        "assert online.verify_keys(['DEV-1'], c) == []\n"
        "heavy = [m for m in ('requests', 'keyring', 'urllib3', 'tracker_git.secrets') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def sandbox_cfg(sandbox: SandboxHandle, **options: object) -> Config:
    os.environ["TRACKER_TOKEN"] = sandbox.token
    overrides: dict[Key[Any], object] = {
        config.Tracker.api_url: sandbox.url,
        config.Tracker.org_id: sandbox.org_id,
        config.Hooks.online: True,
    }
    overrides.update({config.key(f"hooks.{name}"): value for name, value in options.items()})
    return config.load(None, overrides)


def issue_requests(sandbox: SandboxHandle) -> list[str]:
    return [r["path"] for r in sandbox.requests if "/issues/" in r["path"]]


def searched(sandbox: SandboxHandle) -> list[list[str]]:
    """The keys of each search the sandbox was asked."""
    return [r["body"]["keys"] for r in sandbox.requests if "/issues/_search" in r["path"]]


def test_tracker_says_which_keys_do_not_exist(sandbox: SandboxHandle) -> None:
    conf = sandbox_cfg(sandbox)
    assert online.verify_keys(["DEMO-1", "DEMO-999", "demo-2"], conf) == ["DEMO-999"]
    # One search for the message's keys, not a request per key.
    assert [path.partition("?")[0] for path in issue_requests(sandbox)] == ["/v3/issues/_search"]
    assert searched(sandbox) == [["DEMO-1", "DEMO-999", "DEMO-2"]]
    assert all(r["headers"].get("X-Org-ID") == sandbox.org_id for r in sandbox.requests)


def test_a_second_check_is_answered_from_the_cache(sandbox: SandboxHandle) -> None:
    conf = sandbox_cfg(sandbox)
    online.verify_keys(["DEMO-1", "DEMO-999"], conf)
    sandbox.clear_requests()
    assert online.verify_keys(["DEMO-999", "DEMO-1"], conf) == ["DEMO-999"]
    assert sandbox.requests == []


def test_only_uncached_keys_are_asked_for(sandbox: SandboxHandle) -> None:
    conf = sandbox_cfg(sandbox)
    online.verify_keys(["DEMO-1"], conf)
    sandbox.clear_requests()
    assert online.verify_keys(["DEMO-1", "DEMO-2"], conf) == []
    assert searched(sandbox) == [["DEMO-2"]]


def test_a_wrong_token_warns_and_is_not_cached(
    sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = sandbox_cfg(sandbox)
    os.environ["TRACKER_TOKEN"] = "not-the-token"
    assert online.verify_keys(["DEMO-999"], conf) == []
    assert "did not accept the token (401)" in capsys.readouterr().err
    assert cache.lookup(online.scope(conf), ["DEMO-999"]) == {}


def test_a_server_error_blocks_only_when_strict(sandbox: SandboxHandle) -> None:
    sandbox.inject(500, times=10)
    assert online.verify_keys(["DEMO-999"], sandbox_cfg(sandbox)) == []
    with pytest.raises(CheckFailed, match=r"failing \(500\)"):
        online.verify_keys(["DEMO-999"], sandbox_cfg(sandbox, strict=True))


def test_a_slow_tracker_is_cut_off_at_the_hooks_timeout(
    sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.inject(latency_ms=3000)
    assert online.verify_keys(["DEMO-999"], sandbox_cfg(sandbox, timeout=0.3)) == []
    # Either limit may end it first: the whole check's (0.3 s) or the request's own timeout.
    err = capsys.readouterr().err
    assert "cannot check issue keys with Tracker" in err
    assert "did not answer within 0.3 s" in err or "timed out" in err or "did not answer" in err


def test_the_token_comes_from_the_keyring_too(
    sandbox: SandboxHandle, secret_service: Session
) -> None:
    conf = sandbox_cfg(sandbox)
    del os.environ["TRACKER_TOKEN"]
    secrets.store_token(conf, sandbox.token)
    assert online.verify_keys(["DEMO-1", "DEMO-999"], conf) == ["DEMO-999"]


def test_an_unreachable_tracker_is_one_warning_per_commit(tmp_path: Any) -> None:
    """The branch-name and commit-msg hooks both ask, in two processes: the first finds Tracker
    down and says so, the second goes ahead quietly (and without waiting for it again)."""
    from testing.repos import git, make_repo, run
    from tracker_git import plainhooks
    from tracker_git.core import gitstate

    repo = make_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "-b", "DEV-1-login")
    (repo / ".tracker-git.toml").write_text("[hooks]\nonline = true\n")
    plainhooks.install(gitstate.read_state(str(repo)))
    env = {
        **os.environ,
        "TRACKER_API_URL": closed_port_url(),
        "TRACKER_ORG_ID": "42",
        "TRACKER_TOKEN": "t",
    }
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-q", "-m", "fix the login form", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("cannot check issue keys with Tracker") == 1, proc.stderr


def test_only_the_first_distinct_keys_up_to_the_cap_are_asked_about() -> None:
    """A message of thousands of keys is not thousands of questions: past keys.MAX_ONLINE_KEYS
    distinct keys, the rest are not asked about (strict and unreachable: asking would raise)."""
    from tracker_git.core.keys import MAX_ONLINE_KEYS

    conf = cfg(closed_port_url(), strict=True)
    first = [f"DEV-{n}" for n in range(1, MAX_ONLINE_KEYS + 1)]
    cache.record(online.scope(conf), dict.fromkeys(first, True))
    rest = [f"DEV-{n}" for n in range(MAX_ONLINE_KEYS + 1, MAX_ONLINE_KEYS + 500)]
    assert online.verify_keys([*first, *first, *rest], conf) == []
