"""A ~/.netrc entry for an API host must not replace the token we send (requests reads netrc
for any session that trusts the environment and has no auth of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker_git.core import config
from tracker_git.forges import client_for, detect
from tracker_git.tracker.client import TrackerClient


@pytest.fixture
def netrc(isolated_home: Path) -> None:
    path = isolated_home / ".netrc"
    path.write_text(
        "machine api.tracker.yandex.net login someone password netrc-secret\n"
        "machine api.github.com login someone password netrc-secret\n"
    )
    path.chmod(0o600)


def test_tracker_session_keeps_our_authorization(netrc: None) -> None:
    import requests

    client = TrackerClient("https://api.tracker.yandex.net", "our-token", org_id="1")
    prepared = client.session.prepare_request(requests.Request("GET", f"{client.base}/myself"))
    assert prepared.headers["Authorization"] == "OAuth our-token"


def test_forge_session_keeps_our_authorization(netrc: None) -> None:
    import requests

    forge = client_for(detect("git@github.com:acme/app.git", config.load(None)), "our-token")
    session = forge._get_session()
    prepared = session.prepare_request(requests.Request("GET", "https://api.github.com/user"))
    assert prepared.headers["Authorization"] == "Bearer our-token"
