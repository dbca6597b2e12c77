"""`git tracker pr`, branch by branch, in this process: the flow (tracker_git.pr.flow.run) in a
real repository pushing to a real bare one, against the sandbox Tracker and a forge emulator
over real sockets, with a `Person` (tests/pr/conftest.py) in place of the user's terminal,
editor, browser and clock. test_flow.py runs the CLI as a process to prove the wiring."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.repos import commit_file, git
from tests.pr.conftest import (
    CANARY,
    ISSUE,
    Person,
    Setup,
    comments_with,
    fail_writes,
    heal,
    status,
    transitions_executed,
)
from tracker_git.core.errors import OperationFailed, TrackerGitError, UsageError
from tracker_git.pr import editor, flow, recover
from tracker_git.pr.template import END, START

KINDS = ["github", "gitlab", "bitbucket-cloud", "bitbucket-dc"]
SUMMARY = "Исправить падение при пустом ответе сервера"
BRANCH = f"{ISSUE}-fix-crash"
forges = pytest.mark.parametrize("setup", KINDS, indirect=True)


def on(*kinds: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("setup", kinds, indirect=True)


def remote_branches(setup: Setup) -> list[str]:
    return git(setup.bare, "for-each-ref", "--format=%(refname:short)").split()


def remote_head(setup: Setup) -> str:
    return git(setup.bare, "rev-parse", f"refs/heads/{BRANCH}").strip()


def local_head(setup: Setup) -> str:
    return git(setup.repo, "rev-parse", "HEAD").strip()


def tracker_writes(setup: Setup) -> list[str]:
    return [r["method"] for r in setup.sandbox.requests if r["method"] != "GET"]


@forges
def test_create_then_update_never_a_second_pr(setup: Setup) -> None:
    person = Person()
    first = setup.flow(person)
    assert first.created
    prs = setup.open_prs()
    assert len(prs) == 1 and first.url == prs[0].url
    pr = prs[0]
    # The editor got the issue's title and the rendered block; the title is the issue's.
    assert person.edited[0].startswith(f"{ISSUE}: {SUMMARY}\n")
    assert pr.title.removeprefix("Draft: ") == f"{ISSUE}: {SUMMARY}"
    assert START in pr.body and END in pr.body
    assert "Typed in the editor." in pr.body and "handle the empty body" in pr.body
    assert remote_head(setup) == local_head(setup)  # pushed without asking: no terminal
    assert person.asked == []
    assert status(setup) == "inReview"
    assert len(comments_with(setup, pr.url)) == 1 and transitions_executed(setup) == 1

    # People edit the description on the forge; a new commit lands; run again.
    human = "Reviewer note: check the retry path."
    setup.client().update(pr, pr.title, pr.body.replace(END, END + "\n\n" + human))
    commit_file(setup.repo, "b.txt", "b\n", f"{ISSUE}: retry once", "--no-verify")
    second = setup.flow(edit=False)
    assert not second.created and second.url == pr.url
    prs = setup.open_prs()
    assert len(prs) == 1 and prs[0].number == pr.number
    body = prs[0].body
    assert body.count(START) == 1
    assert human in body and "Typed in the editor." in body
    block = body.split(START)[1].split(END)[0]
    assert "retry once" in block and "In review" in block
    assert remote_head(setup) == local_head(setup)
    assert len(comments_with(setup, pr.url)) == 1 and transitions_executed(setup) == 1


@forges
def test_dry_run_changes_nothing(setup: Setup) -> None:
    person = Person(at_terminal=True)
    result = setup.flow(person, dry_run=True)
    assert [r.method for r in setup.forge.requests if r.method != "GET"] == []
    assert tracker_writes(setup) == []
    assert setup.forge.prs == [] and setup.sandbox.state.comments(ISSUE) == []
    assert status(setup) == "inProgress" and remote_branches(setup) == ["main"]
    assert person.edited == person.asked == person.opened == []
    plan = "\n".join(result.plan)
    assert result.plan[0].startswith("git push") and result.plan[0].endswith(BRANCH)
    assert re.search(r"^POST http://127\.0\.0\.1:\d+/\S+", plan, re.M)
    assert f"{ISSUE}: {SUMMARY}" in plan
    assert "_execute" in plan and "/comments" in plan
    assert CANARY not in plan


@forges
def test_failure_after_editor_keeps_text_and_recover_finishes(setup: Setup) -> None:
    fail_writes(setup)
    person = Person(typed="Words nobody wants to type twice.")
    with pytest.raises(OperationFailed) as failed:
        setup.flow(person)
    assert failed.value.exit_code == 1
    match = re.search(r"git tracker pr --recover (\S+)", str(failed.value))
    assert match, failed.value
    saved = Path(match.group(1))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(person.now))
    assert saved.name == f"pr-{ISSUE}-{stamp}.md"  # named by the clock
    assert "Words nobody wants to type twice." in saved.read_text()
    assert setup.forge.prs == [] and status(setup) == "inProgress"

    heal(setup)
    again = Person()
    done = setup.flow(again, recover=str(saved))
    assert again.edited == []  # no editor this time
    prs = setup.open_prs()
    assert len(prs) == 1 and done.url == prs[0].url
    assert "Words nobody wants to type twice." in prs[0].body
    assert status(setup) == "inReview" and len(comments_with(setup, prs[0].url)) == 1
    assert not saved.exists()


def test_recover_files_are_named_and_aged_by_the_clock() -> None:
    now = time.time()
    day = 86400.0
    first = recover.save("DEV-1", "First", "text", now=now)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    assert Path(first).name == f"pr-DEV-1-{stamp}.md"
    recover.save("DEV-2", "Later", "text", now=now + (recover.KEEP_DAYS - 1) * day)
    assert Path(first).exists()
    recover.save("DEV-3", "Much later", "text", now=now + (recover.KEEP_DAYS + 1) * day)
    assert not Path(first).exists()


@on("gitlab")
def test_an_editor_that_fails_keeps_what_was_typed(setup: Setup) -> None:
    """The real editor module, with an editor that writes its text and exits 3."""
    fail = "f() { printf 'Kept title\\n\\nKept words\\n' > \"$1\"; exit 3; }; f"
    effects = flow.Effects(edit=editor.edit, clock=lambda: 1_900_000_000.0)
    with pytest.raises(OperationFailed) as failed:
        setup.flow(effects=effects, env={"GIT_EDITOR": fail})
    assert "failed (exit code 3)" in str(failed.value)
    match = re.search(r"--recover (\S+)", str(failed.value))
    assert match, failed.value
    assert recover.load(match.group(1), ISSUE) == ("Kept title", "Kept words\n")
    assert setup.writes() == [] and tracker_writes(setup) == []


@on("github")
def test_an_empty_title_sends_nothing(setup: Setup) -> None:
    effects = flow.Effects(edit=lambda text, cwd: "\n\n" + editor.HELP)
    with pytest.raises(OperationFailed, match="the title is empty"):
        setup.flow(effects=effects)
    assert setup.writes() == [] and tracker_writes(setup) == []


@dataclass(frozen=True)
class Push:
    """One row of the push table: the branch on the remote, --push/--no-push/neither, whether a
    terminal is there and what it answers; then what happens."""

    remote: str  # "missing", or "behind": pushed, then a commit made locally
    push: bool | None
    at_terminal: bool
    answers: tuple[bool, ...]
    asked: str | None  # the question, if one is asked
    pushed: bool
    made: bool  # whether the pull request is made
    error: int | None = None  # the exit code of the error it ends with
    said: str = ""  # in the error or on stderr


PUSH_TABLE = [
    Push("missing", None, True, (False,), f"origin has no branch {BRANCH}; push it?",
         pushed=False, made=False, error=1, said="not pushed"),
    Push("missing", None, True, (True,), f"origin has no branch {BRANCH}; push it?",
         pushed=True, made=True),
    Push("missing", None, False, (), None, pushed=True, made=True),  # nobody to ask: push
    Push("missing", True, True, (), None, pushed=True, made=True),
    Push("missing", False, True, (), None, pushed=False, made=False, error=2,
         said="--no-push was given"),
    Push("behind", None, True, (False,), f"origin/{BRANCH} is not HEAD; push HEAD to it?",
         pushed=False, made=True),
    Push("behind", None, True, (True,), f"origin/{BRANCH} is not HEAD; push HEAD to it?",
         pushed=True, made=True),
    Push("behind", False, True, (), None, pushed=False, made=True,
         said="the pull request shows what was pushed"),
]  # fmt: skip


@on("gitlab")
@pytest.mark.parametrize("row", PUSH_TABLE, ids=lambda r: f"{r.remote}-{r.push}-{r.answers}")
def test_push_asks_only_a_terminal_and_obeys_the_options(
    setup: Setup, row: Push, capsys: pytest.CaptureFixture[str]
) -> None:
    if row.remote == "behind":
        git(setup.repo, "push", "-q", "--no-verify", "origin", BRANCH)
        commit_file(setup.repo, "b.txt", "b\n", f"{ISSUE}: later", "--no-verify")
    before = remote_branches(setup), git(setup.bare, "for-each-ref")
    person = Person(at_terminal=row.at_terminal, answers=list(row.answers))
    if row.error is not None:
        with pytest.raises(TrackerGitError) as raised:
            setup.flow(person, edit=False, push=row.push)
        said = str(raised.value)
        assert raised.value.exit_code == row.error
    else:
        setup.flow(person, edit=False, push=row.push)
        said = capsys.readouterr().err
    assert person.asked == ([row.asked] if row.asked else [])
    assert person.answers == []  # every answer given was asked for
    if row.pushed:
        assert remote_head(setup) == local_head(setup)
    else:
        assert (remote_branches(setup), git(setup.bare, "for-each-ref")) == before
    assert len(setup.forge.prs) == (1 if row.made else 0)
    assert row.said in said


@on("github")
def test_draft(setup: Setup) -> None:
    setup.flow(edit=False, draft=True)
    assert setup.open_prs()[0].draft


@dataclass(frozen=True)
class Web:
    existing: bool  # an open pull request of the branch exists
    browser_works: bool


WEB_TABLE = [Web(existing=False, browser_works=True), Web(existing=True, browser_works=True),
             Web(existing=False, browser_works=False)]  # fmt: skip


@on("github")
@pytest.mark.parametrize("row", WEB_TABLE, ids=repr)
def test_web_opens_the_create_page_or_the_open_pull_request(
    setup: Setup, row: Web, capsys: pytest.CaptureFixture[str]
) -> None:
    if row.existing:
        made = setup.flow(edit=False)
    person = Person(browser_works=row.browser_works)
    writes = len(setup.writes()), tracker_writes(setup)
    result = setup.flow(person, web=True)
    assert person.opened == [result.url] and not result.created
    if row.existing:
        assert result.url == made.url
    else:
        assert "/compare/main...DEMO-2-fix-crash?" in result.url and "quick_pull=1" in result.url
        assert "title=DEMO-2" in result.url
        assert remote_head(setup) == local_head(setup)  # the page needs the branch there
    assert (len(setup.writes()), tracker_writes(setup)) == writes  # --web writes nothing
    assert ("no browser could be started" in capsys.readouterr().err) is not row.browser_works


@on("github")
def test_web_refuses_a_pull_request_address_that_is_not_http(setup: Setup) -> None:
    """The forge's answer is untrusted: its pull request's address goes to the real browser
    effect (core.browser.open_address) and, not being http(s), is refused with one line."""
    setup.flow(edit=False)
    setup.forge.prs[0]["html_url"] = "javascript:alert(1)"
    with pytest.raises(OperationFailed) as refused:
        setup.flow(effects=flow.Effects(), web=True)
    assert "refusing to hand 'javascript:alert(1)' to the browser" in str(refused.value)
    assert "the forge gave it" in str(refused.value)


@dataclass(frozen=True)
class Refused:
    """A run that stops before the editor: what is changed first, the error, what it says."""

    name: str
    branch: str | None
    token: str | None  # the forge token instead of the right one; "": none; None: the right one
    error: type[TrackerGitError]
    says: tuple[str, ...]
    never_says: tuple[str, ...] = ()
    no_requests: bool = False


REFUSED = [
    Refused("no key", "no-key-here", None, UsageError, ("carries no issue key",),
            no_requests=True),
    # No token and no keyring either: the advice names the variable that would carry it.
    Refused("no token", None, "", OperationFailed, ("{variable}",), ("TRACKER_TOKEN",)),
    Refused("unknown issue", "DEMO-999-nothing", None, OperationFailed, ("DEMO-999",)),
    Refused("bad token", None, "wrong-token", OperationFailed, ("401",), ("wrong-token",)),
]  # fmt: skip


@on("github")
@pytest.mark.parametrize("row", REFUSED, ids=lambda r: r.name)
def test_refused_before_the_editor(setup: Setup, row: Refused) -> None:
    if row.branch:
        git(setup.repo, "checkout", "-q", "-b", row.branch)
    # The variable the set-up gives the token in (whichever the forge's row names).
    (variable,) = [name for name, value in setup.env.items() if value == CANARY]
    if row.token == "":
        del setup.env[variable]
    elif row.token is not None:
        setup.env[variable] = row.token
    person = Person()
    with pytest.raises(row.error) as raised:
        setup.flow(person)
    message = str(raised.value)
    assert all(part.format(variable=variable) in message for part in row.says), message
    assert not any(part in message for part in row.never_says), message
    assert "\n" not in message and "--recover" not in message
    assert person.edited == [] and setup.writes() == [] and tracker_writes(setup) == []
    if row.no_requests:
        assert setup.forge.requests == [] and setup.sandbox.requests == []


@on("gitlab")
def test_issue_already_in_review_has_stand_link(setup: Setup) -> None:
    git(setup.repo, "checkout", "-q", "-b", "DEMO-3-search")
    setup.flow(edit=False, title="DEMO-3: faster search")
    assert transitions_executed(setup) == 0
    pr = setup.client().list_open("DEMO-3-search")[0]
    assert pr.title == "DEMO-3: faster search"
    assert "https://stand-3.example.com" in pr.body.split(START)[1]


@on("bitbucket-dc")
def test_tracker_failure_after_create_then_a_second_run_finishes(setup: Setup) -> None:
    setup.sandbox.inject(500, times=20, path="/comments", method="POST")
    person = Person()
    with pytest.raises(OperationFailed) as failed:
        setup.flow(person, edit=False)
    # Each comment attempt after the first waited, on the person's clock (no time passed).
    assert len(person.waited) == 3 and all(0 <= wait <= 8 for wait in person.waited)
    # Nothing was typed, so no recover file: running it again makes the same text.
    assert "--recover" not in str(failed.value)
    assert "nothing typed is lost: run 'git tracker pr --no-edit'" in str(failed.value)
    assert not Path(recover.folder()).exists() or list(Path(recover.folder()).iterdir()) == []
    assert len(setup.open_prs()) == 1  # the forge part was done
    setup.sandbox.clear_faults()
    done = setup.flow(edit=False)
    prs = setup.open_prs()
    assert len(prs) == 1 and done.url == prs[0].url and not done.created
    assert len(comments_with(setup, prs[0].url)) == 1
    assert transitions_executed(setup) == 1 and status(setup) == "inReview"


@on("bitbucket-cloud")
def test_repository_template_and_title_pattern(setup: Setup) -> None:
    (setup.repo / ".github").mkdir()
    (setup.repo / ".github" / "pr.md").write_text(
        f"Checklist for {{key}}\n- [ ] tests\n\n{START}\nIssue {{url}} is {{status}}.\n{END}\n"
    )
    (setup.repo / ".tracker-git.toml").write_text(
        '[pr]\ntemplate = ".github/pr.md"\ntitle = "[{key}] {summary}"\n[statuses]\nreview = ""\n'
    )
    git(setup.repo, "add", ".github/pr.md")  # a template git tracks, as a repository's is
    setup.flow(edit=False)
    pr = setup.open_prs()[0]
    assert pr.title == f"[{ISSUE}] {SUMMARY}"
    assert pr.body.startswith(f"Checklist for {ISSUE}\n- [ ] tests")
    assert f"/{ISSUE} is In progress." in pr.body.split(START)[1]
    assert status(setup) == "inProgress"  # no review status configured: no move
    assert len(comments_with(setup, pr.url)) == 1


@on("gitlab")
def test_a_forge_outage_on_a_read_is_waited_out_on_the_clock(setup: Setup) -> None:
    """A read is tried again after a wait; the person's clock takes the waits."""
    setup.forge.fail_next(503, method="GET", times=2)
    person = Person()
    setup.flow(person, edit=False)
    assert len(setup.open_prs()) == 1
    assert len(person.waited) == 2
