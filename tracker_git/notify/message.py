"""An alert's message -> the body of the trigger's HTTP request, and back.

The message mixes text and Tracker variables: `Bug {{issue.key}}: {{issue.summary}}`. Tracker
puts a variable's value in as is, so `"text": "... {{issue.summary}}"` breaks the JSON the
moment a summary holds a quote or a line break, and `{{issue.summary.json}}` (a JSON string,
quotes included) can only stand as a whole value: JSON cannot join strings. So:

* Slack gets a `rich_text` block whose text elements Slack shows joined into one line: every
  literal piece is its own element, every variable an element `{"type": "text", "text":
  {{var.json}}}`. Nothing the issue holds can break the JSON. The top-level `text` (what
  notifications show) keeps only variables that cannot hold a quote (keys, logins, ids).
* Telegram gets a JSON body too (`application/json` is the Webhook action's documented
  content type; the Bot API takes JSON): `{"chat_id": ..., "text": ...}`. Its `text` is one
  string, so a message that is one variable alone sends it whole (`{{var.json}}`); otherwise
  the text keeps the literal pieces and the variables that cannot hold a quote, and shows a
  free-text variable (summary, description...) as `…`, as Slack's notification text does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# Variables whose values are identifiers or timestamps: no quotes, backslashes or line breaks.
_SAFE = re.compile(r"issue\.key|.*\.(key|login|id)|currentDateTime(\..*)?")
SLACK_CONTENT_TYPE = "application/json; charset=utf-8"
TELEGRAM_CONTENT_TYPE = SLACK_CONTENT_TYPE


@dataclass(frozen=True)
class Var:
    """A variable, without Tracker's `.json` modifier."""

    name: str


@dataclass(frozen=True)
class Text:
    """A JSON string built from literal pieces and variables put in raw (only safe ones)."""

    parts: tuple[str | Var, ...]


Part = str | Var


def parts(message: str) -> list[Part]:
    out: list[Part] = []
    position = 0
    for match in _VARIABLE.finditer(message):
        if match.start() > position:
            out.append(message[position : match.start()])
        out.append(Var(match.group(1).removesuffix(".json")))
        position = match.end()
    if position < len(message):
        out.append(message[position:])
    return out


# -- Slack ---------------------------------------------------------------------------------


def slack_payload(message: str) -> dict[str, object]:
    """The Slack message as a tree whose leaves may be Var and Text (see module docstring)."""
    pieces = parts(message)
    elements: list[object] = [{"type": "text", "text": piece} for piece in pieces]
    return {
        "text": _one_line(pieces),
        "blocks": [
            {
                "type": "rich_text",
                "elements": [{"type": "rich_text_section", "elements": elements}],
            }
        ],
    }


def _one_line(pieces: list[Part]) -> Text:
    """The pieces as one JSON string: free-text variables (which may hold quotes) shown as …"""
    return Text(tuple(p if isinstance(p, str) or _SAFE.fullmatch(p.name) else "…" for p in pieces))


def template(node: object) -> str:
    """The tree as the body Tracker stores: JSON with `{{var.json}}` and raw safe `{{var}}`."""
    if isinstance(node, Var):
        return "{{" + node.name + ".json}}"
    if isinstance(node, Text):
        inner = "".join(
            json.dumps(p, ensure_ascii=False)[1:-1] if isinstance(p, str) else "{{" + p.name + "}}"
            for p in node.parts
        )
        return f'"{inner}"'
    if isinstance(node, list):
        return "[" + ", ".join(template(item) for item in node) + "]"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {template(v)}" for k, v in node.items()) + "}"
    return json.dumps(node, ensure_ascii=False)


def fill(node: object, values: dict[str, str]) -> object:
    """The tree with every variable replaced by its value: what the messenger receives."""
    if isinstance(node, Var):
        return values.get(node.name, "")
    if isinstance(node, Text):
        return "".join(p if isinstance(p, str) else values.get(p.name, "") for p in node.parts)
    if isinstance(node, list):
        return [fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: fill(item, values) for key, item in node.items()}
    return node


def slack_message(body: str) -> str | None:
    """The message a Slack body of ours carries, variables written back as {{...}}."""
    try:
        elements = _with_markers(body)["blocks"][0]["elements"][0]["elements"]  # type: ignore[index]
        texts = [str(e["text"]) for e in elements]
    except (KeyError, IndexError, TypeError):
        return None
    return "".join(_unmark(text) for text in texts)


# -- Telegram --------------------------------------------------------------------------------


def telegram_payload(chat_id: str, message: str) -> dict[str, object]:
    """chat_id and text; a message that is one variable alone goes whole (see the docstring)."""
    pieces = parts(message)
    text: object = pieces[0] if len(pieces) == 1 and isinstance(pieces[0], Var) else None
    return {"chat_id": chat_id, "text": text or _one_line(pieces)}


def telegram_body(chat_id: str, message: str) -> str:
    """The JSON body Tracker stores for a Telegram alert."""
    return template(telegram_payload(chat_id, message))


def telegram_part(body: str, name: str) -> str | None:
    """A field of a Telegram body of ours ("chat_id", "text"), variables written back as
    {{...}}; None when it is not ours."""
    data = _with_markers(body)
    if not isinstance(data, dict) or not isinstance(data.get(name), str):
        return None
    return _unmark(str(data[name]))


def _with_markers(body: str) -> object:
    """The body parsed, each `{{var.json}}` turned into a marked string."""
    marked = re.sub(r"\{\{\s*([A-Za-z][\w.]*?)\.json\s*\}\}", r'"\\u0000\1\\u0000"', body)
    try:
        return json.loads(marked)
    except ValueError:
        return None


def _unmark(text: str) -> str:
    return re.sub("\x00(.*?)\x00", r"{{\1}}", text)
