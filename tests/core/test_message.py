from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker_git.core import message

SC = message.SCISSORS


@pytest.mark.parametrize(
    ("raw", "comment", "cleanup", "expected"),
    [
        ("subject\n\n\n\nbody  \n\n", "#", "strip", "subject\n\nbody\n"),
        ("subject\n# a comment\n", "#", "strip", "subject\n"),
        ("subject\n# kept\n", "#", "whitespace", "subject\n# kept\n"),
        ("s\n; c\n# kept\n", ";", "strip", "s\n# kept\n"),
        (f"s\n# {SC}\ndiff --git a b\n", "#", "strip", "s\n"),
        (f"s\n# {SC}\nd\n", "#", "scissors", "s\n"),
        ("s\r\n\r\nbody\r\n", "#", "strip", "s\n\nbody\n"),
        ("# only comments\n\n", "#", "strip", ""),
        ("x \n", "#", "verbatim", "x \n"),
    ],
)
def test_clean(raw: str, comment: str, cleanup: str, expected: str) -> None:
    assert message.clean(raw, comment, cleanup) == expected


def test_comment_prefix() -> None:
    assert message.comment_prefix("x", None) == "#"
    assert message.comment_prefix("x", ";") == ";"
    assert message.comment_prefix(f"#1 x\n; {SC}\n", "auto") == ";"
    assert message.comment_prefix("#1 x\n\n; Please enter\n;\n", "auto") == ";"
    assert message.comment_prefix("plain\n", "auto") == "#"


def test_revert_and_autosquash() -> None:
    assert message.is_revert('Revert "x"\n\nThis reverts commit 0123456789abcdef.\n')
    assert not message.is_revert("This reverts nothing\n")
    assert message.is_autosquash("fixup! DEV-1: x\n")
    assert message.is_autosquash("amend! x\n")
    assert not message.is_autosquash("fixup: x\n")


@pytest.mark.parametrize(
    ("mode", "raw", "expected"),
    [
        ("prefix", "fix it\n", "DEV-1: fix it\n"),
        ("prefix", "\n# Please enter\n", "DEV-1: \n# Please enter\n"),
        ("conventional", "feat: x\n", "feat(DEV-1): x\n"),
        ("conventional", "feat(api)!: x\n", "feat(api)!: DEV-1 x\n"),
        ("conventional", "not conventional\n", "not conventional\n\nRefs: DEV-1\n"),
        ("trailer", "s\n\nbody\n# c\n", "s\n\nbody\n\nRefs: DEV-1\n# c\n"),
        ("trailer", "s\n\nSigned-off-by: a\n", "s\n\nSigned-off-by: a\nRefs: DEV-1\n"),
        ("prefix", "s\r\nbody\r\n", "DEV-1: s\r\nbody\r\n"),
    ],
)
def test_insert_key(mode: str, raw: str, expected: str) -> None:
    assert message.insert_key(raw, "DEV-1", mode) == expected


def test_insert_none_does_nothing() -> None:
    assert message.insert_key("s\n", "DEV-1", "none") is None


def test_has_content() -> None:
    assert not message.has_content(":\n")
    assert not message.has_content("\nRefs: \n")
    assert message.has_content(": x\n")
    # A trailer starts its line: an indented "Refs:" left without its key is text.
    assert message.has_content(" Refs: \n")
    assert not message.has_content("Refs:\u00a0\n\u2028\n")


@given(st.binary())
def test_any_bytes_round_trip_and_clean_never_fails(raw: bytes) -> None:
    text = message.decode(raw)
    assert message.encode(text) == raw
    cleaned = message.clean(text, message.comment_prefix(text, "auto"))
    assert not cleaned.startswith("\n")
    assert "\r\n" not in cleaned


@given(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200),
    st.sampled_from(["prefix", "conventional", "trailer"]),
)
def test_inserted_key_survives_cleanup_exactly_once(body: str, mode: str) -> None:
    raw = body.replace("DEV-1", "") + "\n# Please enter the commit message\n"
    changed = message.insert_key(raw, "DEV-1", mode)
    assert changed is not None
    cleaned = message.clean(changed)
    assert cleaned.count("DEV-1") == 1
    # Everything that was a comment stays a comment; nothing the user wrote is dropped.
    # (A Conventional Commit without a scope gets one: `A: x` becomes `A(DEV-1): x`.)
    kept = cleaned.replace("\n", "").replace("(DEV-1)", "").replace("DEV-1: ", "")
    assert message.clean(raw).replace("\n", "") in kept.replace("DEV-1", "")


_PIECES = [
    "Refs:",
    "DEV-1",
    "\n",
    " ",
    "\r",
    "\u00a0",
    "\x1f",
    "\u200b",
    ":",
    "(",
    "]",
    "#",
    "-",
    "x",
    "é",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=10))
def test_has_content_reads_as_the_patterns_it_replaced(pieces: list[str]) -> None:
    """The string form (no regex to compile in the hook) answers as the two patterns do, with
    Unicode's invisible characters (Cc, Cf, Zs, Zl, Zp) as blank as whitespace."""
    import re

    text = "".join(pieces)
    blank = r"[\s\x1f\u200b:()\[\]#,.;-]"
    rest = re.sub(rf"(?m)^Refs:{blank}*$", "", text.replace("DEV-1", ""))
    expected = bool(re.sub(rf"{blank}+", "", rest))
    assert message.has_content(text.replace("DEV-1", "")) == expected


def test_revert_and_autosquash_read_as_the_patterns_they_replaced() -> None:
    import re

    for text in ["fixup! x", "fixup!x", " fixup! x", "squash! ", "amend! y", "Fixup! x", "x\n"]:
        assert message.is_autosquash(text) == bool(re.match(r"(fixup|squash|amend)! ", text))
    assert message.is_revert("x\nThis reverts commit 0123456.\n")
    assert not message.is_revert("x\nThis reverts commit 012345.\n")
    assert not message.is_revert("x This reverts commit 0123456.\n")
