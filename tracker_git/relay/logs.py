"""The relay's log: every value escaped, one line per record, as text or as JSON.

A delivery's id, a pull request's address or a Tracker error message come from outside; a
newline or an escape sequence in one of them must not forge a log line or drive a terminal.
`Escaping` (a filter on the relay's logger) replaces every control character in the message
and its arguments with a visible escape (`\\n`, `\\x1b`), whatever the handler: the rule of
the terminal printer, `core.output.escape`.

With `[server] log_format = "json"`, each record is one JSON object on one line: `time`,
`level`, `message`, and the fields the relay attaches to the records about a delivery and
about a task's outcome (`forge`, `event`, `delivery`, `keys`, `issue`, `status`, `result`, ...).
There each value is escaped exactly once, by the JSON encoding: `JsonFormatter` reads the
values as they were logged (kept by `Escaping` beside the escaped ones), so a log pipeline
gets them back unchanged; the characters `json` leaves raw (DEL, C1, U+2028/9, the bidi
controls) become `\\uXXXX` too (`core.output.json_text`), so the line holds no control
character at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from tracker_git.core.output import escape, json_text

LOGGER = "tracker_git.relay"
FIELDS = "fields"  # the LogRecord attribute (logging's `extra`) holding a record's fields
_LOGGED = "_logged"  # the LogRecord attribute holding (msg, args, fields) before escaping


def _clean(value: object) -> object:
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clean(v) for v in value)
    return value


class Escaping(logging.Filter):
    """Escapes the message, its arguments and its fields in place (runs once per record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, _LOGGED):
            return True
        setattr(record, _LOGGED, (record.msg, record.args, getattr(record, FIELDS, None)))
        record.msg = escape(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, Mapping):
            setattr(record, FIELDS, {str(k): _clean(v) for k, v in fields.items()})
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record; the record's fields beside time, level and message, each
    value as logged (not escaped by `Escaping`): the JSON encoding is its only escaping."""

    def format(self, record: logging.LogRecord) -> str:
        msg, args, fields = getattr(
            record, _LOGGED, (record.msg, record.args, getattr(record, FIELDS, None))
        )
        message = str(msg)
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "message": message % args if args else message,  # as LogRecord.getMessage
        }
        if isinstance(fields, Mapping):
            entry.update({str(k): v for k, v in fields.items() if k not in entry})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json_text(entry)


class _EscapedText(logging.Formatter):
    def formatException(self, ei: object) -> str:
        return escape(super().formatException(ei))  # type: ignore[arg-type]


def logger() -> logging.Logger:
    """The relay's logger, with the escaping filter on it."""
    log = logging.getLogger(LOGGER)
    if not any(isinstance(f, Escaping) for f in log.filters):
        log.addFilter(Escaping())
    return log


def setup(log_format: str, level: int = logging.INFO) -> None:
    """Log to stderr in `log_format` ("text" or "json") unless the host program (gunicorn's
    own logging aside) already configured a handler."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else _EscapedText("%(asctime)s %(levelname)s %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)


def fields(**values: object) -> dict[str, object]:
    """`extra=` for a record carrying these fields (shown in JSON logs)."""
    return {FIELDS: values}
