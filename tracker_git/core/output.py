"""Writing to the terminal: results to stdout, messages to stderr, colour only for a person.

This is the one terminal-safe printer: everything tracker-git shows passes through `result`,
`info`, `warn`, `error`, `marked` or a prompt (`ask`, `ask_hidden`), and each escapes the
characters a terminal acts on instead of showing them (`escape`), so an issue summary, a user
name, a forge's error or an address from a repository file cannot clear the screen, set the
window title, plant an OSC 8 link, move the cursor back over a line or reorder the text.
Only line feeds stay (a value that must keep to its line is passed through `escape` where
the line is composed, as `show` does); colour is added after escaping.
`tests/test_structure.py` finds output that goes around this module (print,
sys.stdout/stderr writes, input, getpass).

The online check of the hooks warns through here, so it imports no typing at run time (~3 ms).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

# The characters a terminal acts on: C0 (line feed, carriage return, ESC, ...), DEL, C1 (CSI,
# OSC, ...), the Unicode line and paragraph separators and the bidirectional controls (the
# "Trojan Source" reordering: U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069).
CONTROLS = (
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x2028,
    0x2029,
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)
# Each as Python writes it in a string literal: \n, \r, \x1b, \x9b, \u202e (written out, not
# by the unicode_escape codec, whose import is a third of a millisecond of every hook's start).
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_ESCAPES = {
    code: _NAMED.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    for code in CONTROLS
}
_ESCAPES_BUT_NEWLINE = {code: text for code, text in _ESCAPES.items() if code != 0x0A}


def escape(text: str) -> str:
    """`text` with every control character escaped visibly (line feeds too): for one value
    that must stay on its line."""
    if text.isprintable():  # fast path: every control above is unprintable
        return text
    return text.translate(_ESCAPES)


def terminal_safe(text: str) -> str:
    """`text` with every control character escaped visibly but the line feed (what the
    printers below apply to the whole of what they write)."""
    if text.isprintable():
        return text
    return text.translate(_ESCAPES_BUT_NEWLINE)


def json_text(value: object, indent: int | None = None) -> str:
    """`value` as JSON whose text holds no control character: json escapes C0 itself, and the
    rest (DEL, C1, separators, bidi controls) become \\uXXXX, so the JSON still parses to the
    same value (`show --json`, the relay's JSON log)."""
    import json

    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    if text.replace("\n", "").isprintable():
        return text
    return text.translate(_JSON_ESCAPES)


_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in CONTROLS if code >= 0x20}


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def _paint(text: str, code: str, stream: TextIO) -> str:
    """`code` is an SGR code such as "31" (red), "32" (green), "1" (bold); `text` is safe."""
    return f"\033[{code}m{text}\033[0m" if use_color(stream) else text


def error(message: str) -> None:
    sys.stderr.write(f"{_paint('error:', '31;1', sys.stderr)} {terminal_safe(message)}\n")


def warn(message: str) -> None:
    sys.stderr.write(f"{_paint('warning:', '33;1', sys.stderr)} {terminal_safe(message)}\n")


def info(message: str) -> None:
    sys.stderr.write(f"{terminal_safe(message)}\n")


def result(text: str, color: str = "") -> None:
    """`text` on stdout, in `color` (an SGR code) for a person."""
    safe = terminal_safe(text)
    sys.stdout.write(f"{_paint(safe, color, sys.stdout) if color else safe}\n")


def marked(mark: str, color: str, text: str, width: int = 7) -> None:
    """A result line led by a coloured word (doctor's "ok", "problem"), right-aligned."""
    shown = _paint(terminal_safe(mark), color, sys.stdout)
    padding = " " * max(0, width - len(mark))
    sys.stdout.write(f"{padding}{shown}  {terminal_safe(text)}\n")


def flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


def ask(question: str) -> str:
    """The answer typed to `question` (asked on stderr), "" at the end of input."""
    sys.stderr.write(terminal_safe(question))
    sys.stderr.flush()
    return sys.stdin.readline()


def ask_hidden(question: str) -> str:
    """A secret typed to `question` on the terminal, not echoed."""
    import getpass

    return getpass.getpass(terminal_safe(question))
