"""Alerts -> the triggers Tracker stores (docs/design/tracker-api.md "Triggers"), with the secrets filled in.

A trigger we manage is named `[tracker-git] <alert name>`: that prefix is the only thing that
makes a trigger ours, so a trigger someone made by hand is never changed or switched off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tracker_git.core.errors import ConfigError
from tracker_git.notify import message
from tracker_git.notify.spec import EVENTS, Alert, Slack, Spec, Telegram, is_web_url
from tracker_git.secrets import named_secret, named_secret_origin

PREFIX = "[tracker-git] "
# Fields whose equality conditions must be FieldEqualsString (docs/design/tracker-api.md "Triggers").
STRING_FIELDS = frozenset({"description", "emailFrom", "emailCreatedBy"})
_TELEGRAM_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]{20,}")


def trigger_name(alert_name: str) -> str:
    return PREFIX + alert_name


def alert_name(trigger_name: str) -> str | None:
    """The alert a trigger belongs to, or None for a trigger that is not ours."""
    return trigger_name[len(PREFIX) :] if trigger_name.startswith(PREFIX) else None


@dataclass(frozen=True)
class Desired:
    alert: Alert
    trigger: dict[str, object]  # name, active, conditions, actions: what POST/PATCH sends
    secrets: dict[str, str]  # variable name -> value, to hide them again in output


def equals_type(field: str) -> str:
    """Tracker compares the text fields with FieldEqualsString, the others with FieldEquals
    (docs/design/tracker-api.md "Triggers")."""
    return "FieldEqualsString" if field in STRING_FIELDS else "FieldEquals"


def conditions(alert: Alert) -> list[dict[str, object]]:
    events: list[dict[str, object]] = [{"type": EVENTS[event]} for event in alert.events]
    out: list[dict[str, object]] = (
        events if len(events) == 1 else [{"type": "Or", "conditions": events}]
    )
    out += [{"type": equals_type(f), "field": f, "value": v} for f, v in alert.equals]
    out += [{"type": "FieldBecameEqual", "field": f, "value": v} for f, v in alert.became]
    out += [{"type": "FieldChangedCondition", "field": f} for f in alert.changed]
    return out


def endpoint(target: Slack | Telegram, secrets: Mapping[str, str]) -> str:
    if isinstance(target, Slack):
        return secrets[target.webhook]
    return f"{target.api_url}/bot{secrets[target.bot_token]}/sendMessage"


def action(alert: Alert, secrets: Mapping[str, str]) -> dict[str, object]:
    target = alert.target
    if isinstance(target, Slack):
        content_type = message.SLACK_CONTENT_TYPE
        body = message.template(message.slack_payload(alert.message))
    else:
        content_type = message.TELEGRAM_CONTENT_TYPE
        body = message.telegram_body(target.chat_id, alert.message)
    return {
        "type": "Webhook",
        "endpoint": endpoint(target, secrets),
        "method": "POST",
        "contentType": content_type,
        "authContext": {"type": "noauth"},
        "headers": {},
        "body": body,
    }


def trigger(alert: Alert, secrets: Mapping[str, str]) -> dict[str, object]:
    return {
        "name": trigger_name(alert.name),
        "active": alert.active,
        "conditions": conditions(alert),
        "actions": [action(alert, secrets)],
    }


def read_secrets(spec: Spec, alerts: tuple[Alert, ...] | None = None) -> dict[str, str]:
    """The secrets the alerts name, from the environment, else the keyring (entry
    `secret:<NAME>`); a missing or malformed one is a ConfigError that names the variable and
    never shows a value. A keyring that is locked or hangs is an OperationFailed."""
    found: dict[str, str] = {}
    for alert in spec.alerts if alerts is None else alerts:
        for name in alert.secret_names:
            # One keyring read per name, though two alerts may share it.
            value = found.get(name) or named_secret(name) or ""
            what = (
                "the Slack incoming-webhook URL"
                if alert.kind == "slack"
                else "the Telegram bot token"
            )
            if not value:
                raise ConfigError(
                    f"{spec.path}: alert '{alert.name}' needs {what} in the environment variable "
                    f"{name} or the keyring, and neither has it; export {name}=... or run "
                    f"'git tracker notify secret set {name}' (it never goes into the file)"
                )
            origin = named_secret_origin(name)
            if alert.kind == "slack" and not is_web_url(value):
                raise ConfigError(
                    f"{origin} does not hold a webhook URL (expected https://hooks.slack.com/services/...); "
                    "copy it from the Slack app's Incoming Webhooks page"
                )
            if alert.kind == "telegram" and not _TELEGRAM_TOKEN.fullmatch(value):
                raise ConfigError(
                    f"{origin} does not look like a bot token (digits, ':', then 35 or so characters); "
                    "copy it from @BotFather"
                )
            found[name] = value
    return found


def desired(spec: Spec, secrets: Mapping[str, str]) -> list[Desired]:
    return [
        Desired(
            alert,
            trigger(alert, secrets),
            {name: secrets[name] for name in alert.secret_names},
        )
        for alert in spec.alerts
    ]


def hide(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every known secret shown as $NAME, and anything shaped like a Slack webhook
    path or a bot token hidden too (a trigger made elsewhere may hold one we do not know)."""
    for name, value in sorted(secrets.items(), key=lambda item: -len(item[1])):
        if value:
            text = text.replace(value, f"${name}")
    text = re.sub(r"(hooks\.slack\.com/services/)[A-Za-z0-9/_-]+", r"\1***", text)
    return re.sub(r"(/bot)[0-9]+:[A-Za-z0-9_-]+", r"\1***", text)
