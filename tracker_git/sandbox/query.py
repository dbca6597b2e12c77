"""Tracker's query language, the part the sandbox understands.

`Queue: DEMO Assignee: me() "Sort by": Updated DESC` is a list of conditions, all of which
must hold (juxtaposed or joined by AND); a condition names a field and one or more values
separated by commas, any of which may match; `me()`, `empty()` and `notEmpty()` stand for
the caller, no value and some value. Everything else the real language has (OR, brackets,
negation, comparisons, ranges, exact `#` matches, other functions, fields the sandbox does
not store) is refused with 400 "the sandbox does not support ...": an answer with no issues
would look like a true one (docs/sandbox.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tracker_git.sandbox.render import REF_FIELDS
from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import ApiError

# What a query may call a field (case does not matter) -> the stored field.
FIELDS = {
    "queue": "queue",
    "key": "key",
    "status": "status",
    "type": "type",
    "priority": "priority",
    "resolution": "resolution",
    "assignee": "assignee",
    "author": "createdBy",
    "createdby": "createdBy",
    "followers": "followers",
    "summary": "summary",
    "description": "description",
    "tags": "tags",
}
# Fields that can only order the results (dates: comparisons are not supported).
SORT_FIELDS = {
    **FIELDS,
    "updated": "updatedAt",
    "updatedat": "updatedAt",
    "created": "createdAt",
    "createdat": "createdAt",
}
FUNCTIONS = ("me", "empty", "notempty")
_USER_FIELDS = ("assignee", "createdBy", "followers")
_TEXT_FIELDS = ("summary", "description")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>"(?:[^"\\]|\\.)*")
      | (?P<call>[A-Za-z]+\(\s*\))
      | (?P<punct>[:,])
      | (?P<special>[()!<>#~])
      | (?P<word>[^\s:,"()!<>#~]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Call:
    """A function in place of a value: me(), empty(), notEmpty()."""

    name: str


Value = str | Call


@dataclass(frozen=True)
class Condition:
    field: str  # the stored field
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Query:
    conditions: tuple[Condition, ...]
    order: tuple[tuple[str, bool], ...]  # (stored field, descending)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _unsupported(what: str, query: str) -> ApiError:
    return ApiError(
        400,
        f"the sandbox does not support {what} in a query ({query!r}); it understands "
        '"Field: value, value", me(), empty(), notEmpty(), AND and "Sort by"',
    )


def _tokens(query: str) -> list[_Token]:
    out: list[_Token] = []
    position = 0
    while query[position:].strip():
        match = _TOKEN.match(query, position)
        if match is None or match.lastgroup is None:
            raise ApiError(400, f"Cannot parse the query: {query}")
        kind = match.lastgroup
        text = match.group(kind)
        if kind == "special":
            raise _unsupported(f"'{text}'", query)
        if kind == "quoted":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append(_Token(kind, text))
        position = match.end()
    return out


def parse(query: str) -> Query:
    """The query, or ApiError 400: unparsable, or beyond what the sandbox supports."""
    tokens = _tokens(query)
    conditions: list[Condition] = []
    order: list[tuple[str, bool]] = []
    i = 0

    def at(n: int) -> _Token | None:
        return tokens[n] if n < len(tokens) else None

    while i < len(tokens):
        token = tokens[i]
        if token.kind == "word" and token.text.upper() in ("AND", "OR", "NOT"):
            if token.text.upper() != "AND" or not conditions:
                raise _unsupported(token.text.upper(), query)
            i += 1
            continue
        colon = at(i + 1)
        if token.kind not in ("word", "quoted") or colon is None or colon.text != ":":
            raise ApiError(400, f"Cannot parse the query: {query}")
        name = " ".join(token.text.lower().split())
        i += 2
        values, i = _values(tokens, i, query)
        if name == "sort by":
            order.extend(_sort(values, query))
            continue
        field = FIELDS.get(name)
        if field is None:
            raise _unsupported(f"the field {token.text!r}", query)
        conditions.append(Condition(field, tuple(values)))
    return Query(tuple(conditions), tuple(order))


def _values(tokens: list[_Token], i: int, query: str) -> tuple[list[Value], int]:
    """The comma-separated values from tokens[i]; `Sort by`'s `Updated DESC` is one value."""
    values: list[Value] = []
    while True:
        if i >= len(tokens) or tokens[i].kind == "punct":
            raise ApiError(400, f"Cannot parse the query: {query}")
        token = tokens[i]
        if token.kind == "call":
            name = token.text.partition("(")[0].lower()
            if name not in FUNCTIONS:
                raise _unsupported(f"the function {token.text}", query)
            values.append(Call(name))
        elif ".." in token.text and token.kind == "word":
            raise _unsupported(f"the range {token.text!r}", query)
        else:
            text = token.text
            # `Updated DESC`: a direction word belongs to the value before it.
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if after is not None and after.kind == "word" and after.text.upper() in ("ASC", "DESC"):
                text = f"{text} {after.text.upper()}"
                i += 1
            values.append(text)
        i += 1
        if i < len(tokens) and tokens[i].text == "," and tokens[i].kind == "punct":
            i += 1
            continue
        return values, i


def _sort(values: list[Value], query: str) -> list[tuple[str, bool]]:
    out = []
    for value in values:
        if isinstance(value, Call):
            raise ApiError(400, f"Cannot parse the query: {query}")
        name, _, direction = value.rpartition(" ") if " " in value else (value, "", "ASC")
        field = SORT_FIELDS.get(name.lower())
        if field is None:
            raise _unsupported(f"sorting by {name!r}", query)
        out.append((field, direction == "DESC"))
    return out


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


def _one(state: SandboxState, field: str, have: Any, value: Value) -> bool:
    if isinstance(value, Call):
        if value.name == "empty":
            return _is_empty(have)
        if value.name == "notempty":
            return not _is_empty(have)
        value = str(state.data["myself"])  # me()
    if _is_empty(have):
        return False
    wanted = value.casefold()
    if field in _USER_FIELDS:
        logins = have if isinstance(have, list) else [have]
        for login in logins:
            user = state.user(login)
            names = {str(login), *(str(user[k]) for k in ("uid", "display"))} if user else {login}
            if wanted in {n.casefold() for n in names}:
                return True
        return False
    if field in REF_FIELDS:
        item = state.lookup(REF_FIELDS[field], have) or {}
        names = {str(have), str(item.get("id", "")), str(item.get("name", ""))}
        return wanted in {n.casefold() for n in names}
    if field in _TEXT_FIELDS:
        return wanted in str(have).casefold()
    if field == "tags":
        return wanted in {str(t).casefold() for t in have}
    return wanted == str(have).casefold()


def matches(state: SandboxState, issue: dict[str, Any], query: Query) -> bool:
    """Whether the issue meets every condition (any of a condition's values)."""
    return all(
        any(_one(state, c.field, issue.get(c.field), v) for v in c.values) for c in query.conditions
    )


def ordered(issues: list[dict[str, Any]], query: Query) -> list[dict[str, Any]]:
    """The issues sorted by "Sort by" (the first field first), stable otherwise."""
    result = list(issues)
    for field, descending in reversed(query.order):
        result.sort(key=lambda i: str(i.get(field) or ""), reverse=descending)
    return result
