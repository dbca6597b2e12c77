"""The grammar's edges: git's revert texts, invisible content, letters and digits of other
scripts touching a key, key order, the look-alike queues, bare trailers (issue 22)."""

from __future__ import annotations

import pytest

from tracker_git.core import checks, keys, message
from tracker_git.core.config import Config, key, load

CYRILLIC_E = "\u0415"
GREEK_EPSILON = "\u0395"
CYRILLIC_ES = "\u0421"
ARABIC_THREE = "\u0663"


def config(queues: list[str] | None = None) -> Config:
    return load(None, overrides={key("queues"): queues} if queues else {})


BOTH = [config(), config(["DEV", "RFC"])]

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"
REVERTS = [
    f'Revert "x"\n\nThis reverts commit {SHA}.\n',
    # git revert -m 1: the merge form, as git writes it and rewrapped by an editor.
    f"Revert \"Merge branch 'a'\"\n\nThis reverts commit {SHA}, reversing\nchanges made to {OTHER}.\n",
    f"Revert\n\nThis reverts commit {SHA}, reversing changes made to {OTHER}.\n",
    f"Revert\n\nThis reverts commit\n{SHA}, reversing changes\nmade to {OTHER}.\n",
    # --reference: "<abbrev> (<subject>, <date>)".
    "Revert\n\nThis reverts commit 0123abc (fix (the) login, 2026-01-31).\n",
    "Revert\n\nThis reverts commit 0123abc (a, 2026-01-31), reversing\n"
    "changes made to 7654fed (b, 2026-01-30).\n",
]


@pytest.mark.parametrize("text", REVERTS)
@pytest.mark.parametrize("conf", BOTH)
def test_git_revert_texts_pass_every_check(text: str, conf: Config) -> None:
    assert message.is_revert(text)
    assert checks.check_message(text, conf) is None
    assert checks.check_commit(1, text, conf) is None


@pytest.mark.parametrize(
    "text",
    [
        f"x\n\nThis reverts commit {SHA}, reversing nothing.\n",
        f"x\n\nThis reverts commit {SHA}, reversing\nchanges made to somebody.\n",
        "x\n\nThis reverts commit 0123abc (no date).\n",
    ],
)
def test_what_only_resembles_a_revert_needs_a_key(text: str) -> None:
    assert not message.is_revert(text)
    assert checks.check_message(text, config()) is not None


INVISIBLE = ["\u00a0", "\u3000", "\u2028", "\u0085", "\x1f", "\v", "\f", "\u200b", "\ufeff"]


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_message_is_not_empty_to_git_and_needs_a_key(char: str) -> None:
    raw = f"{char}\n"
    cleaned = message.clean(raw)
    assert cleaned == raw  # git's cleanup strips only its own ASCII whitespace
    assert not message.is_empty(cleaned)
    problem = checks.check_message(cleaned, config())
    assert problem and "references no issue key" in problem
    assert checks.check_commit(1, cleaned, config()) == problem


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize("conf", BOTH)
def test_invisible_content_beside_a_key_says_nothing(char: str, conf: Config) -> None:
    for text in (f"DEV-1 {char}\n", f"DEV-1:{char}\n", f"{char}DEV-1\n\nRefs:{char}\n"):
        problem = checks.check_message(text, conf)
        assert problem and "nothing but the key" in problem, text


@pytest.mark.parametrize("conf", BOTH)
def test_key_order_does_not_change_the_verdict(conf: Config) -> None:
    for text in ("DEV-1 DEV-12\n", "DEV-12 DEV-1\n", "DEV-1, DEV-12, DEV-123\n"):
        problem = checks.check_message(text, conf)
        assert problem and "nothing but the key" in problem, text
    assert checks.check_message("DEV-12 DEV-1 fix\n", conf) is None
    assert checks.check_message("DEV-1 DEV-12 fix\n", conf) is None


@pytest.mark.parametrize("conf", BOTH)
@pytest.mark.parametrize(
    "glue", [CYRILLIC_E, GREEK_EPSILON, "\u00e9", "\u4e2d", ARABIC_THREE, "\u0967", "\u00b2"]
)
def test_a_letter_or_digit_of_any_script_touching_a_key_makes_it_none(
    glue: str, conf: Config
) -> None:
    queues = conf.queues
    for text in (f"{glue}DEV-7 x", f"DEV-7{glue} x", f"D{glue}V-7 x", f"DEV-1{glue}"):
        assert keys.find_keys(text, queues) == [], text
        assert keys.key_from_branch(text.replace(" ", "-"), queues) is None, text


@pytest.mark.parametrize("conf", BOTH)
def test_a_non_ascii_digit_after_a_separator_is_like_a_letter(conf: Config) -> None:
    queues = conf.queues
    assert keys.find_keys(f"DEV-1{ARABIC_THREE}", queues) == []
    assert keys.find_keys(f"DEV-1-{ARABIC_THREE} fix", queues) == ["DEV-1"]
    assert keys.find_keys(f"DEV-1.{ARABIC_THREE} fix", queues) == ["DEV-1"]
    assert keys.key_from_branch(f"dev-1-{ARABIC_THREE}-fix", queues) == "DEV-1"
    assert keys.key_from_branch(f"dev-1{ARABIC_THREE}-fix", queues) is None


@pytest.mark.parametrize(("letter", "script"), [(CYRILLIC_E, "Cyrillic"), (GREEK_EPSILON, "Greek")])
def test_a_lookalike_letter_is_named_in_the_hint(letter: str, script: str) -> None:
    text = f"D{letter}V-7: fix the login\n"
    problem = checks.check_message(text, config())
    assert problem is not None
    assert f"{script} letter {letter} (U+{ord(letter):04X})" in problem
    assert "looks like the Latin E" in problem and "write it as DEV-7" in problem
    branch = checks.check_branch(f"feature/D{letter}V-7-fix", config(["DEV"]))
    assert branch and f"{script} letter" in branch
    assert branch.endswith("git branch -m 'feature/DEV-7-fix'")


@pytest.mark.parametrize("conf", [config(), config(["DEV"])])
def test_hints_never_propose_a_key_the_grammar_refuses(conf: Config) -> None:
    # RFC is a look-alike queue (no queues) or not a team's queue (queues = ["DEV"]).
    problem = checks.check_message(f"RF{CYRILLIC_ES}-1234 fix\n", conf)
    assert problem and "Cyrillic letter" in problem and "write it as" not in problem
    # A key glued to a word: the key is named, never the glued whole (LOGINDEV-12).
    problem = checks.check_message("loginDEV-12 fix\n", conf)
    assert problem and "LOGINDEV" not in problem
    if not conf.queues:
        assert "DEV-12 is glued to 'login'" in problem
    for text in ("dev-12 fix\n", "Dev-12 fix\n"):
        problem = checks.check_message(text, conf)
        assert problem and "write it as DEV-12" in problem
        fixed = problem.rpartition("write it as ")[2]
        assert keys.find_keys(f"{fixed} fix", conf.queues) == [fixed]


@pytest.mark.parametrize("queue", sorted(keys.LOOKALIKE_QUEUES))
def test_every_lookalike_queue_is_no_key_unless_listed(queue: str) -> None:
    text = f"{queue}-1234 fix\n"
    assert keys.find_keys(text) == []
    assert keys.key_from_branch(f"{queue.lower()}-1234-fix") is None
    assert keys.normalize_key(f"{queue}-1234") is None
    assert checks.check_message(text, config()) is not None
    assert keys.find_keys(text, [queue]) == [f"{queue}-1234"]
    assert checks.check_message(text, config([queue])) is None


@pytest.mark.parametrize("conf", BOTH)
def test_bare_trailer_and_content_after_it(conf: Config) -> None:
    assert checks.check_message("DEV-1\n\nRefs:\n", conf) is not None
    assert checks.check_message("Refs:\nDEV-1\n", conf) is not None
    assert checks.check_message("DEV-1\n\nRefs:\nfix the login\n", conf) is None
    assert checks.check_message("DEV-1\n\nRefs: fix\n", conf) is None
    assert checks.check_message("fix the login\n\nRefs:\n", conf) is not None  # no key


def test_key_collection_is_one_pass_over_a_hostile_message() -> None:
    """128k distinct keys in 1 MB: every key found once, in order, and the rest is empty."""
    text = " ".join(f"DEV-{n}" for n in range(1, 128_001)) + "\n"
    found = keys.find_keys(text)
    assert len(found) == 128_000 and found[:2] == ["DEV-1", "DEV-2"]
    assert keys.without_keys(text).strip() == ""
    problem = checks.check_message(text, config())
    assert problem and "nothing but the key DEV-1" in problem
