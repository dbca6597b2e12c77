"""`git tracker pr` end to end, proving the wiring: a real repository, the CLI as a subprocess
(its real editor, browser, terminal and prompt), the sandbox Tracker and a forge emulator over
real sockets. Each branch of the flow, on each forge, is a fast in-process test in
test_flow_inprocess.py."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from testing.fixtures_forges import bound_token
from testing.repos import commit_file, git
from tests.pr.conftest import (
    CANARY,
    ISSUE,
    Setup,
    comments_with,
    editor_runs,
    fail_writes,
    heal,
    status,
    transitions_executed,
)
from tracker_git.pr import recover
from tracker_git.pr.template import END, START

SUMMARY = "Исправить падение при пустом ответе сервера"


def assert_no_canary(setup: Setup, *outputs: str) -> None:
    for text in outputs:
        assert CANARY not in text
    for run in editor_runs(setup):
        assert CANARY not in str(run["env"]) and CANARY not in " ".join(run["parents"])
    roots = [setup.repo.parent, Path.home()]
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert CANARY.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("setup", ["github"], indirect=True)
def test_create_then_update_never_a_second_pr(setup: Setup) -> None:
    first = setup.run()
    assert first.returncode == 0, first.stderr
    prs = setup.open_prs()
    assert len(prs) == 1
    pr = prs[0]
    assert first.stdout.strip() == pr.url
    assert "Traceback" not in first.stderr
    # The title is the issue's, never the humanized branch.
    assert pr.title.removeprefix("Draft: ") == f"{ISSUE}: {SUMMARY}"
    assert START in pr.body and END in pr.body
    assert "Typed in the editor." in pr.body
    assert "handle the empty body" in pr.body
    assert (
        git(setup.bare, "rev-parse", f"refs/heads/{ISSUE}-fix-crash").strip()
        == git(setup.repo, "rev-parse", "HEAD").strip()
    )
    assert status(setup) == "inReview"
    assert len(comments_with(setup, pr.url)) == 1
    assert transitions_executed(setup) == 1

    # People edit the description on the forge; a new commit lands; run again.
    human = "Reviewer note: check the retry path."
    setup.client().update(pr, pr.title, pr.body.replace(END, END + "\n\n" + human))
    commit_file(setup.repo, "b.txt", "b\n", f"{ISSUE}: retry once", "--no-verify")
    second = setup.run("--no-edit")
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == pr.url
    prs = setup.open_prs()  # what the update does is test_flow_inprocess.py's
    assert len(prs) == 1 and prs[0].number == pr.number and human in prs[0].body
    assert "already" in second.stderr
    assert_no_canary(setup, first.stdout, first.stderr, second.stdout, second.stderr)
    assert (setup.logs / "pre-push.txt").exists()  # the push ran hooks, without the token


@pytest.mark.parametrize("setup", ["gitlab"], indirect=True)
def test_dry_run_changes_nothing(setup: Setup) -> None:
    result = setup.run("--dry-run")
    assert result.returncode == 0, result.stderr
    assert [r.method for r in setup.forge.requests if r.method != "GET"] == []
    assert [r["method"] for r in setup.sandbox.requests if r["method"] != "GET"] == []
    assert setup.forge.prs == []
    assert status(setup) == "inProgress"
    assert setup.sandbox.state.comments(ISSUE) == []
    assert git(setup.bare, "for-each-ref", "--format=%(refname:short)").split() == ["main"]
    assert editor_runs(setup) == []
    out = result.stdout
    assert "git push" in out
    assert re.search(r"^POST http://127\.0\.0\.1:\d+/\S+", out, re.M)
    assert f'"{ISSUE}: {SUMMARY}"' in out or f"{ISSUE}: {SUMMARY}" in out
    assert "_execute" in out and "/comments" in out
    assert CANARY not in out + result.stderr


@pytest.mark.parametrize("setup", ["bitbucket-dc"], indirect=True)
def test_failure_after_editor_keeps_text_and_recover_finishes(setup: Setup) -> None:
    fail_writes(setup)
    failed = setup.run(PR_TEST_TYPE="Words nobody wants to type twice.")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    match = re.search(r"git tracker pr --recover (\S+)", failed.stderr)
    assert match, failed.stderr
    saved = Path(match.group(1))
    assert "Words nobody wants to type twice." in saved.read_text()
    assert setup.forge.prs == []
    assert status(setup) == "inProgress"

    heal(setup)
    done = setup.run("--recover", str(saved), GIT_EDITOR="false")  # no editor this time
    assert done.returncode == 0, done.stderr
    prs = setup.open_prs()
    assert len(prs) == 1 and done.stdout.strip() == prs[0].url
    assert "Words nobody wants to type twice." in prs[0].body
    assert status(setup) == "inReview"
    assert len(comments_with(setup, prs[0].url)) == 1
    assert not saved.exists()
    assert_no_canary(setup, failed.stdout, failed.stderr, done.stdout, done.stderr)


@pytest.mark.parametrize("setup", ["github"], indirect=True)
def test_no_forge_token_names_the_variable_for_that_host(setup: Setup) -> None:
    """No token for the emulator's host and no keyring (conftest's failing backend): the
    advice is the host-bound variable for that host (GH_TOKEN would not go there), not
    TRACKER_TOKEN; GH_TOKEN set in the shell changes nothing."""
    env = {k: v for k, v in setup.env.items() if k not in bound_token(setup.forge.url, "")}
    setup.env.clear()
    setup.env.update(env)
    result = setup.run("--no-edit", GH_TOKEN=CANARY, GITHUB_TOKEN=CANARY)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    host = urlsplit(setup.forge.url).netloc
    assert f"set TRACKER_GIT_FORGE_TOKEN with TRACKER_GIT_FORGE_HOST={host}" in result.stderr
    assert "TRACKER_TOKEN" not in result.stderr
    assert setup.forge.requests == []


def test_old_recover_files_are_pruned(tmp_path: Path) -> None:
    old = tmp_path / "pr-DEV-1-20200101-000000.md"
    new = tmp_path / "pr-DEV-2-20990101-000000.md"
    other = tmp_path / "notes.md"
    for path in (old, new, other):
        path.write_text("x")
    os.utime(old, (0, 0))
    os.utime(other, (0, 0))
    recover.prune(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([new.name, other.name])


@pytest.mark.parametrize("setup", ["github"], indirect=True)
def test_web_prints_and_opens_the_prefilled_create_page(setup: Setup, tmp_path: Path) -> None:
    opened = tmp_path / "browser.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\nenv >> {opened}\n')
    browser.chmod(0o755)
    result = setup.run("--web", BROWSER=str(browser))
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert "/compare/main...DEMO-2-fix-crash?" in url and "quick_pull=1" in url
    assert "title=DEMO-2" in url
    assert opened.read_text().splitlines()[0] == url
    assert setup.writes() == [] and setup.forge.prs == []
    assert [r for r in setup.sandbox.requests if r["method"] != "GET"] == []
    assert_no_canary(setup, result.stdout, result.stderr)


def _run_on_terminal(setup: Setup, answer: bytes) -> tuple[int, str, str]:
    """Run with stdin and stderr on a pseudo-terminal, answering the push question."""
    import os
    import pty
    import select
    import subprocess
    import sys

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker_git", "pr", "--no-edit"],
        cwd=setup.repo, env=setup.env, stdin=slave, stderr=slave, stdout=subprocess.PIPE,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    try:
        while b"[Y/n]" not in seen:
            ready, _, _ = select.select([master], [], [], 30)
            assert ready, seen
            seen += os.read(master, 4096)
        os.write(master, answer)
        out, _ = proc.communicate(timeout=30)
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.wait(), out.decode(), seen.decode("utf-8", "replace")


@pytest.mark.parametrize("setup", ["gitlab"], indirect=True)
def test_asks_before_pushing_on_a_terminal(setup: Setup) -> None:
    """The real terminal check and prompt; the other answers are in-process table rows."""
    code, out, terminal = _run_on_terminal(setup, b"\n")  # Enter means yes
    assert "has no branch DEMO-2-fix-crash; push it? [Y/n]" in terminal
    assert code == 0, terminal
    assert out.strip() == setup.open_prs()[0].url
    assert "DEMO-2-fix-crash" in git(setup.bare, "for-each-ref", "--format=%(refname:short)")


def test_a_plain_http_forge_address_is_a_configuration_error(tmp_path: Path) -> None:
    """A remote over plain http makes a plain http API address: the token is not sent, and
    the fix is [forge] api_url, so it exits 2 like every configuration error (it exited 1)."""
    from testing.repos import make_repo, run

    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "origin", "http://git.example.com/o/r.git")
    (repo / ".tracker-git.toml").write_text('[forge]\nkind = "gitlab"\n[tracker]\norg_id = "1"\n')
    git(repo, "checkout", "-q", "-b", "DEV-1-x")
    git(repo, "commit", "-q", "--allow-empty", "--no-verify", "-m", "DEV-1: x")
    env = os.environ | {
        "TRACKER_TOKEN": "t",
        "TRACKER_GIT_FORGE_TOKEN": CANARY,
        "TRACKER_GIT_FORGE_HOST": "git.example.com",
    }
    cli = str(Path(sys.executable).parent / "git-tracker")
    done = run(repo, cli, "pr", "--no-edit", "--no-push", env=env)
    assert done.returncode == 2, done.stderr
    assert "is plain http" in done.stderr and "set [forge] api_url" in done.stderr
    assert CANARY not in done.stdout + done.stderr
