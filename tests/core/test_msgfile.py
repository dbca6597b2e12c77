"""A message file read with the repository's git settings (core/msgfile.py), in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import gitstate, message, msgfile

RAW = f"; DEV-1 in a comment\n# DEV-2 not a comment with ';'\nsubject  \n\n\n; {message.SCISSORS}\ndiff DEV-3\n".encode()


@pytest.mark.parametrize(
    ("cleanup", "expected"),
    [
        (None, "# DEV-2 not a comment with ';'\nsubject\n"),
        ("default", "# DEV-2 not a comment with ';'\nsubject\n"),
        ("strip", "# DEV-2 not a comment with ';'\nsubject\n"),
        ("scissors", "; DEV-1 in a comment\n# DEV-2 not a comment with ';'\nsubject\n"),
        ("whitespace", RAW.decode().replace("subject  \n\n\n", "subject\n\n")),
        ("verbatim", RAW.decode()),
        ("an-unknown-mode", "# DEV-2 not a comment with ';'\nsubject\n"),
    ],
)
def test_parse_reads_comment_char_and_cleanup(
    tmp_path: Path, cleanup: str | None, expected: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "config", "core.commentChar", ";")
    if cleanup:
        git(repo, "config", "commit.cleanup", cleanup)
    for state in (None, gitstate.read_state(str(repo))):
        msg = msgfile.parse(RAW, str(repo), state)
        assert msg.text == RAW.decode()
        assert msg.comment == ";"
        assert msg.cleaned == expected
        assert msgfile.recleaned(msg, msg.text) == expected
    path = tmp_path / "msg"
    path.write_bytes(RAW)
    assert msgfile.read(str(path), str(repo)).cleaned == expected


def test_comment_string_wins_and_defaults(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    state = gitstate.read_state(str(repo))
    plain = msgfile.parse(b"s\n# c\n", str(repo), state)
    assert (plain.comment, plain.cleaned, plain.cleanup) == ("#", "s\n", "strip")
    git(repo, "config", "core.commentString", "//")
    git(repo, "config", "core.commentChar", ";")
    msg = msgfile.parse(b"s\n// c\n; d\n", str(repo), state)
    assert (msg.comment, msg.cleaned) == ("//", "s\n; d\n")
    git(repo, "config", "--unset", "core.commentString")
    git(repo, "config", "core.commentChar", "auto")
    msg = msgfile.parse(f"#1 s\n; {message.SCISSORS}\nd\n".encode(), str(repo), state)
    assert (msg.comment, msg.cleaned) == (";", "#1 s\n")
