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

import io
import logging
import logging.config
import threading
import time
from collections.abc import Mapping
from typing import Any

from tracker_git.core.output import escape, info, json_text

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


_json = False  # setup's choice: announce's lines are JSON records too


def dict_config(log_format: str, level: int | str = logging.INFO) -> dict[str, Any]:
    """A `logging.config.dictConfig` configuration: every record, the relay's and the host
    server's (gunicorn's `gunicorn.error`; `gunicorn.access` at warning, as the relay logs
    each delivery itself), escaped and written to stderr in `log_format`. gunicorn takes it as
    its `logconfig_dict` (tracker_git.relay.gunicornconf)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if log_format == "json"
        else {"()": _EscapedText, "format": "%(asctime)s %(levelname)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"relay": formatter},
        "filters": {"escaping": {"()": Escaping}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "relay",
                "filters": ["escaping"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def setup(log_format: str, level: int = logging.INFO) -> None:
    """Log to stderr in `log_format` ("text" or "json") unless the host program already
    configured a handler (gunicorn with tracker_git.relay.gunicornconf did, the same way).
    With "json", Python's warnings and a thread's uncaught exception are records too, so
    that every line on stderr is a JSON object."""
    global _json
    _json = log_format == "json"
    if _json:
        logging.captureWarnings(True)
        threading.excepthook = _thread_crashed
    if logging.getLogger().handlers:
        return
    logging.config.dictConfig(dict_config(log_format, level))


def _thread_crashed(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "?"
    logger().error(
        "relay: thread %s ended by %s",
        name,
        args.exc_type.__name__,
        exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback),
    )


class ErrorStream(io.TextIOBase):
    """The built-in server's `wsgi.errors` and what wsgiref writes there (the traceback of an
    application error): what is written until a flush becomes one record of the relay's log
    (escaped, one line; a JSON object in JSON mode), not raw text on stderr."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def flush(self) -> None:
        text, self._parts = "".join(self._parts).rstrip("\n"), []
        if text:
            logger().error("relay: %s", text)


def announce(text: str) -> None:
    """A line about the relay itself (listening, stopped): a record in JSON mode, else the
    plain line the terminal printer writes."""
    if _json:
        logger().info(text)
    else:
        info(text)


def fields(**values: object) -> dict[str, object]:
    """`extra=` for a record carrying these fields (shown in JSON logs)."""
    return {FIELDS: values}
