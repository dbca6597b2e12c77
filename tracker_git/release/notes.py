"""Release notes: the issues a release ships, grouped by Tracker issue type, each line its key
(a link), summary; the commits without a key listed apart. Markdown fit for a GitHub or
GitLab release, JSON for scripts, or the team's `--template`.

Summaries and commit subjects are untrusted text: every Markdown character that could make a
link, an image, HTML or a heading is escaped, and control characters never get through."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tracker_git.release.span import Change, Span
from tracker_git.tracker.models import Issue

KEYLESS_TITLE = "Without an issue"
# A release of thousands of keyless commits would make notes nobody reads.
MAX_KEYLESS = 200

_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_PLACEHOLDER = re.compile(r"\{(version|range|issues|keyless|count)\}")


def plain(text: str) -> str:
    """One line of untrusted text: control characters (a terminal's escapes, line breaks)
    become U+FFFD."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


def md(text: str) -> str:
    """Untrusted text as literal Markdown."""
    return _MARKDOWN.sub(r"\\\1", plain(text))


@dataclass(frozen=True)
class Entry:
    key: str
    summary: str
    url: str
    type_key: str
    type_display: str

    @classmethod
    def of(cls, issue: Issue) -> Entry:
        return cls(issue.key, issue.summary, issue.url, issue.type_key, issue.type_display)


@dataclass(frozen=True)
class Notes:
    version: str
    span: Span
    entries: tuple[Entry, ...]  # in the order the keys first appear
    missing: tuple[str, ...]  # keys Tracker did not return (no such issue, or no access)

    def groups(self) -> list[tuple[str, list[Entry]]]:
        """(type display, entries) in the order each type first appears."""
        found: dict[str, list[Entry]] = {}
        for e in self.entries:
            found.setdefault(e.type_display or "Other", []).append(e)
        return list(found.items())

    def keyless(self) -> list[Change]:
        return self.span.keyless()


def _issue_lines(notes: Notes) -> str:
    out: list[str] = []
    for title, entries in notes.groups():
        out += [f"### {md(title)}", ""]
        out += [f"- [{e.key}]({e.url}) {md(e.summary)}" for e in entries]
        out.append("")
    return "\n".join(out).strip("\n")


def _keyless_lines(changes: list[Change]) -> str:
    shown = [f"- {c.sha[:10]} {md(c.subject)}" for c in changes[:MAX_KEYLESS]]
    if len(changes) > MAX_KEYLESS:
        shown.append(f"- … and {len(changes) - MAX_KEYLESS} more")
    return "\n".join(shown)


def markdown(notes: Notes) -> str:
    parts = [f"## {md(notes.version)}", ""]
    issues = _issue_lines(notes)
    parts += [issues, ""] if issues else ["No issues.", ""]
    keyless = notes.keyless()
    if keyless:
        parts += [f"### {KEYLESS_TITLE}", "", _keyless_lines(keyless), ""]
    return "\n".join(parts)


def with_template(template: str, notes: Notes) -> str:
    """`template` with {version}, {range}, {issues} (the grouped list), {keyless} (the
    commits without a key) and {count} (the number of issues) filled; other braces stay."""
    values = {
        "version": md(notes.version),
        "range": md(notes.span.label),
        "issues": _issue_lines(notes) or "No issues.",
        "keyless": _keyless_lines(notes.keyless()),
        "count": str(len(notes.entries)),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def as_json(notes: Notes) -> dict[str, Any]:
    return {
        "version": notes.version,
        "range": notes.span.label,
        "tag": notes.span.tag or None,
        "groups": [
            {
                "type": entries[0].type_key or None,
                "display": title,
                "issues": [{"key": e.key, "summary": e.summary, "url": e.url} for e in entries],
            }
            for title, entries in notes.groups()
        ],
        "keyless": [{"sha": c.sha, "subject": c.subject} for c in notes.keyless()],
        "missing": list(notes.missing),
    }
