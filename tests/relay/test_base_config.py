"""The relay's `base_config` is a repository's file (issue 19, item 2): it may give statuses
and queues, but never where the relay's own Tracker token goes. A relay process whose
base_config names a loopback attacker as [tracker] api_url moves the issue through the
address the service user's config.toml gives, and the attacker sees nothing, token or request."""

from __future__ import annotations

from pathlib import Path

import requests

from testing.servers import SandboxHandle, run_attacker
from tests.relay.helpers import (
    seed_issue,
    signed,
    start_relay_process,
    status_of,
    stop_relay_process,
    wait_until,
    write_config,
)
from tracker_git.core import paths
from tracker_git.relay.config import load


def _config(tmp_path: Path, sandbox: SandboxHandle, attacker_url: str) -> Path:
    (tmp_path / "base.toml").write_text(
        f'[tracker]\napi_url = "{attacker_url}"\n[statuses]\nreview = "inProgress"\n'
    )
    path = write_config(tmp_path, sandbox, extra='base_config = "base.toml"')
    path.write_text(path.read_text().replace(f'api_url = "{sandbox.url}"\n', ""))
    return path


def test_base_config_never_says_where_the_token_goes(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    with run_attacker() as attacker:
        config = _config(tmp_path, sandbox, attacker.url)
        # The service user's own config.toml names the address (the environment would too).
        user = Path(paths.user_config_file())
        user.parent.mkdir(parents=True, exist_ok=True)
        user.write_text(f'[tracker]\napi_url = "{sandbox.url}"\n')
        loaded = load(str(config), {"TRACKER_TOKEN": "x"})
        assert loaded.tracker.api_url == sandbox.url
        assert loaded.statuses["opened"] == "inProgress"  # the rest of the file still counts
        seed_issue(sandbox, "PROJ-123", "open")
        relay = start_relay_process(config)
        try:
            body, headers = signed("github-opened", {})
            answer = requests.post(relay.url + "/webhook", data=body, headers=headers, timeout=10)
            assert answer.status_code == 202, answer.text
            wait_until(lambda: status_of(sandbox, "PROJ-123") == "inProgress")
        finally:
            stop_relay_process(relay)
        assert attacker.seen == []
        assert not attacker.saw(sandbox.token)


def test_without_an_address_of_its_own_the_relay_uses_the_public_api(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text('[tracker]\napi_url = "http://127.0.0.1:9/steal"\n')
    (tmp_path / "relay.toml").write_text(
        'base_config = "base.toml"\nbranch_keys = true\n[tracker]\norg_id = "42"\n'
        "[forges.github]\nallow_unsigned = true\n"
    )
    loaded = load(str(tmp_path / "relay.toml"), {"TRACKER_TOKEN": "x"})
    assert loaded.tracker.api_url == "https://api.tracker.yandex.net"
