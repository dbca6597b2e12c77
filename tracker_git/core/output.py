"""Writing to the terminal: results to stdout, messages to stderr, colour only for a person.

The online check of the hooks warns through here, so it imports no typing at run time (~3 ms).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def paint(text: str, code: str, stream: TextIO) -> str:
    """`code` is an SGR code such as "31" (red), "32" (green), "1" (bold)."""
    return f"\033[{code}m{text}\033[0m" if use_color(stream) else text


def error(message: str) -> None:
    sys.stderr.write(f"{paint('error:', '31;1', sys.stderr)} {message}\n")


def warn(message: str) -> None:
    sys.stderr.write(f"{paint('warning:', '33;1', sys.stderr)} {message}\n")


def info(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def result(text: str) -> None:
    sys.stdout.write(f"{text}\n")
