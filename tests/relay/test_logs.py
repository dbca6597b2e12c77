"""The relay's log: control characters in any logged value are escaped: in text with visible
escapes (`\\n`), in JSON exactly once, by the JSON encoding (the value round-trips)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from testing.servers import SandboxHandle
from tests.relay.helpers import signed, start_relay_process, wait_until, write_config
from tracker_git.relay import logs

# C0 (newline, ESC), DEL, C1 (NEL, CSI) and U+2028: each can end a line or drive a terminal.
DELIVERY = "id\x1b[2J\x7f\x85\x9bFORGED"  # a delivery header (latin-1 on the wire)
PR_TAIL = "/pull/2\nFORGED 2026 INFO ok\x1b[31m\u2028\x9b\x85"
PR = "https://github.com/Codertocat/Hello-World" + PR_TAIL


def records(formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    log = logs.logger()
    log.addHandler(handler)
    try:
        log.warning(
            "delivery %s from %s", "id\nFORGED 2026 INFO ok", "\x1b[31mred\u2028\x9b",
            extra=logs.fields(pr="https://x/pull/1\r\nFORGED", keys=["A-1\x85"]),
        )  # fmt: skip
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


def test_text_lines_stay_one_line() -> None:
    text = records(logging.Formatter("%(message)s"))
    assert text == "delivery id\\nFORGED 2026 INFO ok from \\x1b[31mred\\u2028\\x9b\n"


def test_json_values_are_escaped_once_and_round_trip() -> None:
    line = records(logs.JsonFormatter())
    assert line.count("\n") == 1 and line[:-1].isprintable()  # no control character at all
    entry = json.loads(line)
    assert entry["message"] == "delivery id\nFORGED 2026 INFO ok from \x1b[31mred\u2028\x9b"
    assert entry["pr"] == "https://x/pull/1\r\nFORGED" and entry["keys"] == ["A-1\x85"]
    assert entry["level"] == "warning"


def test_a_text_and_a_json_handler_on_one_record() -> None:
    """The escaping filter runs once per record; each handler still gets its own form."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logs.logger()
    log.addHandler(handler)
    try:
        json_line = records(logs.JsonFormatter())
    finally:
        log.removeHandler(handler)
    assert stream.getvalue().startswith("delivery id\\nFORGED")
    assert json.loads(json_line)["message"].startswith("delivery id\nFORGED")


def _delivery_lines(tmp_path: Path, sandbox: SandboxHandle, log_format: str) -> list[str]:
    """The relay's stderr after a delivery with control characters in its id and address."""
    config = write_config(tmp_path, sandbox, server=f'log_format = "{log_format}"\n')
    relay = start_relay_process(config)
    assert relay.process is not None
    try:
        body, headers = signed(
            "github-merged",
            {'/pull/2"': json.dumps(PR_TAIL)[1:]},  # JSON escapes in the body
            delivery_suffix=DELIVERY,
        )
        assert relay.post(body, headers=headers).status_code in (200, 202)
        wait_until(lambda: any("queued" in line or "ignored" in line for line in relay.log))
    finally:
        relay.process.terminate()
        relay.process.wait(timeout=60)
    return relay.log


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_relay_logs_a_crafted_delivery_on_one_line(
    tmp_path: Path, sandbox: SandboxHandle, log_format: str
) -> None:
    log = _delivery_lines(tmp_path, sandbox, log_format)
    assert all(line.endswith("\n") and line[:-1].isprintable() for line in log), log
    assert not any(line.startswith("FORGED") for line in log)
    [line] = [line for line in log if "queued" in line or "ignored" in line]
    if log_format == "text":
        assert "github:id\\x1b[2J\\x7f\\x85\\x9bFORGED" in line
        assert "/pull/2\\nFORGED 2026 INFO ok\\x1b[31m\\u2028\\x9b\\x85" in line
    else:
        entry = json.loads(line)
        assert entry["delivery"] == "github:" + DELIVERY and entry["pr"] == PR
        assert f"delivery=github:{DELIVERY}" in entry["message"] and PR in entry["message"]
