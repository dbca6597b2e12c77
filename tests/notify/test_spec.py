"""`.tracker-notify.toml`: what a valid file becomes, and every mistake named with the file,
the alert, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker_git.core.errors import ConfigError
from tracker_git.notify import build, spec

GOOD = """\
queue = "DEV"

[[alert]]
name = "critical-bug"
event = ["created", "updated"]
type = "bug"
priority = "critical"
equals = { components = "backend" }
message = "Bug {{issue.key}}: {{issue.summary}}"
slack = { webhook = "$SLACK_WEBHOOK_URL" }

[[alert]]
name = "to test"
queue = "OPS"
became = { status = "readyForTest" }
changed = ["assignee"]
message = "{{issue.key}}"
telegram = { bot_token = "$TG_TOKEN", chat_id = -1001234567890 }
"""


def load(tmp_path: Path, text: str) -> spec.Spec:
    path = tmp_path / ".tracker-notify.toml"
    path.write_text(text, encoding="utf-8")
    return spec.load(str(path))


def test_a_valid_file_becomes_alerts_and_conditions(tmp_path: Path) -> None:
    alerts = load(tmp_path, GOOD)
    bug, ready = alerts.alerts
    assert alerts.queues == ("DEV", "OPS")
    assert bug.equals == (("type", "bug"), ("priority", "critical"), ("components", "backend"))
    assert build.conditions(bug) == [
        {"type": "Or", "conditions": [{"type": "Event.create"}, {"type": "Event.update"}]},
        {"type": "FieldEquals", "field": "type", "value": "bug"},
        {"type": "FieldEquals", "field": "priority", "value": "critical"},
        {"type": "FieldEquals", "field": "components", "value": "backend"},
    ]
    # `became` alone means an update.
    assert build.conditions(ready) == [
        {"type": "Event.update"},
        {"type": "FieldBecameEqual", "field": "status", "value": "readyForTest"},
        {"type": "FieldChangedCondition", "field": "assignee"},
    ]
    assert isinstance(ready.target, spec.Telegram)
    assert ready.target.chat_id == "-1001234567890" and ready.target.bot_token == "TG_TOKEN"
    assert ready.target.api_url == "https://api.telegram.org"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('name = "critical-bug"', 'name = "a/b"'), "alert 'a/b': 'name' must be a name of letters"),
        (('priority = "critical"', "priority = 4"), "alert 'critical-bug': 'priority' must be the key of a priority"),
        (('event = ["created", "updated"]', 'event = "deleted"'), "'event' must be one of \"created\""),
        (('event = ["created", "updated"]\n', ""), "no 'event'; say when the alert fires"),
        (('queue = "DEV"\n', ""), "alert 'critical-bug': no 'queue'"),
        (('queue = "OPS"', 'queue = "ops-1"'), "alert 'to test': 'queue' must be a queue key (Latin letters only"),
        (('queue = "OPS"', 'queue = "OPS2"'), "alert 'to test': 'queue' must be a queue key (Latin letters only"),
        (('queue = "DEV"\n', 'queue = "DEV1"\n'), "'queue' must be a queue key (Latin letters only, as Tracker's"),
        (('message = "{{issue.key}}"', 'message = "{{issue.key}"'), "'message' has an unclosed"),
        (('message = "{{issue.key}}"', 'message = "{{ is sue }}"'), "malformed variable"),
        (("changed = [\"assignee\"]", "changed = [\"assignee\"]\nevent = \"created\""), "'became' and 'changed' describe an update"),
        (('slack = { webhook = "$SLACK_WEBHOOK_URL" }', 'slack = { webhook = "https://hooks.slack.com/services/T/B/x" }'),
         "'slack.webhook' must be the name of an environment variable, such as \"$SLACK_WEBHOOK_URL\""),
        (('bot_token = "$TG_TOKEN"', 'bot_token = "123:abc"'), "'telegram.bot_token' must be the name of an environment variable"),
        (("chat_id = -1001234567890", "chat_id = true"), "'telegram.chat_id' must be a chat id"),
        (('slack = { webhook = "$SLACK_WEBHOOK_URL" }', ""), "give exactly one target"),
        (("name = \"to test\"", "name = \"critical-bug\""), "two alerts are named 'critical-bug'"),
        (('type = "bug"', 'typo = "bug"'), "unknown key 'typo'; the keys of an alert are: name, queue, event"),
        (("[[alert]]\nname = \"critical-bug\"", "[alerts]\n[[alert]]\nname = \"critical-bug\""), "unknown key 'alerts'"),
        (('chat_id = -1001234567890 }', 'chat_id = 1, api_url = "http://example.com" }'), "'telegram.api_url' must be an https:// URL"),
    ],
)  # fmt: skip
def test_mistakes_name_the_file_the_key_and_what_was_expected(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, GOOD.replace(old, new, 1))
    text = str(caught.value)
    assert text.startswith(str(tmp_path / ".tracker-notify.toml") + ": ")
    assert expected in text
    assert "hooks.slack.com" not in text  # a pasted secret is not echoed back


def test_missing_file_and_bad_toml_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file; write one"):
        spec.load(str(tmp_path / "none.toml"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(tmp_path, "[[alert]\n")


def test_secrets_come_from_the_environment_and_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts = load(tmp_path, GOOD)
    with pytest.raises(
        ConfigError,
        match=r"needs the Slack incoming-webhook URL in the environment variable SLACK_WEBHOOK_URL or the keyring, and neither has it; export SLACK_WEBHOOK_URL=\.\.\. or run .git tracker notify secret set SLACK_WEBHOOK_URL.",
    ):
        build.read_secrets(alerts)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "hooks.slack.com/no-scheme")
    with pytest.raises(
        ConfigError, match="SLACK_WEBHOOK_URL does not hold a webhook URL"
    ) as caught:
        build.read_secrets(alerts)
    assert "no-scheme" not in str(caught.value)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T1/B2/abc")
    monkeypatch.setenv("TG_TOKEN", "not a token")
    with pytest.raises(ConfigError, match="TG_TOKEN does not look like a bot token"):
        build.read_secrets(alerts)
    monkeypatch.setenv("TG_TOKEN", "123456:AAF4kq-7hT2mZxWcY0bNvLd_8eRsUp3jQoI")
    secrets = build.read_secrets(alerts)
    desired = build.desired(alerts, secrets)
    action = desired[1].trigger["actions"][0]  # type: ignore[index]
    assert (
        action["endpoint"]
        == "https://api.telegram.org/bot123456:AAF4kq-7hT2mZxWcY0bNvLd_8eRsUp3jQoI/sendMessage"
    )
    assert (
        build.hide(action["endpoint"], secrets)
        == "https://api.telegram.org/bot$TG_TOKEN/sendMessage"
    )
    assert (
        build.hide("https://hooks.slack.com/services/T9/B9/zzz", {})
        == "https://hooks.slack.com/services/***"
    )


def test_queues_follow_the_one_queue_rule_and_are_upper_cased(tmp_path: Path) -> None:
    """The same rule as every other queue setting: Latin letters, any case, read upper-case."""
    alerts = load(tmp_path, GOOD.replace('queue = "DEV"', 'queue = "dev"', 1))
    assert alerts.queues == ("DEV", "OPS")
