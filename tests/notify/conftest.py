"""Fixtures: loopback Slack and Telegram receivers, and `notify` (a repository wired to the
sandbox, with the secrets the alerts name in the environment)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.repos import make_repo
from testing.servers import SandboxHandle
from tests.notify.helpers import BOT_TOKEN, SLACK_PATH, Notify, Receiver, serve


@pytest.fixture
def slack() -> Iterator[Receiver]:
    yield from serve("slack")


@pytest.fixture
def telegram() -> Iterator[Receiver]:
    yield from serve("telegram")


@pytest.fixture
def notify(
    tmp_path: Path,
    sandbox: SandboxHandle,
    slack: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> Notify:
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.url + SLACK_PATH)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    return Notify(make_repo(tmp_path / "repo"), sandbox)
