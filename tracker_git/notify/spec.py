"""`.tracker-notify.toml`: the alerts a team keeps as code, read and checked up front.

Every mistake names the file, the alert and the key, and says what was expected. Secrets (a
Slack webhook URL, a Telegram bot token) never live in the file: it names an environment
variable (`"$SLACK_WEBHOOK_URL"`), read only when the triggers are built (see secrets.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tracker_git.core import keys, schema
from tracker_git.core.config import read_toml
from tracker_git.core.errors import ConfigError
from tracker_git.core.loopback import secure_enough
from tracker_git.core.schema import Section, flag, strings, text, url

DEFAULT_FILE = ".tracker-notify.toml"

# Readable event names -> Tracker's event condition types (docs/design/tracker-api.md "Triggers").
EVENTS = {
    "created": "Event.create",
    "updated": "Event.update",
    "commented": "Event.comment-create",
}
# Shorthands for the fields alerts filter on most: `priority = "critical"` is `equals.priority`.
SHORTHANDS = ("type", "priority", "status")
TELEGRAM_API = "https://api.telegram.org"


class File(Section, name=""):
    """The top level of the file."""

    queue = text("", "the queue of every alert that does not name one")
    alert = schema.tables("the alerts, one [[alert]] table each")


class AlertKeys(Section, name="alert", header="[[alert]] "):
    """One alert: when it fires, what it says, where it goes ([[alert]])."""

    name = text("", "unique: letters, digits, spaces, '.', '_', '-' (up to 63)", "required")
    queue = text("", "the queue key", "the top-level queue")
    event = strings(
        (), '"created", "updated", "commented", or a list of them', '"updated" with became/changed'
    )
    type = text("", "shorthand for equals.type: the issue type's key")
    priority = text("", "shorthand for equals.priority: the priority's key")
    status = text("", "shorthand for equals.status: the status key")
    equals = schema.table('{ field = "value" }: the issue has these values')
    became = schema.table('{ field = "value" }: the update set these values')
    changed = strings((), "fields the update changed")
    message = text("", "the text, with Tracker's variables such as {{issue.key}}", "required")
    slack = schema.table('{ webhook = "$VARIABLE" }: post to a Slack incoming webhook')
    telegram = schema.table('{ bot_token = "$VARIABLE", chat_id = "-100..." }: send with a bot')
    active = flag(True, "false keeps the trigger, switched off")


class SlackKeys(Section, name="alert.slack", header="[[alert]] slack."):
    """A Slack target: one of slack or telegram."""

    webhook = text("", 'the environment variable holding the webhook URL: "$NAME"', "required")


class TelegramKeys(Section, name="alert.telegram", header="[[alert]] telegram."):
    """A Telegram target."""

    bot_token = text("", 'the environment variable holding the bot token: "$NAME"', "required")
    chat_id = text("", 'the chat: "-1001234567890" or "@channel" (a number too)', "required")
    api_url = url(TELEGRAM_API, "a self-hosted Bot API server (http:// only to loopback)")


SECTIONS: tuple[type[Section], ...] = (File, AlertKeys, SlackKeys, TelegramKeys)
_ALERT_KEYS = tuple(AlertKeys.BY_NAME)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_SECRET = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")

# Builds the error for one key of one alert: fail(key, expected, value).
_Fail = Callable[[str, str, object], ConfigError]


@dataclass(frozen=True)
class Slack:
    webhook: str  # the environment variable that holds the incoming-webhook URL


@dataclass(frozen=True)
class Telegram:
    bot_token: str  # the environment variable that holds the bot token
    chat_id: str
    api_url: str = TELEGRAM_API  # or a self-hosted Bot API server


@dataclass(frozen=True)
class Alert:
    name: str
    queue: str
    events: tuple[str, ...]  # readable names, keys of EVENTS; any of them fires the alert
    equals: tuple[tuple[str, str], ...]  # (field, value): the field has this value
    became: tuple[tuple[str, str], ...]  # (field, value): the field changed to this value
    changed: tuple[str, ...]  # fields that changed
    message: str  # text with Tracker's variables, {{issue.key}}
    target: Slack | Telegram
    active: bool = True

    @property
    def kind(self) -> str:
        return "slack" if isinstance(self.target, Slack) else "telegram"

    @property
    def secret_names(self) -> tuple[str, ...]:
        target = self.target
        return (target.webhook,) if isinstance(target, Slack) else (target.bot_token,)


@dataclass(frozen=True)
class Spec:
    path: str
    alerts: tuple[Alert, ...] = field(default_factory=tuple)

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(sorted({alert.queue for alert in self.alerts}))

    @property
    def secret_names(self) -> list[str]:
        """The variables the alerts name, each once."""
        return list(dict.fromkeys(name for alert in self.alerts for name in alert.secret_names))

    def find(self, name: str) -> Alert:
        for alert in self.alerts:
            if alert.name == name:
                return alert
        known = ", ".join(alert.name for alert in self.alerts) or "none"
        raise ConfigError(f"{self.path}: no alert named '{name}' (the alerts there: {known})")


def path_for(file_option: str | None, top: str | None) -> str:
    """The alerts file: --file as given, else DEFAULT_FILE at `top` (the work tree's top,
    found without starting git), else in the current folder."""
    return file_option or os.path.join(top or os.getcwd(), DEFAULT_FILE)


def load(path: str, tree: str | None = None) -> Spec:
    """Read and check the file at `path`; a missing file is a ConfigError saying how to start.
    `tree`: the work tree the file belongs to (a symlink must not lead out of it)."""
    data = read_toml(
        path,
        missing="write one (see 'git tracker help notify') or point --file at it",
        tree=tree,
    )
    return parse(data, path)


def parse(data: Mapping[str, object], path: str) -> Spec:
    unknown = [key for key in data if key not in File.BY_NAME]
    if unknown:
        raise ConfigError(
            f"{path}: unknown key '{unknown[0]}'; the file holds 'queue' (the default queue) "
            "and [[alert]] tables"
        )
    default_queue = data.get("queue", "")
    if not isinstance(default_queue, str) or not (
        default_queue == "" or keys.is_queue_key(default_queue)
    ):
        raise ConfigError(
            f"{path}: 'queue' must be a queue key ({keys.QUEUE_RULE}), not {default_queue!r}"
        )
    tables = data.get("alert", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{path}: 'alert' must be a list of tables, written [[alert]]")
    alerts: list[Alert] = []
    seen: set[str] = set()
    for number, table in enumerate(tables, 1):
        alert = _alert(table, default_queue, path, number)
        if alert.name in seen:
            raise ConfigError(f"{path}: two alerts are named '{alert.name}'; names must be unique")
        seen.add(alert.name)
        alerts.append(alert)
    return Spec(path, tuple(alerts))


def _alert(table: Mapping[str, object], default_queue: str, path: str, number: int) -> Alert:
    raw_name = table.get("name")
    where = (
        f"{path}: alert '{raw_name}'" if isinstance(raw_name, str) else f"{path}: alert #{number}"
    )

    def fail(key: str, expected: str, value: object) -> ConfigError:
        return ConfigError(f"{where}: '{key}' must be {expected}, not {value!r}")

    for key in table:
        if key not in _ALERT_KEYS:
            raise ConfigError(
                f"{where}: unknown key '{key}'; the keys of an alert are: {', '.join(_ALERT_KEYS)}"
            )
    if not isinstance(raw_name, str) or not _NAME.fullmatch(raw_name):
        raise fail(
            "name", "a name of letters, digits, spaces, '.', '_' or '-' (up to 63)", raw_name
        )
    queue = table.get("queue", default_queue)
    if not isinstance(queue, str) or not keys.is_queue_key(queue):
        if queue == "":
            raise ConfigError(f"{where}: no 'queue'; set it in the alert or at the top of the file")
        raise fail("queue", f"a queue key ({keys.QUEUE_RULE})", queue)
    queue = queue.upper()  # as every queue setting is read
    events = _strings(table.get("event", []), "event")
    if isinstance(events, str):
        raise fail("event", 'one of "created", "updated", "commented" or a list of them', events)
    for event in events:
        if event not in EVENTS:
            raise fail("event", 'one of "created", "updated", "commented"', event)
    equals = [(key, table[key]) for key in SHORTHANDS if key in table]
    for key, value in equals:
        if not isinstance(value, str) or not value:
            raise fail(key, f"the key of a {key} (a non-empty string)", value)
    equals += _field_table(table.get("equals", {}), "equals", fail)
    became = _field_table(table.get("became", {}), "became", fail)
    changed = _strings(table.get("changed", []), "changed")
    if isinstance(changed, str) or not all(_FIELD.fullmatch(name) for name in changed):
        raise fail("changed", 'a list of field keys such as ["assignee"]', table.get("changed"))
    if (became or changed) and ("created" in events or "commented" in events):
        raise ConfigError(
            f"{where}: 'became' and 'changed' describe an update; use event = \"updated\" "
            "(or leave 'event' out)"
        )
    if not events:
        if not (became or changed):
            raise ConfigError(
                f"{where}: no 'event'; say when the alert fires: "
                'event = "created", "updated" or "commented" (or a list of them)'
            )
        events = ["updated"]
    message = table.get("message")
    if not isinstance(message, str) or not message.strip():
        raise fail(
            "message", "the text to send, with Tracker's variables such as {{issue.key}}", message
        )
    _check_variables(message, where)
    active = table.get("active", AlertKeys.active.default)
    if not isinstance(active, bool):
        raise fail("active", "true or false", active)
    return Alert(
        name=raw_name,
        queue=queue,
        events=tuple(events),
        equals=tuple((k, str(v)) for k, v in equals),
        became=tuple(became),
        changed=tuple(changed),
        message=message,
        target=_target(table, where, fail),
        active=active,
    )


def _strings(value: object, key: str) -> list[str] | str:
    """A string or a list of strings as a list; anything else comes back as a str to report."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return repr(value)


def _field_table(value: object, key: str, fail: _Fail) -> list[tuple[str, str]]:
    expected = 'a table of field = value, such as { components = "backend" }'
    if not isinstance(value, dict):
        raise fail(key, expected, value)
    pairs: list[tuple[str, str]] = []
    for name, item in value.items():
        if not _FIELD.fullmatch(name):
            raise fail(f"{key}.{name}", "a field key of letters, digits, '_' and '.'", name)
        if not isinstance(item, (str, int)) or isinstance(item, bool) or item == "":
            raise fail(f"{key}.{name}", "a value key (a non-empty string) or a number", item)
        pairs.append((name, str(item)))
    return pairs


def _check_variables(message: str, where: str) -> None:
    for match in _VARIABLE.finditer(message):
        if not _VARIABLE_NAME.fullmatch(match.group(1)):
            raise ConfigError(
                f"{where}: 'message' has a malformed variable {match.group(0)!r}; "
                "write Tracker's variables like {{issue.summary}}"
            )
    rest = _VARIABLE.sub("", message)
    if "{{" in rest or "}}" in rest:
        raise ConfigError(
            f"{where}: 'message' has an unclosed '{{{{' or a stray '}}}}'; "
            "write Tracker's variables like {{issue.summary}}"
        )


def _secret(value: object, key: str, example: str, fail: _Fail) -> str:
    if isinstance(value, str):
        match = _SECRET.fullmatch(value)
        if match:
            return match.group(1)
    shown = value if not isinstance(value, str) or len(value) < 12 else "<a literal value>"
    raise fail(
        key,
        f'the name of an environment variable, such as "{example}" (a secret never goes into '
        "the file; export it, or store it with 'git tracker notify secret set NAME')",
        shown,
    )


def _target(table: Mapping[str, object], where: str, fail: _Fail) -> Slack | Telegram:
    slack, telegram = table.get("slack"), table.get("telegram")
    if (slack is None) == (telegram is None):
        raise ConfigError(f"{where}: give exactly one target: a 'slack' or a 'telegram' table")
    if slack is not None:
        if not isinstance(slack, dict) or set(slack) != set(SlackKeys.BY_NAME):
            raise fail("slack", '{ webhook = "$SLACK_WEBHOOK_URL" }', slack)
        return Slack(_secret(slack["webhook"], "slack.webhook", "$SLACK_WEBHOOK_URL", fail))
    keys = {"bot_token", "chat_id"}
    if not isinstance(telegram, dict) or not keys <= set(telegram) <= set(TelegramKeys.BY_NAME):
        raise fail(
            "telegram", '{ bot_token = "$TELEGRAM_BOT_TOKEN", chat_id = "-100123" }', telegram
        )
    api_url = telegram.get("api_url", TelegramKeys.api_url.default)
    if not isinstance(api_url, str) or not is_web_url(api_url):
        raise fail("telegram.api_url", "an https:// URL (http:// only for 127.0.0.1)", api_url)
    token = _secret(telegram["bot_token"], "telegram.bot_token", "$TELEGRAM_BOT_TOKEN", fail)
    chat = telegram["chat_id"]
    if isinstance(chat, bool) or not isinstance(chat, (str, int)) or not str(chat).strip():
        raise fail("telegram.chat_id", 'a chat id such as "-1001234567890" or "@channel"', chat)
    return Telegram(bot_token=token, chat_id=str(chat), api_url=api_url.rstrip("/"))


def is_web_url(url: str) -> bool:
    """https anywhere; plain http only to this machine (tests, a local Bot API server)."""
    return secure_enough(url)
