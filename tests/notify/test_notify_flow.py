"""`git tracker notify` end to end: the file -> triggers in the sandbox -> an issue event ->
the sandbox calls loopback Slack and Telegram receivers, over real sockets."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import requests

from testing.repos import run
from tests.notify.helpers import BOT_TOKEN, SLACK_PATH, Notify, Receiver

ALERTS = """\
queue = "DEMO"

[[alert]]
name = "critical-bug"
event = "created"
type = "bug"
priority = "critical"
message = "Critical bug {{{{issue.key}}}}: {{{{issue.summary}}}}"
slack = {{ webhook = "$SLACK_WEBHOOK_URL" }}

[[alert]]
name = "ready-for-test"
became = {{ status = "readyForTest" }}
message = "{{{{issue.key}}}} is ready for test:\\n{{{{issue.summary}}}} ({{{{issue.assignee.login}}}})"
telegram = {{ bot_token = "$TELEGRAM_BOT_TOKEN", chat_id = "-1001234567890", api_url = "{telegram}" }}
"""

SUMMARY = 'Crash on "Save"\nwhen the disk is full \\ really'


def write(notify: Notify, telegram: Receiver, text: str = ALERTS) -> None:
    notify.file.write_text(text.format(telegram=telegram.url), encoding="utf-8")


def api(notify: Notify, method: str, path: str, body: object | None = None) -> Any:
    sb = notify.sandbox
    response = requests.request(
        method, f"{sb.url}/v3/{path}", json=body, headers=sb.headers, timeout=10
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def slack_text(payload: Any) -> str:
    """What Slack shows: the rich_text section's text elements joined."""
    elements = payload["blocks"][0]["elements"][0]["elements"]
    assert all(e["type"] == "text" for e in elements)
    return "".join(e["text"] for e in elements)


def test_apply_then_events_reach_slack_and_telegram(
    notify: Notify, slack: Receiver, telegram: Receiver
) -> None:
    write(notify, telegram)
    code, out, err = notify.run("apply")
    assert code == 0, err
    assert "DEMO: create 'critical-bug'" in out and "DEMO: create 'ready-for-test'" in out
    # The Telegram token warning, once.
    assert "bot token is part of the trigger's URL" in err
    triggers = api(notify, "GET", "queues/DEMO/triggers")
    assert sorted(t["name"] for t in triggers) == [
        "[tracker-git] critical-bug",
        "[tracker-git] ready-for-test",
    ]

    # A critical bug with quotes, a backslash and a line break in its summary.
    created = api(
        notify,
        "POST",
        "issues",
        {"queue": "DEMO", "summary": SUMMARY, "type": "bug", "priority": "critical"},
    )
    assert len(slack.got) == 1
    sent = slack.got[0]
    assert sent.path == SLACK_PATH
    assert sent.headers["content-type"].startswith("application/json")
    payload = sent.json()
    assert slack_text(payload) == f"Critical bug {created['key']}: {SUMMARY}"
    assert payload["text"] == f"Critical bug {created['key']}: …"  # type: ignore[index]
    assert telegram.got == []

    # A task is not a critical bug: nothing more to Slack.
    api(
        notify,
        "POST",
        "issues",
        {"queue": "DEMO", "summary": "Just a task", "priority": "critical"},
    )
    assert len(slack.got) == 1

    # DEMO-3 is in review; moving it to "ready for test" messages Telegram.
    api(notify, "PATCH", "issues/DEMO-3", {"summary": 'Speed up "search"'})
    assert telegram.got == []  # updated, but the status did not become readyForTest
    api(notify, "POST", "issues/DEMO-3/transitions/ready_for_test/_execute", {})
    assert len(telegram.got) == 1
    message = telegram.got[0]
    assert message.path == f"/bot{BOT_TOKEN}/sendMessage"
    # JSON (the Webhook action's documented type): a free-text variable inside a longer
    # text cannot be escaped by Tracker, so it shows as …; the identifiers stay.
    assert message.headers["content-type"].startswith("application/json")
    assert message.json() == {
        "chat_id": "-1001234567890",
        "text": "DEMO-3 is ready for test:\n… (sandbox.user)",
    }
    assert len(slack.got) == 1
    # No secret in what the command printed; no trigger failed inside the sandbox.
    assert BOT_TOKEN not in out + err and SLACK_PATH not in out + err
    assert notify.sandbox.state.hook_errors == []


def test_second_apply_changes_nothing(notify: Notify, telegram: Receiver) -> None:
    write(notify, telegram)
    assert notify.run("apply")[0] == 0
    notify.sandbox.clear_requests()
    code, out, err = notify.run("apply")
    assert code == 0, err
    assert notify.changing_requests() == []
    assert "nothing to change" in err
    assert "bot token" not in err  # said once, not on every run
    code, out, err = notify.run("plan")
    assert code == 0 and "'critical-bug' unchanged" in out and "no changes" in err


def test_plan_shows_a_diff_and_changes_nothing(notify: Notify, telegram: Receiver) -> None:
    write(notify, telegram)
    assert notify.run("apply")[0] == 0
    edited = ALERTS.replace('priority = "critical"', 'priority = "blocker"').replace(
        "Critical bug {{{{issue.key}}}}", "Blocker {{{{issue.key}}}}"
    )
    write(notify, telegram, edited)
    notify.sandbox.clear_requests()
    code, out, err = notify.run("plan")
    assert code == 0, err
    assert notify.changing_requests() == []
    assert "DEMO: update 'critical-bug'" in out
    assert "-       priority = critical" in out and "+       priority = blocker" in out
    assert "- message: Critical bug {{issue.key}}: {{issue.summary}}" in out
    assert "+ message: Blocker {{issue.key}}: {{issue.summary}}" in out
    assert "'ready-for-test' unchanged" in out
    assert "plan: 1 to update, 1 unchanged" in err
    assert "$SLACK_WEBHOOK_URL" in out and SLACK_PATH not in out

    assert notify.run("apply")[0] == 0
    trigger = next(
        t for t in api(notify, "GET", "queues/DEMO/triggers") if t["name"].endswith("critical-bug")
    )
    assert {"type": "FieldEquals", "field": "priority", "value": "blocker"} in trigger["conditions"]
    assert trigger["version"] == 2  # changed in place, with the version it was planned at


def test_hand_made_trigger_survives_apply_and_remove(notify: Notify, telegram: Receiver) -> None:
    hand = api(notify, "POST", "queues/DEMO/triggers", {
        "name": "Critical bug to the team chat",
        "conditions": [{"type": "Event.create"}],
        "actions": [{"type": "Webhook", "endpoint": telegram.url + "/hand", "method": "POST", "body": "{}"}],
    })  # fmt: skip
    write(notify, telegram)
    assert notify.run("apply")[0] == 0
    # The alert leaves the file: apply switches its trigger off, and only that one.
    write(notify, telegram, ALERTS.split('[[alert]]\nname = "ready-for-test"')[0])
    code, out, err = notify.run("apply")
    assert code == 0, err
    assert "DEMO: switch off 'ready-for-test'" in out
    assert notify.run("remove", "critical-bug")[0] == 0
    triggers = {t["name"]: t for t in api(notify, "GET", "queues/DEMO/triggers")}
    assert triggers[hand["name"]]["version"] == hand["version"] and triggers[hand["name"]]["active"]
    assert not triggers["[tracker-git] ready-for-test"]["active"]
    assert not triggers["[tracker-git] critical-bug"]["active"]
    # Switched off means silent.
    api(
        notify,
        "POST",
        "issues",
        {"queue": "DEMO", "summary": "x", "type": "bug", "priority": "critical"},
    )
    assert [r.path for r in telegram.got] == ["/hand"]
    # remove --delete deletes ours, never the hand-made one.
    assert notify.run("remove", "ready-for-test", "--queue", "DEMO", "--delete")[0] == 0
    names = [t["name"] for t in api(notify, "GET", "queues/DEMO/triggers")]
    assert names == [hand["name"], "[tracker-git] critical-bug"]


def test_notify_test_reaches_the_receivers(
    notify: Notify, slack: Receiver, telegram: Receiver
) -> None:
    write(notify, telegram)
    code, out, err = notify.run("test", "critical-bug")
    assert code == 0, err
    assert "$SLACK_WEBHOOK_URL" in out and SLACK_PATH not in out
    assert (
        slack_text(slack.got[0].json()) == 'Critical bug DEMO-1: A test from "git tracker notify"'
    )
    code, out, err = notify.run("test", "ready-for-test")
    assert code == 0, err
    assert telegram.got[0].path == f"/bot{BOT_TOKEN}/sendMessage"
    assert telegram.got[0].json() == {
        "chat_id": "-1001234567890",
        "text": "DEMO-1 is ready for test:\n… (<issue.assignee.login>)",  # as the trigger sends it
    }
    assert notify.changing_requests() == []  # Tracker is not involved
    assert BOT_TOKEN not in out + err


def test_apply_switches_back_on_and_silences_a_copy(
    notify: Notify, slack: Receiver, telegram: Receiver
) -> None:
    write(notify, telegram)
    assert notify.run("apply")[0] == 0
    code, _, err = notify.run("remove", "critical-bug")
    assert code == 0 and "still in" in err
    # A copy of our trigger made in the UI (same name) would send every alert twice.
    ours = next(
        t for t in api(notify, "GET", "queues/DEMO/triggers") if t["name"].endswith("critical-bug")
    )
    copy = api(notify, "POST", "queues/DEMO/triggers", {
        "name": ours["name"], "conditions": ours["conditions"], "actions": ours["actions"],
    })  # fmt: skip
    code, out, err = notify.run("plan")
    assert "DEMO: update 'critical-bug'" in out and "- active: no" in out and "+ active: yes" in out
    assert "DEMO: switch off 'critical-bug'" in out
    assert notify.run("apply")[0] == 0
    states = {t["id"]: t["active"] for t in api(notify, "GET", "queues/DEMO/triggers")}
    assert states[ours["id"]] is True and states[copy["id"]] is False
    api(
        notify,
        "POST",
        "issues",
        {"queue": "DEMO", "summary": "once", "type": "bug", "priority": "critical"},
    )
    assert len(slack.got) == 1


def test_list_shows_ours_only_with_secrets_hidden(
    notify: Notify, slack: Receiver, telegram: Receiver
) -> None:
    api(
        notify,
        "POST",
        "queues/DEMO/triggers",
        {"name": "hand made", "actions": [{"type": "Move", "queue": "OPS"}]},
    )
    write(notify, telegram)
    code, out, _ = notify.run("list")
    assert code == 0
    assert "DEMO  critical-bug  [not in Tracker yet" in out and "hand made" not in out
    assert notify.run("apply")[0] == 0
    notify.file.unlink()
    code, out, err = notify.run("list", "--queue", "DEMO")
    assert code == 0, err
    assert "DEMO  critical-bug  [on, not in the file," in out
    assert f"send: POST {telegram.url}/bot***/sendMessage" in out
    assert f"send: POST {slack.url}/***\n" in out  # a Slack webhook URL is a secret as a whole
    assert "message: Critical bug {{issue.key}}: {{issue.summary}}" in out
    assert BOT_TOKEN not in out and SLACK_PATH not in out and "hand made" not in out


def test_the_git_subcommand_applies_the_repository_file(notify: Notify, telegram: Receiver) -> None:
    """`git tracker notify apply` as a user types it: git finds git-tracker on PATH, and the
    file is found at the top of the repository from a subfolder."""
    write(notify, telegram)
    (notify.repo / "sub").mkdir()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = run(notify.repo / "sub", "git", "tracker", "trust", "--yes", env=env)
    assert proc.returncode == 0 and "telegram.api_url" in proc.stdout, proc.stderr
    proc = run(notify.repo / "sub", "git", "tracker", "notify", "apply", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "DEMO: create 'critical-bug'" in proc.stdout
    proc = run(notify.repo / "sub", "git", "tracker", "notify", "apply", env=env)
    assert proc.returncode == 0 and "nothing to change" in proc.stderr


def test_text_field_conditions_and_a_whole_free_text_message(
    notify: Notify, telegram: Receiver
) -> None:
    """`equals` on description becomes FieldEqualsString (the sandbox refuses FieldEquals
    there, as Tracker does); a message that is one variable reaches Telegram whole."""
    text = f"""queue = "DEMO"

[[alert]]
name = "by-description"
event = "created"
equals = {{ description = "page me" }}
message = "{{{{issue.summary}}}}"
telegram = {{ bot_token = "$TELEGRAM_BOT_TOKEN", chat_id = "-100", api_url = "{telegram.url}" }}
"""
    notify.file.write_text(text, encoding="utf-8")
    code, _out, err = notify.run("apply")
    assert code == 0, err
    api(notify, "POST", "issues", {"queue": "DEMO", "summary": "quiet", "description": "other"})
    api(notify, "POST", "issues", {"queue": "DEMO", "summary": SUMMARY, "description": "page me"})
    assert [m.json() for m in telegram.got] == [{"chat_id": "-100", "text": SUMMARY}]


def test_list_escapes_what_tracker_holds(notify: Notify, telegram: Receiver) -> None:
    """A managed trigger edited in Tracker to carry terminal controls (a clear-screen, a window
    title, a carriage return, a right-to-left override) is listed with them escaped."""
    write(notify, telegram)
    assert notify.run("apply")[0] == 0
    hostile = "bug\x1b[2J\x1b]0;owned\x07\rok\u202etxt"
    for trigger in api(notify, "GET", "queues/DEMO/triggers"):
        conditions = trigger["conditions"]
        for condition in conditions:
            if condition.get("field") == "type":
                condition["value"] = hostile
        path = f"queues/DEMO/triggers/{trigger['id']}?version={trigger['version']}"
        api(notify, "PATCH", path, {"conditions": conditions})
    code, out, err = notify.run("list", "--queue", "DEMO")
    assert code == 0, err
    assert "bug\\x1b[2J\\x1b]0;owned\\x07\\rok\\u202etxt" in out, out
    assert not {"\x1b", "\x07", "\r", "\u202e"} & set(out + err)
