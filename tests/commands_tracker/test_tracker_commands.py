"""show, open, move, comment, start, stand: the real `git-tracker` in a real repository, against
the sandbox. `start`'s branches one by one are tests/issue/test_start.py's, in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from testing.servers import SandboxHandle

GIT_TRACKER = str(Path(sys.executable).with_name("git-tracker"))
CI_VARIABLES = ("CHANGE_BRANCH", "TEAMCITY_BUILD_BRANCH")  # not cleared by tests/conftest.py


def tracker(
    sb: SandboxHandle, repo: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in CI_VARIABLES}
    environ.update(sb.env, **env)
    return subprocess.run(
        [GIT_TRACKER, *args], cwd=repo, env=environ, capture_output=True, text=True,
        input=stdin, timeout=60,
    )  # fmt: skip


def status(sb: SandboxHandle, key: str) -> str:
    issue = sb.state.issue(key)
    assert issue is not None
    return str(issue["status"])


def one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith("error: ")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    return done.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def test_start_creates_the_branch_and_moves_the_issue(sandbox: SandboxHandle, repo: Path) -> None:
    done = tracker(sandbox, repo, "start", "demo-1")
    assert done.returncode == 0, done.stderr
    branch = git(repo, "branch", "--show-current").strip()
    assert branch == "DEMO-1-sign-in-with-sso"
    assert status(sandbox, "DEMO-1") == "inProgress"
    assert "DEMO-1 moved to In progress" in done.stdout

    git(repo, "switch", "-q", "main")
    again = tracker(sandbox, repo, "start", "DEMO-1")
    assert again.returncode == 0, again.stderr
    assert git(repo, "branch", "--show-current").strip() == branch
    assert "switched to" in again.stderr and "already in In progress" in again.stdout
    assert git(repo, "branch", "--list").count("DEMO-1") == 1


def test_start_transliterates_and_follows_the_pattern(sandbox: SandboxHandle, repo: Path) -> None:
    key = sandbox.state.add_issue("Починить экспорт в CSV", status="open")
    (repo / ".tracker-git.toml").write_text('[branch]\npattern = "feature/{key}-{slug}"\n')
    done = tracker(sandbox, repo, "start", key)
    assert done.returncode == 0, done.stderr
    assert git(repo, "branch", "--show-current").strip() == f"feature/{key}-pochinit-eksport-v-csv"


def test_start_makes_a_branch_its_own_hooks_accept(sandbox: SandboxHandle, repo: Path) -> None:
    """A summary starting with a number: with queues the name keeps it, without them the name
    is the key alone (and start says why), never one the branch check refuses."""
    key = sandbox.state.add_issue("500 on the login page", status="open")
    done = tracker(sandbox, repo, "start", key, "--no-move")
    assert done.returncode == 0, done.stderr
    assert git(repo, "branch", "--show-current").strip() == key
    assert "without the summary" in done.stderr and "`queues`" in done.stderr
    assert tracker(sandbox, repo, "check", "branch").returncode == 0

    git(repo, "switch", "-q", "main")
    git(repo, "branch", "-q", "-D", key)
    queue = key.partition("-")[0]
    (repo / ".tracker-git.toml").write_text(
        f'queues = ["{queue}"]\n[branch]\npattern = "{{key}}_{{slug}}"\n'
    )
    done = tracker(sandbox, repo, "start", key, "--no-move")
    assert done.returncode == 0, done.stderr
    assert git(repo, "branch", "--show-current").strip() == f"{key}_500-on-the-login-page"
    assert "without the summary" not in done.stderr
    assert tracker(sandbox, repo, "check", "branch").returncode == 0


def test_start_does_not_hand_the_token_to_git_hooks(sandbox: SandboxHandle, repo: Path) -> None:
    dump = repo.parent / "hook-env"
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\nenv > '{dump}'\n")
    hook.chmod(0o755)
    done = tracker(sandbox, repo, "start", "DEMO-1")
    assert done.returncode == 0, done.stderr
    seen = dump.read_text()
    assert "TRACKER_ORG_ID" in seen  # the hook did run with our environment...
    assert sandbox.token not in seen  # ...but not with the token


def test_show_the_branch_issue(sandbox: SandboxHandle, repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "demo-2-crash")
    done = tracker(sandbox, repo, "show")
    assert done.returncode == 0, done.stderr
    issue = sandbox.state.issue("DEMO-2")
    assert issue is not None
    assert done.stdout.splitlines()[0] == f"DEMO-2: {issue['summary']}"
    assert f"link      {sandbox.url}/DEMO-2" in done.stdout

    as_json = json.loads(tracker(sandbox, repo, "show", "--json", "DEMO-3").stdout)
    assert as_json["key"] == "DEMO-3"
    assert as_json["status"]["key"] == status(sandbox, "DEMO-3")
    assert as_json["issue"]["summary"] == sandbox.state.issue("DEMO-3")["summary"]  # type: ignore[index]


def test_show_without_any_key_says_what_to_do(sandbox: SandboxHandle, repo: Path) -> None:
    message = one_line_error(tracker(sandbox, repo, "show"), 2)
    assert "branch 'main' carries no issue key" in message
    assert sandbox.requests == []


def test_show_errors_are_one_line(sandbox: SandboxHandle, repo: Path) -> None:
    assert "no issue DEMO-404" in one_line_error(tracker(sandbox, repo, "show", "DEMO-404"), 1)
    bad = tracker(sandbox, repo, "show", "DEMO-1", TRACKER_TOKEN="not-the-token")
    assert "git tracker login" in one_line_error(bad, 1)
    assert "not-the-token" not in bad.stderr


def test_move_lists_the_reachable_statuses(sandbox: SandboxHandle, repo: Path) -> None:
    message = one_line_error(tracker(sandbox, repo, "move", "closed", "DEMO-1"), 1)
    assert "reachable from here: inProgress (In progress)" in message
    assert status(sandbox, "DEMO-1") == "open"


def test_move_by_key_and_by_display_name(sandbox: SandboxHandle, repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "DEMO-1-x")
    assert tracker(sandbox, repo, "move", "inProgress").returncode == 0
    done = tracker(sandbox, repo, "move", "In review")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "DEMO-1 moved to In review"
    assert status(sandbox, "DEMO-1") == "inReview"
    same = tracker(sandbox, repo, "move", "inReview")
    assert same.returncode == 0 and "already in In review" in same.stdout


def test_move_needs_and_takes_a_resolution(sandbox: SandboxHandle, repo: Path) -> None:
    key = sandbox.state.add_issue("Tested", status="readyForTest")
    message = one_line_error(tracker(sandbox, repo, "move", "closed", key), 1)
    assert "--resolution (one of: fixed" in message
    done = tracker(sandbox, repo, "move", "closed", key, "--resolution", "fixed")
    assert done.returncode == 0, done.stderr
    issue = sandbox.state.issue(key)
    assert issue is not None and issue["status"] == "closed"


def test_comment(sandbox: SandboxHandle, repo: Path) -> None:
    done = tracker(sandbox, repo, "comment", "Deployed to staging", "DEMO-1")
    assert done.returncode == 0, done.stderr
    piped = tracker(sandbox, repo, "comment", "-", "DEMO-1", stdin="line one\nline two\n")
    assert piped.returncode == 0, piped.stderr
    texts = [c["text"] for c in sandbox.state.comments("DEMO-1")]
    assert texts == ["Deployed to staging", "line one\nline two"]
    one_line_error(tracker(sandbox, repo, "comment", "  ", "DEMO-1"), 2)


def test_stand_from_the_branch(sandbox: SandboxHandle, repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature/demo-1-login")
    done = tracker(sandbox, repo, "stand", "https://demo-1.stands.example.com")
    assert done.returncode == 0, done.stderr
    assert sandbox.state.issue("DEMO-1")[sandbox.stand_field] == "https://demo-1.stands.example.com"  # type: ignore[index]
    patches = [r for r in sandbox.requests if r["method"] == "PATCH"]
    assert [p["body"] for p in patches] == [
        {sandbox.stand_field: "https://demo-1.stands.example.com"}
    ]

    sandbox.clear_requests()
    again = tracker(sandbox, repo, "stand", "https://demo-1.stands.example.com")
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert [r for r in sandbox.requests if r["method"] != "GET"] == []


def test_stand_in_ci_from_github_head_ref_on_a_detached_head(
    sandbox: SandboxHandle, repo: Path
) -> None:
    git(repo, "switch", "-q", "--detach")
    done = tracker(
        sandbox, repo, "stand", "https://pr-7.example.com",
        GITHUB_HEAD_REF="DEMO-2-crash", GITHUB_REF_NAME="7/merge",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "DEMO-2 from $GITHUB_HEAD_REF" in done.stderr
    assert sandbox.state.issue("DEMO-2")[sandbox.stand_field] == "https://pr-7.example.com"  # type: ignore[index]


def test_stand_in_gitlab_ci(sandbox: SandboxHandle, repo: Path) -> None:
    git(repo, "switch", "-q", "--detach")
    done = tracker(
        sandbox, repo, "stand", "https://mr.example.com", CI_COMMIT_REF_NAME="demo-3-stand"
    )
    assert done.returncode == 0, done.stderr
    assert sandbox.state.issue("DEMO-3")[sandbox.stand_field] == "https://mr.example.com"  # type: ignore[index]


@pytest.mark.parametrize(
    "url", ["stand-1.example.com", "ftp://x.example.com", "https://user:pw@x.example.com"]
)
def test_stand_refuses_bad_urls_before_any_request(
    sandbox: SandboxHandle, repo: Path, url: str
) -> None:
    one_line_error(tracker(sandbox, repo, "stand", url, "DEMO-1"), 2)
    assert sandbox.requests == []


def test_stand_with_a_global_field_and_an_unknown_one(sandbox: SandboxHandle, repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text('[stand]\nfield = "nosuchfield"\n')
    message = one_line_error(tracker(sandbox, repo, "stand", "https://x.example.com", "DEMO-1"), 2)
    assert "no field 'nosuchfield'" in message
    done = tracker(sandbox, repo, "stand", "https://x.example.com", "DEMO-1", "--field", "summary")
    assert done.returncode == 0, done.stderr
    assert sandbox.state.issue("DEMO-1")["summary"] == "https://x.example.com"  # type: ignore[index]


def test_open_prints_or_hands_the_address_to_the_browser(
    sandbox: SandboxHandle, repo: Path, tmp_path: Path
) -> None:
    printed = tracker(sandbox, repo, "open", "--print", "DEMO-4")
    assert printed.stdout.strip() == f"{sandbox.url}/DEMO-4"
    seen = tmp_path / "browser-got"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" > '{seen}'\n")
    browser.chmod(0o755)
    done = tracker(sandbox, repo, "open", "DEMO-4", BROWSER=str(browser))
    assert done.returncode == 0, done.stderr
    assert seen.read_text().strip() == f"{sandbox.url}/DEMO-4"
    assert sandbox.requests == []  # the address needs no request


@pytest.mark.parametrize(
    "api_url",
    ["file://127.0.0.1/etc/passwd", "javascript://127.0.0.1/%0Aalert(1)", "ssh://127.0.0.1/x"],
)
def test_open_hands_only_http_and_https_to_the_browser(
    sandbox: SandboxHandle, repo: Path, tmp_path: Path, api_url: str
) -> None:
    """A repository file's api_url makes the issue's address; the browser gets no other
    scheme (issue 19 item 6)."""
    (repo / ".tracker-git.toml").write_text(f'[tracker]\napi_url = "{api_url}"\n')
    seen = tmp_path / "browser-got"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" > '{seen}'\n")
    browser.chmod(0o755)
    environ = {k: v for k, v in sandbox.env.items() if k != "TRACKER_API_URL"}
    done = subprocess.run(
        [GIT_TRACKER, "open", "DEMO-4"], cwd=repo, capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if k != "TRACKER_API_URL"}, **environ,
             "BROWSER": str(browser)},
    )  # fmt: skip
    assert "only http and https addresses are opened" in one_line_error(done, 1)
    assert not seen.exists()


def test_outside_a_repository(sandbox: SandboxHandle, tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    assert "not a git repository" in one_line_error(tracker(sandbox, outside, "show"), 2)
    done = tracker(sandbox, outside, "show", "DEMO-1")
    assert done.returncode == 0, done.stderr
    assert "not in a git repository" in one_line_error(
        tracker(sandbox, outside, "start", "DEMO-1"), 2
    )
