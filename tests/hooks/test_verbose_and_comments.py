"""`git commit -v` / `--verbose --verbose`, `core.commentChar = auto` and leading blank lines,
through real git with the plain hooks on a keyed branch (issue 22): prepare-commit-msg must put
the key above the scissors line and commit-msg must read only what git keeps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from testing.repos import git, head_message, run
from tracker_git.core import message


def editor(tmp_path: Path, text: str) -> dict[str, str]:
    """An editor that appends `text` to the first line and keeps everything else."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "lines = open(path, encoding='utf-8').read().split('\\n')\n"
        f"lines[0] += {text!r}\n"
        "open(path, 'w', encoding='utf-8').write('\\n'.join(lines))\n"
    )
    import sys

    return {**os.environ, "GIT_EDITOR": f"{sys.executable} {script}"}


@pytest.mark.parametrize(
    ("insert", "expected"),
    [("prefix", "DEV-1: fix the login"), ("trailer", "fix the login\n\nRefs: DEV-1")],
)
@pytest.mark.parametrize("verbose", [["-v"], ["-v", "-v"], ["--verbose", "--verbose"]])
def test_verbose_commit_gets_the_key_above_the_scissors(
    repo: Path, tmp_path: Path, verbose: list[str], insert: str, expected: str
) -> None:
    (repo / ".tracker-git.toml").write_text(f'[hooks]\ninsert = "{insert}"\n')
    (repo / "a").write_text("OPS-9 appears only in the staged diff\n")
    git(repo, "add", "a")
    (repo / "b").write_text("OPS-8 only in the unstaged diff\n")
    git(repo, "add", "b")
    (repo / "b").write_text("OPS-8 changed, not staged\n")
    proc = run(repo, "git", "commit", *verbose, env=editor(tmp_path, "fix the login"))
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).rstrip("\n") == expected
    # The key typed in the diff never counts: only what is above the scissors line.
    (repo / "a").write_text("DEV-5 in the diff\n")
    git(repo, "add", "a")
    git(repo, "checkout", "-q", "-b", "no-key-branch")
    env = {**editor(tmp_path, "plain words"), "SKIP": "tracker-branch-name"}
    proc = run(repo, "git", "commit", *verbose, env=env)
    assert proc.returncode == 1 and "references no issue key" in proc.stderr


@pytest.mark.parametrize("taken", ["#", "#;", "#;@", "#;@!"])
def test_comment_char_auto_with_verbose(repo: Path, tmp_path: Path, taken: str) -> None:
    """With `auto`, git comments with the first of #;@!$%^&|: no message line starts with; the
    hook reads the choice back from the scissors line that -v adds."""
    git(repo, "config", "core.commentChar", "auto")
    (repo / "a").write_text("DEV-5 in the diff\n")
    git(repo, "add", "a")
    lines = [f"{char}{n} is not a comment" for n, char in enumerate(taken)]
    proc = run(repo, "git", "commit", "-v", "-e", "-m", "\n".join(lines))
    assert proc.returncode == 0, proc.stderr
    stored = head_message(repo)
    assert stored.startswith(f"DEV-1: {lines[0]}\n")
    assert all(line in stored for line in lines) and "DEV-5" not in stored
    expected = message.AUTO_CANDIDATES[len(taken)]
    edited = (repo / ".git" / "COMMIT_EDITMSG").read_text()
    assert f"{expected} {message.SCISSORS}" in edited


@pytest.mark.parametrize("taken", ["", "#", "#;", "#;@!$%^&|"])
def test_comment_prefix_auto_reads_back_the_char_git_chose(taken: str) -> None:
    for char in message.AUTO_CANDIDATES[len(taken) :][:1]:
        body = "".join(f"{c} line\n" for c in taken) + "subject\n"
        with_scissors = f"{body}{char} {message.SCISSORS}\ndiff DEV-9\n"
        assert message.comment_prefix(with_scissors, "auto") == char
        with_block = f"{body}\n{char} Please enter the commit message\n{char}\n"
        assert message.comment_prefix(with_block, "auto") == char
        assert message.clean(with_scissors, char).count("DEV-9") == 0
    assert message.comment_prefix("subject\n", "auto") == "#"
    assert message.comment_prefix("subject\n", "") == "#"
    assert message.comment_prefix("subject\n; x\n", ";") == ";"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("prefix", "\n\n\nDEV-1: fix the login\n\nbody\n# comment\n"),
        ("conventional", "\n\n\nfeat(DEV-1): fix the login\n\nbody\n# comment\n"),
        ("trailer", "\n\n\nfix the login\n\nbody\n\nRefs: DEV-1\n# comment\n"),
    ],
)
def test_insert_key_after_leading_blank_lines(mode: str, expected: str) -> None:
    raw = "\n\n\n" + ("feat: " if mode == "conventional" else "")
    raw += "fix the login\n\nbody\n# comment\n"
    changed = message.insert_key(raw, "DEV-1", mode)
    assert changed == expected
    assert message.clean(changed).count("DEV-1") == 1


def test_leading_blank_lines_through_the_hooks(repo: Path) -> None:
    (repo / ".msg").write_text("\n\n  \nfix the login\n")
    proc = run(repo, "git", "commit", "-q", "--allow-empty", "-e", "-F", ".msg")
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).rstrip("\n") == "DEV-1: fix the login"
