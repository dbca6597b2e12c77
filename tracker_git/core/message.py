"""Commit messages as git will store them, and putting a key into one exactly once.

git hands the hooks the raw file: comment lines (by `core.commentChar`, which may be `auto`),
with `git commit -v` a scissors line and a diff below it, maybe CRLF line ends, maybe bytes that
are not UTF-8. `clean` does what git's cleanup does; `insert_key` edits the raw text and keeps
everything it does not need to touch, down to the line ends and undecodable bytes.
"""

from __future__ import annotations

import re

SCISSORS = "------------------------ >8 ------------------------"
AUTO_CANDIDATES = "#;@!$%^&|:"  # git's choices for core.commentChar=auto, in its order
TRAILER = "Refs"

# Patterns are compiled on first use (re's cache), and the commit-msg hook's checks of a plain
# message need none: each compile costs a hook ~0.3 ms of CPU.
_AUTOSQUASH = ("fixup! ", "squash! ", "amend! ")
# git's revert texts, as git writes them or rewrapped: "This reverts commit <sha>.", a merge's
# "This reverts commit <sha>, reversing\nchanges made to <sha>.", and with --reference
# "<abbrev> (<subject>, <date>)" for each sha.
_REF = r"[0-9a-f]{7,64}(?:\s+\([^\n]{0,500}?,\s+\d{4}-\d{2}-\d{2}\))?"
_REVERT = (
    rf"(?m)^This\s+reverts\s+commit\s+{_REF}"
    rf"(?:,\s+reversing\s+changes\s+made\s+to\s+{_REF})?\.?[ \t]*$"
)
_CONVENTIONAL = r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!?): (?P<desc>.*)$"
_TRAILER_LINE = r"^[A-Za-z0-9][A-Za-z0-9-]*: "
# What besides the keys does not count as saying something (see has_content).
_NOT_CONTENT = frozenset(":()[]#,.;-")
# Unicode's invisible characters: controls, format characters, spaces, line separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
# What git's cleanup strips (its own ASCII isspace): a no-break space is a message to git.
GIT_SPACE = " \t\n\r"


def decode(raw: bytes) -> str:
    """Text for any bytes: undecodable bytes survive a round trip through `encode`."""
    return raw.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r") for line in text.split("\n")]


def comment_prefix(text: str, configured: str | None) -> str:
    """The comment string git used for this message.

    With `auto`, git picked the first of AUTO_CANDIDATES that no line of the message began
    with; the hook cannot see the message as it was, so it reads the choice back from the lines
    git added: the scissors line, else the comment block git puts at the end.
    """
    if configured and configured != "auto":
        return configured
    if configured != "auto":
        return "#"
    lines = [line for line in _lines(text) if line.strip(GIT_SPACE)]
    for line in lines:
        if line[:1] in AUTO_CANDIDATES and line[1:] == f" {SCISSORS}":  # as git writes it
            return line[0]
    if lines and lines[-1][:1] in AUTO_CANDIDATES:
        return lines[-1][0]
    return "#"


def _scissors_index(lines: list[str], comment: str) -> int | None:
    marker = f"{comment} {SCISSORS}"
    for index, line in enumerate(lines):
        if line == marker:
            return index
    return None


def clean(text: str, comment: str = "#", cleanup: str = "strip") -> str:
    """The message as git stores it under `commit.cleanup` mode `cleanup`.

    "default" and "strip" drop comment lines; "scissors" and "strip" cut at the scissors line
    ("default" too: git shows one only where it will cut); "verbatim" keeps everything.
    """
    if cleanup == "verbatim":
        return text
    lines = _lines(text)
    if cleanup in ("default", "strip", "scissors"):
        cut = _scissors_index(lines, comment)
        if cut is not None:
            lines = lines[:cut]
    if cleanup in ("default", "strip"):
        lines = [line for line in lines if not line.startswith(comment)]
    # git's stripspace: no trailing blanks, runs of blank lines become one, none at the ends.
    result: list[str] = []
    for line in (line.rstrip(GIT_SPACE) for line in lines):
        if line or (result and result[-1]):
            result.append(line)
    while result and not result[-1]:
        result.pop()
    return "\n".join(result) + "\n" if result else ""


def is_autosquash(cleaned: str) -> bool:
    """A `fixup!`, `squash!` or `amend!` commit, which rebase --autosquash folds away."""
    return cleaned.startswith(_AUTOSQUASH)


def is_empty(cleaned: str) -> bool:
    """Whether git would abort the commit as empty: nothing but git's own whitespace (a
    message of a no-break space or a zero-width one is committed, so it is not empty)."""
    return not cleaned.strip(GIT_SPACE)


def is_revert(cleaned: str) -> bool:
    """The text git writes itself into a revert (see _REVERT), in any wrapping."""
    return "reverts" in cleaned and bool(re.search(_REVERT, cleaned))


def _visible(char: str) -> bool:
    if char.isalnum():
        return True  # the common case, without unicodedata
    if char.isspace() or char in _NOT_CONTENT:
        return False
    import unicodedata  # only for the odd character: keeps the hook's start small

    return unicodedata.category(char) not in _INVISIBLE


def has_content(rest: str) -> bool:
    """Whether `rest` (a message with its keys cut out, keys.without_keys) says anything: a
    visible character that is not punctuation around a key. A lone "DEV-1:", or one followed
    by a no-break space or a zero-width space, says nothing."""
    label = f"{TRAILER}:"
    for line in rest.split("\n"):
        if line.startswith(label) and not any(map(_visible, line[len(label) :])):
            continue  # a trailer left without its key ("Refs:")
        if any(map(_visible, line)):
            return True
    return False


def _message_span(lines: list[str], comment: str) -> tuple[int, int]:
    """(first, end): the lines that are the message proper, before git's comments/scissors."""
    end = len(lines)
    cut = _scissors_index(lines, comment)
    if cut is not None:
        end = cut
    while end > 0 and (not lines[end - 1].strip(GIT_SPACE) or lines[end - 1].startswith(comment)):
        end -= 1
    first = 0
    while first < end and not lines[first].strip(GIT_SPACE):
        first += 1
    return first, end


def insert_key(text: str, key: str, mode: str, comment: str = "#") -> str | None:
    """`text` with `key` put in as `mode` says, or None where there is nothing to do.

    Modes: "prefix" (`DEV-1: subject`), "conventional" (`feat(DEV-1): subject`, or
    `feat(api): DEV-1 subject` where a scope is taken; a trailer where the subject is not a
    Conventional Commit), "trailer" (`Refs: DEV-1`), "none". The caller checks the message
    does not carry a key already: this function always inserts.
    """
    if mode == "none":
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = _lines(text)
    first, end = _message_span(lines, comment)
    has_subject = first < end
    if mode == "conventional" and has_subject:
        match = re.match(_CONVENTIONAL, lines[first])
        if match:
            head = match["type"]
            if match["scope"]:
                lines[first] = f"{head}({match['scope']}){match['bang']}: {key} {match['desc']}"
            else:
                lines[first] = f"{head}({key}){match['bang']}: {match['desc']}"
            return newline.join(lines)
    if mode == "prefix":
        if has_subject:
            lines[first] = f"{key}: {lines[first]}"
        elif lines and not lines[0].strip(GIT_SPACE):
            lines[0] = f"{key}: "
        else:
            lines.insert(0, f"{key}: ")
        return newline.join(lines)
    # A trailer: after the message's last paragraph, joining a trailer block that is there.
    trailer = f"{TRAILER}: {key}"
    if not has_subject:
        lines[0:0] = ["", "", trailer]  # no subject: every line is blank or a comment
        return newline.join(lines)
    last_paragraph_is_trailers = end - first > 1 and all(
        re.match(_TRAILER_LINE, line) for line in _last_paragraph(lines[first:end])
    )
    insert = [trailer] if last_paragraph_is_trailers else ["", trailer]
    lines[end:end] = insert
    return newline.join(lines)


def _last_paragraph(lines: list[str]) -> list[str]:
    paragraph: list[str] = []
    for line in reversed(lines):
        if not line.strip(GIT_SPACE):
            break
        paragraph.append(line)
    # A one-paragraph message is a subject, never a trailer block.
    return paragraph if len(paragraph) < len(lines) else ["subject"]
