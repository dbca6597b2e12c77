"""The one terminal-safe printer (core/output.py), in-process: the exact text each printer
writes, escaped, to a pipe (capsys) and to a terminal (a stream that says it is one, for the
colour), and when colour is used at all (NO_COLOR, TERM=dumb, no terminal)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import PurePosixPath

import pytest

from tracker_git.core import output

# ESC (a screen clear), CR, BEL, DEL, C1 CSI, the line separator, a right-to-left override
ATTACK = "a\x1b[2J\rb\x07\x7f\x9b2K\u2028\u202ec"
SHOWN = "a\\x1b[2J\\rb\\x07\\x7f\\x9b2K\\u2028\\u202ec"


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a person's stdout or stderr does."""

    def isatty(self) -> bool:
        return True


def terminal(monkeypatch: pytest.MonkeyPatch) -> tuple[Terminal, Terminal]:
    """stdout and stderr as a person's terminal, set in the test itself (pytest's capture sets
    them again between a fixture and the test)."""
    out, err = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    return out, err


def test_escape_shows_every_control_and_terminal_safe_keeps_line_feeds() -> None:
    assert output.escape(ATTACK + "\n\t") == SHOWN + "\\n\\t"
    assert output.terminal_safe(ATTACK + "\n\t") == SHOWN + "\n\\t"
    bidi = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u2029\x85\xa0"
    assert output.escape(bidi) == (
        "\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d"
        "\\u2066\\u2067\\u2068\\u2069\\u2029\\x85\xa0"  # a no-break space is shown as it is
    )
    assert output.escape("жук-1 ok") == "жук-1 ok"


def test_json_text_parses_to_the_same_value_and_holds_no_control() -> None:
    value = {"summary": ATTACK + "\n", "who": "жук", "path": PurePosixPath("/a/b")}
    text = output.json_text(value)
    assert text == (
        '{"summary": "a\\u001b[2J\\rb\\u0007\\u007f\\u009b2K\\u2028\\u202ec\\n", '
        '"who": "жук", "path": "/a/b"}'
    )
    assert json.loads(text) == {**value, "path": "/a/b"}
    assert output.json_text(["ok", "\u202e"], indent=1) == '[\n "ok",\n "\\u202e"\n]'
    assert output.json_text({"a": [1]}, indent=2) == '{\n  "a": [\n    1\n  ]\n}'
    assert output.json_text({"a": [1]}) == '{"a": [1]}'


@pytest.mark.parametrize(
    ("no_color", "term", "tty", "colour"),
    [
        (None, "xterm", True, True),
        ("", "xterm", True, True),  # NO_COLOR empty: as if unset (no-color.org)
        ("1", "xterm", True, False),
        ("1", "xterm", False, False),
        (None, "dumb", True, False),
        (None, None, True, True),
        (None, "xterm", False, False),
    ],
)
def test_colour_only_for_a_terminal_that_wants_it(
    monkeypatch: pytest.MonkeyPatch, no_color: str | None, term: str | None, tty: bool, colour: bool
) -> None:
    for name, value in (("NO_COLOR", no_color), ("TERM", term)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert output.use_color(Terminal() if tty else io.StringIO()) is colour


def test_a_stream_without_isatty_gets_no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)

    class Writer:
        def write(self, text: str) -> int:
            return len(text)

    assert output.use_color(Writer()) is False  # type: ignore[arg-type]


def test_each_printer_escapes_what_it_writes_to_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    output.error(ATTACK)
    output.warn("two\nlines")
    output.info(ATTACK)
    output.result(ATTACK)
    output.result("plain", "32")  # no colour for a pipe
    output.marked("ok", "32", ATTACK)
    output.marked("problem", "31", "x")
    output.marked("a-long-mark", "31", "x")
    output.marked("ok", "32", "narrow", width=3)
    output.flush()
    out, err = capsys.readouterr()
    assert err == f"error: {SHOWN}\nwarning: two\nlines\n{SHOWN}\n"
    assert out == (f"{SHOWN}\nplain\n     ok  {SHOWN}\nproblem  x\na-long-mark  x\n ok  narrow\n")


def test_each_printer_colours_its_mark_for_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = terminal(monkeypatch)
    output.error("no \x1b[2Jway")
    output.warn("careful")
    output.info("note")
    output.result("done", "32")
    output.result("plain")
    output.marked("ok", "32", "fine")
    output.marked("problem", "31", "x")
    assert err.getvalue() == (
        "\x1b[31;1merror:\x1b[0m no \\x1b[2Jway\n\x1b[33;1mwarning:\x1b[0m careful\nnote\n"
    )
    assert out.getvalue() == (
        "\x1b[32mdone\x1b[0m\nplain\n     \x1b[32mok\x1b[0m  fine\n\x1b[31mproblem\x1b[0m  x\n"
    )


def test_ask_shows_the_question_escaped_and_returns_the_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    assert output.ask("Push \x1b[2Jit? [y/N] ") == "yes\n"
    assert output.ask("again? ") == ""  # the end of input
    assert capsys.readouterr() == ("", "Push \\x1b[2Jit? [y/N] again? ")
