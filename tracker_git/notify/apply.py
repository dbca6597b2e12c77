"""Carrying a plan out, and the other changing operations (`remove`, `test`).

Every change of an existing trigger names the version it was planned against
(`PATCH …?version=N`), so an edit someone made in between is a clear error, not lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tracker_git.core import output, paths
from tracker_git.core.errors import OperationFailed
from tracker_git.notify import build, message
from tracker_git.notify.plan import CREATE, SWITCH_OFF, UPDATE, Change
from tracker_git.notify.spec import Alert, Slack

TEST_TIMEOUT = 10.0


class TriggerApi(Protocol):
    """What notify needs from Tracker (tracker_git/tracker/triggers.py provides it)."""

    def list(self, queue: str) -> list[dict[str, Any]]: ...

    def create(self, queue: str, body: Mapping[str, object]) -> dict[str, Any]: ...

    def update(
        self, queue: str, trigger_id: int, version: int, body: Mapping[str, object]
    ) -> dict[str, Any]: ...

    def delete(self, queue: str, trigger_id: int) -> None: ...


def fetch(api: TriggerApi, queues: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    return {queue: api.list(queue) for queue in queues}


@dataclass(frozen=True)
class Done:
    change: Change
    trigger_id: int


def apply(api: TriggerApi, changes: list[Change]) -> list[Done]:
    """Make each change; stops at the first failure (what was done so far stays done, and a
    second run picks up from there, since it plans afresh)."""
    done: list[Done] = []
    for change in changes:
        if change.kind == CREATE:
            assert change.desired is not None
            made = api.create(change.queue, change.desired.trigger)
            done.append(Done(change, int(made.get("id", 0))))
        elif change.kind in (UPDATE, SWITCH_OFF):
            assert change.existing is not None
            body = change.desired.trigger if change.desired else {"active": False}
            tid, version = int(change.existing["id"]), int(change.existing.get("version", 1))
            api.update(change.queue, tid, version, body)
            done.append(Done(change, tid))
    return done


def warn_telegram_once(changes: list[Change]) -> None:
    """The bot token is part of the trigger's URL, where queue administrators can read it:
    say so the first time this machine writes a Telegram alert into a queue."""
    queues = sorted(
        {
            c.queue
            for c in changes
            if c.kind in (CREATE, UPDATE) and c.desired and c.desired.alert.kind == "telegram"
        }
    )
    if not queues:
        return
    marker = os.path.join(paths.user_state_dir(), "notify-telegram-warned")
    try:
        with open(marker, encoding="utf-8") as f:
            warned = set(f.read().split())
    except OSError:
        warned = set()
    new = [q for q in queues if q not in warned]
    if not new:
        return
    output.warn(
        f"the Telegram bot token is part of the trigger's URL in {', '.join(new)}: anyone who "
        "administers the queue can read it there; give these alerts a bot of their own, and "
        "revoke its token with @BotFather if it leaks (this warning is shown once)"
    )
    try:
        paths.make_folder(os.path.dirname(marker))
        with open(marker, "a", encoding="utf-8") as f:
            f.write("".join(q + "\n" for q in new))
    except OSError:
        pass  # then it is said again next time: harmless


def find_managed(triggers: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [t for t in triggers if build.alert_name(str(t.get("name", ""))) == name]


# -- notify test ---------------------------------------------------------------------------------


def sample_values(alert: Alert) -> dict[str, str]:
    names = {p.name for p in message.parts(alert.message) if isinstance(p, message.Var)}
    known = {
        "issue.key": f"{alert.queue}-1",
        "issue.summary": 'A test from "git tracker notify"',
        "issue.status": "Open",
        "issue.status.key": "open",
        "issue.priority": "Critical",
        "issue.priority.key": "critical",
        "issue.type": "Bug",
        "issue.type.key": "bug",
    }
    return {name: known.get(name, f"<{name}>") for name in names}


def send_test(alert: Alert, secrets: Mapping[str, str]) -> str:
    """Send the alert's message, filled with sample values, straight to its target; returns
    where it went (secrets hidden). Tracker is not involved. No redirect is followed: the
    address holds the secret, and it goes nowhere else (tracker_git.http.attempt)."""
    import requests

    from tracker_git.http import attempt, new_session

    values = sample_values(alert)
    url = build.endpoint(alert.target, secrets)
    if isinstance(alert.target, Slack):
        payload = message.fill(message.slack_payload(alert.message), values)
    else:
        payload = message.fill(
            message.telegram_payload(alert.target.chat_id, alert.message), values
        )
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    shown = build.hide(url, secrets)
    with new_session(url) as session:
        try:
            response = attempt(  # a POST: sent once, no redirect followed
                session, "POST", url, retry=False, data=data, timeout=TEST_TIMEOUT,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )  # fmt: skip
        except requests.RequestException as exc:
            reason = build.hide(
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__, secrets
            )
            raise OperationFailed(
                f"cannot reach {shown} ({reason[:200]}); check the network and the URL"
            ) from None
        if response.status_code >= 300:
            detail = build.hide(_messenger_error(response.text[:2000]), secrets)
            raise OperationFailed(
                f"{alert.kind} refused the test message to {shown} (HTTP {response.status_code}"
                f"{detail}); check {' and '.join(alert.secret_names)}"
                + (
                    ""
                    if isinstance(alert.target, Slack)
                    else " and the chat id, and that the bot is in the chat"
                )
            )
    return shown


def _messenger_error(text: str) -> str:
    """Slack answers a short text ("invalid_token"), Telegram {"description": ...}; a proxy or
    a wrong address may give an HTML page, shown by its title (one line, never the page)."""
    from tracker_git.http import said_by

    text = text.strip()
    try:
        data = json.loads(text)
        text = str(data.get("description", text)) if isinstance(data, dict) else text
    except ValueError:
        pass
    said = said_by(text)
    return f": {said}" if said else ""
