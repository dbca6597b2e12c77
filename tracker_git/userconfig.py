"""Writing settings into the user config file (`git tracker login --save-org`).

Python reads TOML but does not write it, and the file may carry the user's comments, so this
edits lines: a key already in the section is replaced in place, a new one goes right after the
section's header, a missing section is appended. The result is read back through the schema
before it replaces the old file; nothing else in the file changes.
"""

from __future__ import annotations

import json
import os
import re
import tempfile

from tracker_git.core import config, paths
from tracker_git.core.errors import OperationFailed

_HEADER = re.compile(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$")


def _assignment(key: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(key)}\s*=")


def set_values(section: str, values: dict[str, str], path: str | None = None) -> str:
    """Set `[section] key = "value"` for each item (an empty value removes the key); returns
    the file's path."""
    path = path or paths.user_config_file()
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    except OSError as exc:
        raise OperationFailed(f"{path}: cannot be read ({exc.strerror})") from None

    start = end = None
    for number, line in enumerate(lines):
        match = _HEADER.match(line)
        if match and start is None and match.group(1).strip() == section:
            start = number
        elif match and start is not None and end is None:
            end = number
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(f"[{section}]")
        start, end = len(lines) - 1, len(lines)
    end = len(lines) if end is None else end

    body = lines[start + 1 : end]
    for key, value in values.items():
        pattern = _assignment(key)
        # JSON string escapes are valid TOML basic-string escapes.
        line = f"{key} = {json.dumps(value)}"
        at = next((n for n, text in enumerate(body) if pattern.match(text)), None)
        body = [text for text in body if not pattern.match(text)]
        if value:
            body.insert(0 if at is None else at, line)
    lines[start + 1 : end] = body
    _write_checked(path, "\n".join(lines) + "\n")
    return path


def _write_checked(path: str, text: str) -> None:
    folder = os.path.dirname(path)
    try:
        paths.make_folder(folder)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise OperationFailed(f"{path}: cannot be written ({exc.strerror})") from None
    try:
        config.read_file(tmp)  # refuses to leave a file the next run could not read
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
