"""The relay's log: control characters in any logged value are escaped, in text and JSON."""

from __future__ import annotations

import io
import json
import logging

from tracker_git.relay import logs


def records(formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    log = logs.logger()
    log.addHandler(handler)
    try:
        log.warning(
            "delivery %s from %s", "id\nFORGED 2026 INFO ok", "\x1b[31mred",
            extra=logs.fields(pr="https://x/pull/1\r\nFORGED"),
        )  # fmt: skip
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


def test_text_lines_stay_one_line() -> None:
    text = records(logging.Formatter("%(message)s"))
    assert text == "delivery id\\nFORGED 2026 INFO ok from \\x1b[31mred\n"


def test_json_lines_carry_the_fields_escaped() -> None:
    line = records(logs.JsonFormatter())
    assert line.count("\n") == 1
    entry = json.loads(line)
    assert entry["message"] == "delivery id\\nFORGED 2026 INFO ok from \\x1b[31mred"
    assert entry["pr"] == "https://x/pull/1\\r\\nFORGED" and entry["level"] == "warning"
