"""Help the git way: -h, the man page behind `git tracker --help`, bash and zsh completion."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from testing.repos import make_repo, run
from tracker_git import commands, helptext

BIN = str(Path(sys.executable).parent)
SHIPPED_PAGE = Path(helptext.__file__).parent / "resources" / "git-tracker.1"


def test_every_command_is_listed_by_dash_h(tmp_path: Path) -> None:
    proc = run(tmp_path, f"{BIN}/git-tracker", "-h")
    assert proc.returncode == 0
    for name in commands.COMMANDS:
        assert name in proc.stdout
    for name in commands.COMMANDS:
        sub = run(tmp_path, f"{BIN}/git-tracker", name, "-h")
        assert sub.returncode == 0, (name, sub.stderr)
        assert sub.stdout.startswith(f"usage: git tracker {name}")


def test_shipped_man_page_is_up_to_date() -> None:
    assert SHIPPED_PAGE.read_text() == helptext.man_page(), (
        "regenerate it: .venv/bin/python -m tracker_git.helptext > tracker_git/resources/git-tracker.1"
    )


def test_git_tracker_dash_dash_help_shows_the_man_page(tmp_path: Path) -> None:
    # Where pip puts a wheel's data files: <prefix>/share/man/man1, found by man from PATH.
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "share" / "man" / "man1").mkdir(parents=True)
    shutil.copy(SHIPPED_PAGE, prefix / "share" / "man" / "man1" / "git-tracker.1")
    (prefix / "bin" / "git-tracker").symlink_to(f"{BIN}/git-tracker")
    repo = make_repo(tmp_path / "repo")
    env = {**os.environ, "PATH": f"{prefix}/bin:/usr/bin:/bin", "MANPAGER": "cat", "PAGER": "cat"}
    env.pop("MANPATH", None)
    proc = run(repo, "git", "tracker", "--help", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "git-tracker - tie git to Yandex Tracker" in proc.stdout
    assert "EXIT STATUS" in proc.stdout


def _bash(script: str, tmp_path: Path) -> str:
    path = tmp_path / "complete.bash"
    path.write_text(helptext.bash_completion())
    proc = run(tmp_path, "bash", "--norc", "-c", f"source {path}\n{script}")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_bash_completion_standalone_and_through_git(tmp_path: Path) -> None:
    out = _bash(
        'COMP_WORDS=(git-tracker ho); COMP_CWORD=1; _git_tracker; echo "${COMPREPLY[@]}"\n'
        'COMP_WORDS=(git-tracker hooks un); COMP_CWORD=2; _git_tracker; echo "${COMPREPLY[@]}"',
        tmp_path,
    )
    assert out.splitlines() == ["hooks", "uninstall"]
    git_completion = "/usr/share/bash-completion/completions/git"
    assert Path(git_completion).exists(), "bash-completion's git script is part of git's package"
    out = _bash(
        f"source {git_completion}\n"
        'COMP_WORDS=(git tracker ini); COMP_CWORD=2; COMP_LINE="git tracker ini"; '
        'COMP_POINT=${#COMP_LINE}; __git_wrap__git_main; echo "${COMPREPLY[@]}"',
        tmp_path,
    )
    assert out.split() == ["init"]


def test_zsh_completion_loads_and_completes(tmp_path: Path) -> None:
    path = tmp_path / "_git-tracker"
    path.write_text(helptext.zsh_completion())
    script = (
        f"source {path}\n_git_tracker_candidates '' | grep '^comp'\n_git_tracker_candidates hooks"
    )
    proc = run(tmp_path, "zsh", "-f", "-c", script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["completion", "--help", "install", "uninstall", "--chain"]
    assert run(tmp_path, "zsh", "-n", str(path)).returncode == 0


def test_version_and_help_subcommand(tmp_path: Path) -> None:
    from tracker_git import about

    proc = run(tmp_path, f"{BIN}/git-tracker", "--version")
    assert (proc.returncode, proc.stdout) == (0, f"git tracker {about.version()}\n")
    proc = run(tmp_path, f"{BIN}/git-tracker", "help")
    assert proc.returncode == 0
    assert proc.stdout == run(tmp_path, f"{BIN}/git-tracker", "-h").stdout
    proc = run(tmp_path, f"{BIN}/git-tracker", "help", "hooks")
    assert proc.returncode == 0
    assert proc.stdout == run(tmp_path, f"{BIN}/git-tracker", "hooks", "-h").stdout
    assert proc.stdout.startswith("usage: git tracker hooks")
    proc = run(tmp_path, f"{BIN}/git-tracker", "help", "nope")
    assert proc.returncode == 2
    assert "invalid choice: 'nope'" in proc.stderr


def test_the_docs_key_references_are_generated_from_the_schemas() -> None:
    root = Path(helptext.__file__).parents[1]
    for name, table in helptext.doc_references().items():
        text = (root / name).read_text(encoding="utf-8")
        assert helptext.with_reference(text, table) == text, (
            f"{name} is out of date; regenerate: .venv/bin/python -m tracker_git.helptext --docs"
        )


def test_the_man_page_documents_every_key_hook_and_variable() -> None:
    from tracker_git import secrets
    from tracker_git.core import config
    from tracker_git.hooks.common import HOOK_IDS

    page = helptext.man_page()
    for section in (".SH CONFIGURATION", ".SH HOOKS", ".SH ENVIRONMENT", ".SH EXAMPLES"):
        assert section in page
    for key in config.SCHEMA.values():
        written = f"[{key.section}] {key.name}" if key.section else key.name
        assert f".B {helptext._roff(written)}\n{helptext._roff(key.doc)}" in page
    for name in [*config.ENVIRONMENT, *secrets.TOKEN_VARIABLES, *HOOK_IDS, "TRACKER_GIT_SKIP"]:
        assert helptext._roff(name) in page


def test_completion_knows_nested_options_their_values_and_version(tmp_path: Path) -> None:
    out = _bash(
        'COMP_WORDS=(git-tracker --ver); COMP_CWORD=1; _git_tracker; echo "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(git-tracker check pr --ba); COMP_CWORD=3; _git_tracker; "
        'echo "${COMPREPLY[@]}"\n'
        'COMP_WORDS=(git-tracker login --token-kind ""); COMP_CWORD=3; _git_tracker; '
        'echo "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(git-tracker login --forge git); COMP_CWORD=3; _git_tracker; "
        'echo "${COMPREPLY[@]}"',
        tmp_path,
    )
    assert out.splitlines() == ["--version", "--base", "oauth iam", "github gitlab"]
    path = tmp_path / "_git-tracker"
    path.write_text(helptext.zsh_completion())
    proc = run(
        tmp_path, "zsh", "-f", "-c", f"source {path}\n_git_tracker_values 'login --token-kind'"
    )
    assert proc.stdout.split() == ["oauth", "iam"]


def test_the_man_page_usage_lines_are_one_line_each() -> None:
    page = helptext.man_page()
    usages = [line for line in page.splitlines() if line.startswith("Usage: ")]
    assert len(usages) == len(commands.COMMANDS)
    login = next(line for line in usages if line.startswith("Usage: git tracker login "))
    assert "[\\-\\-save\\-org] [\\-\\-forge" in login  # what argparse wrapped, on one line
    assert not [line for line in page.splitlines() if line.startswith("   ")]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["strat"], "invalid choice: 'strat' (choose from"),
        (["hooks", "instal"], "did you mean 'install'?"),
        (["check", "brnach"], "did you mean 'branch'?"),
        (["pr", "--draf"], "unrecognized arguments: --draf; did you mean '--draft'?"),
    ],
)
def test_no_abbreviations_and_did_you_mean(tmp_path: Path, argv: list[str], says: str) -> None:
    proc = run(tmp_path, f"{BIN}/git-tracker", *argv)
    assert proc.returncode == 2
    assert says in proc.stderr
    if argv == ["strat"]:
        assert proc.stderr.rstrip().endswith("; did you mean 'start'?")


def test_debug_is_taken_anywhere(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    for argv in (["--debug", "check", "branch", "x"], ["check", "branch", "x", "--debug"]):
        proc = run(repo, f"{BIN}/git-tracker", *argv)
        assert proc.returncode == 1, proc.stderr  # the check's answer, not a usage error
        assert "branch 'x'" in proc.stderr


def test_a_missing_organization_is_a_configuration_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    env.pop("TRACKER_TOKEN", None)
    proc = run(repo, f"{BIN}/git-tracker", "whoami", env=env)
    assert proc.returncode == 2, proc.stderr
    assert "no Tracker organization is configured" in proc.stderr
