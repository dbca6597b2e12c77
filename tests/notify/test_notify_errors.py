"""What goes wrong: a concurrent edit (version conflict), no rights, a missing secret, a
messenger refusing the test message; each one line, with the right exit code."""

from __future__ import annotations

import pytest

from tests.notify.helpers import BOT_TOKEN, Notify, Receiver, serve
from tracker_git.core.errors import OperationFailed
from tracker_git.notify import apply, build, plan, spec
from tracker_git.tracker.client import TrackerClient
from tracker_git.tracker.triggers import Triggers

ALERT = """\
[[alert]]
name = "bugs"
queue = "DEMO"
event = "created"
type = "bug"
message = "{message}"
slack = {{ webhook = "$SLACK_WEBHOOK_URL" }}
"""


def test_a_concurrent_edit_is_a_conflict_not_lost(notify: Notify) -> None:
    notify.file.write_text(ALERT.format(message="first"))
    assert notify.run("apply")[0] == 0
    notify.file.write_text(ALERT.format(message="second"))
    sb = notify.sandbox
    api = Triggers(TrackerClient(sb.url, sb.token, org_id=sb.org_id))
    alerts = spec.load(str(notify.file))
    changes = plan.plan(
        build.desired(alerts, build.read_secrets(alerts)), apply.fetch(api, alerts.queues)
    )
    assert [c.kind for c in changes] == [plan.UPDATE]
    # Someone renames the trigger's message in the UI between our read and our write.
    trigger = api.list("DEMO")[0]
    api.update("DEMO", trigger["id"], trigger["version"], {"active": True})
    with pytest.raises(OperationFailed, match=r"changed by someone else meanwhile \(409\)"):
        apply.apply(api, changes)
    # Planning again sees the new version, and goes through.
    code, out, err = notify.run("apply")
    assert code == 0, err
    assert "update 'bugs'" in out


def test_no_rights_and_no_secret_are_one_line_each(
    notify: Notify, monkeypatch: pytest.MonkeyPatch
) -> None:
    notify.file.write_text(ALERT.format(message="hi"))
    notify.sandbox.inject(403, method="POST", path="/triggers")
    code, _, err = notify.run("apply")
    assert code == 1
    assert err.count("\n") == 1 and "queue administrator rights" in err and "Traceback" not in err
    monkeypatch.delenv("SLACK_WEBHOOK_URL")
    code, _, err = notify.run("plan")
    assert code == 2
    assert (
        "needs the Slack incoming-webhook URL in the environment variable SLACK_WEBHOOK_URL" in err
    )


def test_test_message_refused_says_what_to_check(
    notify: Notify, slack: Receiver, telegram: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    notify.file.write_text(
        ALERT.format(message="hi")
        + f"""
[[alert]]
name = "tg"
queue = "DEMO"
event = "commented"
message = "new comment on {{{{issue.key}}}}"
telegram = {{ bot_token = "$OTHER_TOKEN", chat_id = "@team", api_url = "{telegram.url}" }}
"""
    )
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.url + "/services/T/B/wrong")
    code, _, err = notify.run("test", "bugs")
    assert code == 1
    assert "slack refused the test message" in err and "invalid_token" in err
    assert "/services/T/B/wrong" not in err and "$SLACK_WEBHOOK_URL" in err
    wrong = BOT_TOKEN.replace("A", "B")
    monkeypatch.setenv("OTHER_TOKEN", wrong)
    code, _, err = notify.run("test", "tg")
    assert code == 1
    assert "HTTP 401: Unauthorized" in err and "bot$OTHER_TOKEN" in err and wrong not in err
    code, _, err = notify.run("test", "nope")
    assert code == 2 and "no alert named 'nope' (the alerts there: bugs, tg)" in err


def test_test_message_to_an_html_error_page_is_one_line(
    notify: Notify, monkeypatch: pytest.MonkeyPatch
) -> None:
    notify.file.write_text(ALERT.format(message="hi"))
    for receiver in serve("html"):
        monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.url + "/services/T/B/x")
        code, _, err = notify.run("test", "bugs")
    assert code == 1
    assert err.count("\n") == 1, err
    assert "slack refused the test message" in err
    assert "(HTTP 502: 502 Bad Gateway)" in err
    assert "<" not in err and "nginx" not in err
