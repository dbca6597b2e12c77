"""The description: rendering, the generated block, merging into text people edited."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core.errors import ConfigError
from tracker_git.pr import editor, recover, template
from tracker_git.pr.template import END, START, Commit, Facts

FACTS = Facts(
    key="DEMO-1",
    summary="Login fails with {braces}",
    url="https://tracker.example/DEMO-1",
    status="Open",
    assignee="Ann Smith",
    commits=(Commit("abc1234", "DEMO-1: first"), Commit("def5678", "DEMO-1: second")),
    stand="https://stand-1.example",
)


def test_builtin_render_has_block_and_facts() -> None:
    body = template.render(template.builtin_template(), FACTS)
    assert body.count(START) == 1 and body.count(END) == 1
    inside = body.split(START)[1].split(END)[0]
    for fact in (
        "[DEMO-1](https://tracker.example/DEMO-1)",
        "Login fails with {braces}",
        "Open",
        "Ann Smith",
        "- abc1234 DEMO-1: first",
        "Stand: https://stand-1.example",
    ):
        assert fact in inside
    assert "## What and why" in body.split(END)[1]


def test_no_stand_no_stand_line() -> None:
    facts = Facts("DEMO-1", "s", "u", "Open", "")
    body = template.render(template.builtin_template(), facts)
    assert "Stand:" not in body and "nobody" in body and "no commits yet" in body


def test_merge_refreshes_block_and_keeps_human_text() -> None:
    first = template.render(template.builtin_template(), FACTS)
    edited = "Intro by a person.\n\n" + first.replace(
        "## What and why\n", "## What and why\n\nBecause.\n"
    )
    later = Facts(
        **{
            **FACTS.__dict__,
            "status": "In review",
            "commits": (*FACTS.commits, Commit("0123456", "DEMO-1: third")),
        }
    )
    merged = template.merge(edited, template.builtin_template(), later)
    assert merged.startswith("Intro by a person.\n\n" + START)
    assert "Because." in merged and "In review" in merged and "0123456" in merged
    assert "Status: Open" not in merged
    assert merged.count(START) == 1
    # Merging again changes nothing.
    assert template.merge(merged, template.builtin_template(), later) == merged


def test_merge_without_markers_puts_block_on_top_and_keeps_all() -> None:
    merged = template.merge("Written by hand\r\nline two", template.builtin_template(), FACTS)
    assert merged.startswith(START)
    assert merged.endswith("Written by hand\nline two\n")


def test_repository_template_with_and_without_markers(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "t.md").write_text(
        f"# {{key}} checklist\n- [ ] tests\n\n{START}\nSee {{url}} `{{x}}`\n{END}\n"
    )
    git(repo, "add", "t.md")  # a template is a file git tracks
    text = template.load_template("t.md", str(repo))
    body = template.render(text, FACTS)
    assert (
        body.startswith("# DEMO-1 checklist") and "See https://tracker.example/DEMO-1 `{x}`" in body
    )
    plain = template.render("## Checklist\n- [ ] docs\n", FACTS)
    assert plain.startswith(START) and plain.endswith("## Checklist\n- [ ] docs\n")
    with pytest.raises(ConfigError, match=r"missing\.md"):
        template.load_template("missing.md", str(repo))


def test_many_commits_are_cut() -> None:
    commits = tuple(Commit(f"{i:07x}", f"c{i}") for i in range(template.MAX_COMMITS + 5))
    body = template.render("", Facts("DEMO-1", "s", "u", "", "", commits))
    assert "and 5 more" in body


def test_editor_buffer_round_trip() -> None:
    text = editor.compose("DEMO-1: title", "body\n\n# heading\n")
    assert editor.SCISSORS in text
    assert editor.parse(text) == ("DEMO-1: title", "body\n\n# heading\n")
    assert editor.parse("\n\n  \n") == ("", "")
    assert editor.parse("only title\r\n") == ("only title", "")


def test_recover_save_load_and_wrong_branch(tmp_path: Path) -> None:
    path = recover.save("DEMO-1", "DEMO-1: t", "typed text\n")
    assert Path(path).stat().st_mode & 0o777 == 0o600
    assert recover.load(path, "DEMO-1") == ("DEMO-1: t", "typed text\n")
    assert recover.command(path) == f"git tracker pr --recover {path}"
    with pytest.raises(Exception, match="saved for DEMO-1"):
        recover.load(path, "DEMO-2")
    recover.discard(path)
    assert not Path(path).exists()
