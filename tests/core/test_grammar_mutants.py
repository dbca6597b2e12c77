"""Cases the mutation run (scripts/mutation, docs/mutation.md) showed untested: each kills
mutants of the grammar and message modules that every other test let live."""

from __future__ import annotations

from tracker_git.core import checks, keys, message
from tracker_git.core.config import Config, key, load

SC = message.SCISSORS


def config(queues: list[str] | None = None) -> Config:
    return load(None, overrides={key("queues"): queues} if queues else {})


def test_line_ends_and_cleanup_modes() -> None:
    assert message.clean("fiX\r\nY\n") == "fiX\nY\n"
    assert message.clean("s\n# c\n", "#", "default") == "s\n"
    assert message.clean(f"s\n# {SC}\nd\n", "#", "default") == "s\n"
    assert message.clean("s\n# c\n", "#", "whitespace") == "s\n# c\n"


def test_comment_prefix_auto_reads_only_what_git_writes() -> None:
    assert message.comment_prefix(f"x\n; {SC}\ndiff --git a\n", "auto") == ";"
    assert message.comment_prefix(f"x\n;{SC}\ndiff --git a\n", "auto") == "#"
    assert message.comment_prefix("x\n\n; Please enter the message\n", "auto") == ";"
    # A no-break space line is a message line to git, so it is the last line here.
    assert message.comment_prefix("x\n; Please\n\u00a0\n", "auto") == "#"


def test_insert_key_edges() -> None:
    insert = message.insert_key
    assert insert(f"subject\n\n# {SC}\ndiff\n", "DEV-1", "trailer") == (
        f"subject\n\nRefs: DEV-1\n\n# {SC}\ndiff\n"
    )
    assert insert("# only a comment\n", "DEV-1", "trailer") == "\n\nRefs: DEV-1\n# only a comment\n"
    assert insert("# only a comment\n", "DEV-1", "prefix") == "DEV-1: \n# only a comment\n"
    assert insert("\n# c\n", "DEV-1", "trailer") == "\n\nRefs: DEV-1\n\n# c\n"
    assert insert("", "DEV-1", "prefix") == "DEV-1: "
    assert insert("\u00a0\nbody\n", "DEV-1", "prefix") == "DEV-1: \u00a0\nbody\n"
    assert insert("\u00a0\n\nbody\n", "DEV-1", "trailer") == "\u00a0\n\nbody\n\nRefs: DEV-1\n"
    assert insert("s\n\nA-b: c\n", "DEV-1", "trailer") == "s\n\nA-b: c\nRefs: DEV-1\n"
    assert insert("A-b: c\n", "DEV-1", "trailer") == "A-b: c\n\nRefs: DEV-1\n"
    assert insert("s\nA-b: c\n", "DEV-1", "trailer") == "s\nA-b: c\n\nRefs: DEV-1\n"
    assert insert("s\n\nx\n\u00a0\nA-b: c\n", "DEV-1", "trailer") == (
        "s\n\nx\n\u00a0\nA-b: c\n\nRefs: DEV-1\n"
    )
    assert insert("plain\n", "DEV-1", "conventional") == "plain\n\nRefs: DEV-1\n"
    assert insert("", "DEV-1", "conventional") == "\n\nRefs: DEV-1\n"


def test_keys_helpers() -> None:
    assert keys.without_keys("DEV-1-2 x", ["DEV"]) == "-2 x"
    assert keys.without_keys("DEV-1-2 x") == "DEV-1-2 x"
    assert keys.without_keys("RFC-1 x", ["RFC"]) == " x"
    assert keys.without_keys("dev-1 DEV-2") == "dev-1 "
    assert keys.first_key("dev-1 x") is None
    assert keys.normalize_key("rfc-1", ["RFC"]) == "RFC-1"
    assert keys.near_misses("dev-12-fix") == []
    assert keys.latin_twin("ABC-1 D\u0415V-2") == ("D\u0415V-2", "\u0415", "DEV-2")
    assert keys.latin_twin("D\u0415V-7", ["OPS"]) == ("D\u0415V-7", "\u0415", None)
    greek = keys.lookalike("D\u039bV-1 x")  # a capital lambda: no Latin twin
    assert greek == "'D\u039bV-1' is not read as a key: it has the Greek letter \u039b (U+039B)"


def test_branch_advice_edges() -> None:
    assert checks.branch_key(None, config()) is None
    assert checks.check_branch("main", config()) is None
    problem = checks.check_branch("nokey", config())
    assert problem and problem.startswith("branch 'nokey' carries no issue key: tracker-git ")
    assert "wants an issue key such as DEV-123 in every branch name but main, master" in problem
    problem = checks.check_branch("OPS-1-fix", config(["DEV"]))
    assert problem and problem.startswith("branch 'OPS-1-fix' carries no issue key")
    assert "(OPS-1 is not of a queue in `queues`)" in problem
    problem = checks.check_branch("D\u0415V-7-fix", config(["OPS"]))
    assert problem and problem.startswith("branch 'D\u0415V-7-fix' carries no issue key")
    assert "write it as" not in problem
    problem = checks.check_branch("DEV-1_fiX", config())
    assert problem and problem.endswith("git branch -m 'DEV-1-fiX'")
    problem = checks.check_branch("DEV-1_", config())
    assert problem and problem.endswith("git branch -m 'DEV-1'")


def test_message_hints_with_queues() -> None:
    problem = checks.check_message("ops-1 fix\n", config(["DEV"]))
    assert problem and "write it as" not in problem
    problem = checks.check_message("xDEV-1 fix\n", config(["XDEV"]))
    assert problem and "glued" not in problem
    problem = checks.check_message("R\u0415C-1 fix\n", config(["DEV"]))
    assert problem and "Cyrillic letter" in problem and "write it as" not in problem


def test_merges_pass_other_commits_are_judged() -> None:
    assert checks.check_commit(2, "no key here\n", config()) is None
    assert checks.check_commit(3, "no key here\n", config()) is None
    assert checks.check_commit(1, "no key here\n", config()) is not None


def test_message_span_and_paragraph_edges() -> None:
    insert = message.insert_key
    # A no-break space line is a message line to git: the trailer goes after it.
    assert insert("s\n\n\u00a0\n", "DEV-1", "trailer") == "s\n\n\u00a0\n\nRefs: DEV-1\n"
    assert insert("\n\nfix\n# c\n", "DEV-1", "prefix") == "\n\nDEV-1: fix\n# c\n"
    assert insert("\nfix\n", "DEV-1", "prefix") == "\nDEV-1: fix\n"
    # A one-paragraph message is a subject, even when it looks like trailers.
    assert insert("A-b: c\nD-e: f\n", "DEV-1", "trailer") == "A-b: c\nD-e: f\n\nRefs: DEV-1\n"


def test_check_message_exact_texts() -> None:
    assert checks.check_message("fix\n", config()) == (
        "the commit message references no issue key: it needs an issue key such as DEV-123"
    )
    problem = checks.check_message("RFC-1\n", config(["RFC"]))
    assert problem == "the commit message has nothing but the key RFC-1: say what it does"
    assert checks.passes_without_key("x\n") is False
    assert checks.passes_without_key("") is True
    problem = checks.check_branch("D\u0415V-7-fix", config(["OPS"]))
    assert problem and problem.endswith("git branch -m 'OPS-123-D\u0415V-7-fix'")


def test_defaults_and_modes_that_only_the_mutation_run_checked() -> None:
    assert keys.written_keys("dev-1 x") == []  # upper case unless any_case is asked for
    assert keys.written_keys("dev-1 x", any_case=True) == [("dev-1", "DEV-1")]
    # prefix mode puts the key in front even of a Conventional Commit subject.
    assert message.insert_key("feat: x\n", "DEV-1", "prefix") == "DEV-1: feat: x\n"
