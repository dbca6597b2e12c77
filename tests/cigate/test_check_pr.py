"""`git tracker check pr` through the real console script, in shallow clones made the way
each CI's checkout makes them, with each CI's variables and event files."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from testing.fixtures_forges import bound_token
from testing.repos import git
from tests.cigate.helpers import (
    Upstream,
    bitbucket_variables,
    check_pr,
    commit,
    gitlab_runner_checkout,
    gitlab_variables,
)
from tracker_git.emulators import Emulator

GitHubEvent = Callable[..., dict[str, str]]


def github_clone(upstream: Upstream, number: int = 1) -> Path:
    """actions/checkout on a pull_request event: the test merge commit, depth 1."""
    return upstream.clone(
        f"gh-{number}", f"refs/pull/{number}/merge", f"refs/remotes/pull/{number}/merge"
    )


def no_traceback(proc: object) -> None:
    assert "Traceback" not in getattr(proc, "stderr", "")


# --- GitHub Actions ------------------------------------------------------------------------


def test_github_good_pull_request_passes_from_a_depth_1_merge_checkout(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    head = upstream.branch("DEV-7-login", "DEV-7: fix the login form", "DEV-7: and its test")
    upstream.pull_ref(1, head)
    clone = github_clone(upstream)
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    env = github_event("DEV-7: Login fails", "DEV-7-login", head, upstream.sha("main"))
    proc = check_pr(clone, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "the pull request passes: pull request title, source branch, 2 commit(s)\n"
    )


def test_github_problems_are_error_annotations(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    head = upstream.branch("topic", "DEV-7: fine", "no key here, 100%")
    upstream.pull_ref(1, head)
    clone = github_clone(upstream)
    env = github_event("Login fails", "topic", head, upstream.sha("main"))
    proc = check_pr(clone, env)
    assert proc.returncode == 1
    summary, *lines = proc.stdout.splitlines()
    assert summary.startswith("::error title=tracker-git::3 problem(s) in the pull request; ")
    assert "/docs/enforcement.md#git-tracker-check-pr" in summary  # the rules, linked
    assert len(lines) == 3, proc.stdout
    assert all(line.startswith("::error title=tracker-git%3A ") for line in lines)
    assert lines[0].startswith("::error title=tracker-git%3A pull request title::")
    assert "references no issue key" in lines[0] and "'Login fails'" in lines[0]
    assert lines[1].startswith("::error title=tracker-git%3A source branch::branch 'topic'")
    bad = upstream.sha("topic")[:10]
    assert lines[2].startswith(f"::error title=tracker-git%3A commit {bad}::commit {bad}")
    assert "100%25" in lines[2]  # escaped as the runner wants
    assert proc.stderr == ""


def test_github_fork_pull_request(upstream: Upstream, github_event: GitHubEvent) -> None:
    """A fork's branch is not in the upstream repository: only refs/pull/N/head is."""
    head = upstream.branch("feature", "DEV-9: from a fork")
    git(upstream.bare, "update-ref", "-d", "refs/heads/feature")
    upstream.pull_ref(4, head)
    clone = github_clone(upstream, 4)
    env = github_event(
        "DEV-9: fork work", "feature", head, upstream.sha("main"), number=4, fork=True
    )
    proc = check_pr(clone, env)
    assert proc.returncode == 1
    assert proc.stdout.count("::error title=tracker-git%3A ") == 1  # the branch only
    assert "branch 'feature' carries no issue key" in proc.stdout


def test_github_push_event_passes_saying_it_checks_pull_requests_only(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    env = {**github_event("t", "b", "0" * 40, "1" * 40), "GITHUB_EVENT_NAME": "push"}
    proc = check_pr(upstream.work, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "this GitHub Actions run is a 'push' event: 'git tracker check pr' checks pull "
        "requests only, nothing to check (--require-pr makes this a failure)\n"
    )
    proc = check_pr(upstream.work, env, "--require-pr")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: this GitHub Actions run is a 'push' event, and ")
    assert len(proc.stderr.splitlines()) == 1
    no_traceback(proc)


def test_title_or_description_from_the_base_config(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    (upstream.work / ".tracker-git.toml").write_text('[pr]\nkey_in = "title-or-description"\n')
    git(upstream.work, "add", ".tracker-git.toml")
    commit(upstream.work, "DEV-1: check descriptions too")
    git(upstream.work, "push", "-q", upstream.url, "main")
    head = upstream.branch("DEV-5-x", "DEV-5: work")
    upstream.pull_ref(1, head)
    clone = github_clone(upstream)
    base = upstream.sha("main")
    assert (
        check_pr(clone, github_event("Work", "DEV-5-x", head, base, body="Fixes DEV-5")).returncode
        == 0
    )
    proc = check_pr(clone, github_event("Work", "DEV-5-x", head, base, body="no key"))
    assert proc.returncode == 1
    assert "title and description reference no issue key" in proc.stdout


def test_the_pull_request_cannot_relax_its_own_gate(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    """The rules are the base's: a .tracker-git.toml the branch adds does not count."""
    git(upstream.work, "checkout", "-q", "-b", "anything")
    (upstream.work / ".tracker-git.toml").write_text('[hooks]\nexempt_branches = ["*"]\n')
    git(upstream.work, "add", ".tracker-git.toml")
    commit(upstream.work, "DEV-3: exempt everything")
    git(upstream.work, "push", "-q", upstream.url, "anything")
    git(upstream.work, "checkout", "-q", "main")
    head = upstream.sha("anything")
    upstream.pull_ref(1, head)
    proc = check_pr(
        github_clone(upstream), github_event("DEV-3: x", "anything", head, upstream.sha("main"))
    )
    assert proc.returncode == 1
    assert "branch 'anything' carries no issue key" in proc.stdout


# --- merges, reverts and the like --------------------------------------------------------


def test_merges_and_git_made_messages_pass_an_ordinary_merge_titled_commit_does_not(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    head = upstream.branch("DEV-4-work", "DEV-4: first")
    commit(upstream.work, "DEV-2: more on main")
    git(upstream.work, "push", "-q", upstream.url, "main")
    git(upstream.work, "checkout", "-q", "DEV-4-work")
    git(upstream.work, "merge", "-q", "--no-ff", "-m", "Merge branch 'main'", "main",
        env={**os.environ, "TRACKER_GIT_SKIP": "1"})  # fmt: skip
    git(upstream.work, "revert", "--no-edit", "HEAD~1", env={**os.environ, "TRACKER_GIT_SKIP": "1"})
    commit(upstream.work, "fixup! DEV-4: first")
    commit(upstream.work, "Merge sort fix")
    git(upstream.work, "push", "-q", upstream.url, "DEV-4-work")
    git(upstream.work, "checkout", "-q", "main")
    head = upstream.sha("DEV-4-work")
    upstream.pull_ref(1, head)
    proc = check_pr(
        github_clone(upstream), github_event("DEV-4: w", "DEV-4-work", head, upstream.sha("main"))
    )
    assert proc.returncode == 1
    assert proc.stdout.count("::error title=tracker-git%3A ") == 1
    assert "'Merge sort fix'" in proc.stdout


# --- shallow clones ----------------------------------------------------------------------


def test_a_long_branch_deepens_the_clone_in_rounds(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    head = upstream.branch("DEV-8-long", *[f"DEV-8: step {i}" for i in range(70)])
    upstream.pull_ref(1, head)
    clone = github_clone(upstream)
    proc = check_pr(clone, github_event("DEV-8: long", "DEV-8-long", head, upstream.sha("main")))
    assert proc.returncode == 0, proc.stderr
    assert "70 commit(s)" in proc.stdout


def test_when_nothing_can_be_fetched_it_names_the_fetch_depth_to_set(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    head = upstream.branch("DEV-8-x", "DEV-8: a", "DEV-8: b")
    upstream.pull_ref(1, head)
    clone = github_clone(upstream)
    git(clone, "remote", "set-url", "origin", f"file://{upstream.tmp}/gone.git")
    proc = check_pr(clone, github_event("DEV-8: x", "DEV-8-x", head, upstream.sha("main")))
    assert proc.returncode == 1
    assert "set 'fetch-depth: 0' on the actions/checkout step" in proc.stderr
    # git's reason is its first complaint, not the advice it ends with ("and the repository
    # exists.").
    assert "gone.git' does not appear to be a git repository)" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    no_traceback(proc)


def test_a_shallow_clone_the_remote_refuses_to_deepen_says_what_to_set(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    """Head and base are in the clone, but their history is not and cannot be fetched."""
    head = upstream.branch("DEV-8-x", "DEV-8: a", "DEV-8: b")
    upstream.pull_ref(1, head)
    clone = github_clone(upstream)
    git(clone, "fetch", "-q", "--depth=1", "origin", head, upstream.sha("main"))
    git(clone, "remote", "set-url", "origin", f"file://{upstream.tmp}/gone.git")
    proc = check_pr(clone, github_event("DEV-8: x", "DEV-8-x", head, upstream.sha("main")))
    assert proc.returncode == 2
    assert "too shallow" in proc.stderr and "fetch-depth: 0" in proc.stderr


# --- GitLab CI -----------------------------------------------------------------------------


def gitlab_clone(upstream: Upstream, head: str, iid: int = 1) -> Path:
    """The runner in a merge request pipeline: refs/merge-requests/IID/head, shallow."""
    git(upstream.work, "push", "-q", "-f", upstream.url, f"{head}:refs/merge-requests/{iid}/head")
    return upstream.clone(
        f"gl-{iid}", f"refs/merge-requests/{iid}/head", f"refs/remotes/origin/merge-requests/{iid}"
    )


def test_gitlab_merge_request_with_a_junit_report(upstream: Upstream, tmp_path: Path) -> None:
    head = upstream.branch("DEV-6-report", "DEV-6: one", "two without key")
    clone = gitlab_clone(upstream, head)
    env = gitlab_variables("Draft: DEV-6: report", "DEV-6-report", head, upstream.sha("main"))
    report = tmp_path / "tracker-git.xml"
    proc = check_pr(clone, env, "--junit", str(report))
    assert proc.returncode == 1
    assert "::error" not in proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "'two without key'" in errors[0]
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("4", "1")
    failed = [case.get("name") for case in suite if case.find("failure") is not None]
    assert failed == [f"commit {upstream.sha('DEV-6-report')[:10]} two without key"]


def test_gitlab_merged_results_pipeline_judges_the_source_head(upstream: Upstream) -> None:
    """In a merged results pipeline CI_COMMIT_SHA is the merge; the head is
    CI_MERGE_REQUEST_SOURCE_BRANCH_SHA."""
    head = upstream.branch("DEV-6-mr", "DEV-6: one")
    commit(upstream.work, "no key on main")  # on the target: not the MR's business
    git(upstream.work, "push", "-q", upstream.url, "main")
    merge = upstream.pull_ref(1, head)
    diff_base = git(upstream.work, "merge-base", "main", head).strip()
    clone = upstream.clone("gl-merged", "refs/pull/1/merge", "refs/remotes/merged")
    env = {
        **gitlab_variables("DEV-6: mr", "DEV-6-mr", merge, diff_base),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": head,
        "CI_MERGE_REQUEST_EVENT_TYPE": "merged_result",
    }
    proc = check_pr(clone, env)
    assert proc.returncode == 0, proc.stderr
    assert "1 commit(s)" in proc.stdout


def test_gitlab_branch_pipeline_passes_unless_a_merge_request_is_required(
    upstream: Upstream,
) -> None:
    env = {**gitlab_variables("t", "b", "0" * 40, "1" * 40), "CI_PIPELINE_SOURCE": "push"}
    del env["CI_MERGE_REQUEST_IID"]
    proc = check_pr(upstream.work, env)
    assert proc.returncode == 0, proc.stderr
    assert "a 'push' one, not a merge request's" in proc.stdout
    assert "checks pull requests only" in proc.stdout
    assert check_pr(upstream.work, env, "--require-pr").returncode == 1


def test_gitlab_merge_train_judges_the_merge_request_s_own_commits(upstream: Upstream) -> None:
    """A merge train's pipeline runs on a merge commit of the train's earlier merge requests
    and this one; CI_MERGE_REQUEST_SOURCE_BRANCH_SHA is this one's head."""
    earlier = upstream.branch("DEV-5-first", "no key: the earlier MR's problem")
    head = upstream.branch("DEV-6-train", "DEV-6: one")
    git(upstream.work, "checkout", "-q", "--detach", "main")
    git(upstream.work, "merge", "-q", "--no-ff", "--no-edit", earlier,
        env={**os.environ, "TRACKER_GIT_SKIP": "1"})  # fmt: skip
    git(upstream.work, "merge", "-q", "--no-ff", "--no-edit", head,
        env={**os.environ, "TRACKER_GIT_SKIP": "1"})  # fmt: skip
    train = upstream.sha("HEAD")
    git(upstream.work, "checkout", "-q", "main")
    git(upstream.work, "push", "-q", upstream.url, f"{train}:refs/merge-requests/2/train")
    clone = gitlab_runner_checkout(upstream, "gl-train", train)
    env = {
        **gitlab_variables("DEV-6: train", "DEV-6-train", train, upstream.sha("main"), iid=2),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": head,
        "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": upstream.sha("main"),
        "CI_MERGE_REQUEST_EVENT_TYPE": "merge_train",
    }
    proc = check_pr(clone, env)
    assert proc.returncode == 0, proc.stderr
    assert "1 commit(s)" in proc.stdout


# --- Bitbucket Pipelines --------------------------------------------------------------------


def bitbucket_clone(upstream: Upstream, branch: str) -> Path:
    """Pipelines clones the source branch only (here at depth 1)."""
    return upstream.clone(f"bb-{branch}", f"refs/heads/{branch}", f"refs/remotes/origin/{branch}")


def test_bitbucket_without_a_token_checks_branch_and_commits_and_says_so(
    upstream: Upstream,
) -> None:
    head = upstream.branch("DEV-2-bb", "DEV-2: a", "DEV-2: b")
    proc = check_pr(bitbucket_clone(upstream, "DEV-2-bb"), bitbucket_variables("DEV-2-bb", head))
    assert proc.returncode == 0, proc.stderr
    assert "set BITBUCKET_TOKEN as a secured variable to check it too" in proc.stderr
    assert proc.stdout == "the pull request passes: source branch, 2 commit(s)\n"


def test_bitbucket_with_a_token_reads_the_title_from_the_api(
    upstream: Upstream, start_forge: Callable[..., Emulator]
) -> None:
    forge = start_forge("bitbucket-cloud", token="bb-token")
    head = upstream.branch("DEV-2-bb", "DEV-2: a")
    created = forge_pr(forge, "No key in this title", "DEV-2-bb")
    env = {
        **bitbucket_variables("DEV-2-bb", head, pr_id=created),
        **bound_token(forge.url, "bb-token"),
        "TRACKER_GIT_FORGE_API_URL": forge.url,
    }
    proc = check_pr(bitbucket_clone(upstream, "DEV-2-bb"), env)
    assert proc.returncode == 1
    assert "the pull request title references no issue key" in proc.stderr
    assert "'No key in this title'" in proc.stderr
    assert "bb-token" not in proc.stderr + proc.stdout


def forge_pr(forge: Emulator, title: str, branch: str) -> int:
    import requests

    answer = requests.post(
        f"{forge.url}/repositories/{forge.repo}/pullrequests",
        json={"title": title, "source": {"branch": {"name": branch}}},
        headers={"Authorization": f"Bearer {forge.token}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


# --- anywhere else --------------------------------------------------------------------------


def test_outside_ci_the_options_say_it_all(upstream: Upstream) -> None:
    upstream.branch("DEV-3-local", "DEV-3: a", "nothing")
    git(upstream.work, "checkout", "-q", "DEV-3-local")
    proc = check_pr(upstream.work, {}, "--base", "main", "--title", "DEV-3: local")
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0].startswith("error: commit ")
    proc = check_pr(upstream.work, {}, "--base", "main", "--head", "HEAD~1", "--branch", "DEV-3-x")
    assert proc.returncode == 0, proc.stderr
    assert "no pull request title given" in proc.stderr


def test_outside_ci_without_a_base_is_a_usage_error(upstream: Upstream) -> None:
    proc = check_pr(upstream.work, {})
    assert proc.returncode == 2
    assert "--base" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_online_asks_tracker_whether_the_keys_exist(upstream: Upstream, sandbox: object) -> None:
    env = dict(sandbox.env)  # type: ignore[attr-defined]
    upstream.branch("DEMO-1-x", "DEMO-1: exists", "DEMO-999: does not")
    git(upstream.work, "checkout", "-q", "DEMO-1-x")
    proc = check_pr(upstream.work, env, "--base", "main", "--title", "DEMO-1: t", "--online")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: Tracker has no issue DEMO-999")
    assert sandbox.token not in proc.stderr  # type: ignore[attr-defined]
    ok = check_pr(upstream.work, env, "--base", "main", "--head", "HEAD~1", "--online")
    assert ok.returncode == 0, ok.stderr


def test_event_file_that_is_not_json(upstream: Upstream, tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text("{not json")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
    }
    proc = check_pr(upstream.work, env)
    assert proc.returncode == 2 and "is not JSON" in proc.stderr


# --- adoption: [hooks] since and the no-issue markers (from the base's config) ----------------


def base_config(upstream: Upstream, text: str) -> None:
    (upstream.work / ".tracker-git.toml").write_text(text)
    git(upstream.work, "add", ".tracker-git.toml")
    commit(upstream.work, "DEV-1: configure tracker-git")
    git(upstream.work, "push", "-q", upstream.url, "main")


def test_no_issue_markers_pass_titles_and_commits(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    base_config(upstream, '[hooks]\nallow_without_key = ["MINOR"]\n')
    head = upstream.branch("DEV-3-deps", "MINOR: bump a dependency", "minor: not the marker")
    upstream.pull_ref(1, head)
    env = github_event("MINOR: bump deps", "DEV-3-deps", head, upstream.sha("main"))
    proc = check_pr(github_clone(upstream), env)
    assert proc.returncode == 1
    assert (
        proc.stdout.count("::error title=tracker-git%3A ") == 1
    )  # the marker is written as configured, case counts
    assert "'minor: not the marker'" in proc.stdout


def test_a_backdated_commit_does_not_dodge_a_since_date(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    """`since = <date>` stands for the target's last commit before the date: commits the
    pull request brings are judged whatever their dates. With git's --since, one backdated
    commit on top hid itself and every commit under it."""
    base_config(upstream, '[hooks]\nsince = "2021-01-01"\n')
    git(upstream.work, "checkout", "-q", "-b", "DEV-4-legacy", "main")
    commit(upstream.work, "new work without key")
    old = {"GIT_COMMITTER_DATE": "2020-06-01T12:00:00", "GIT_AUTHOR_DATE": "2020-06-01T12:00:00"}
    git(upstream.work, "commit", "-q", "--allow-empty", "-m", "backdated work without key",
        env={**os.environ, "TRACKER_GIT_SKIP": "1", **old})  # fmt: skip
    git(upstream.work, "push", "-q", upstream.url, "DEV-4-legacy")
    git(upstream.work, "checkout", "-q", "main")
    head = upstream.sha("DEV-4-legacy")
    upstream.pull_ref(1, head)
    env = github_event("DEV-4: legacy", "DEV-4-legacy", head, upstream.sha("main"))
    proc = check_pr(github_clone(upstream), env)
    assert proc.returncode == 1
    assert proc.stdout.count("::error title=tracker-git%3A ") == 2, proc.stdout
    assert "'new work without key'" in proc.stdout
    assert "'backdated work without key'" in proc.stdout


def test_since_naming_a_commit_leaves_it_and_what_came_before_out(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    git(upstream.work, "checkout", "-q", "-b", "DEV-5-adopt", "main")
    commit(upstream.work, "before adoption, no key", name="adopt")
    adopted = upstream.sha("HEAD")
    commit(upstream.work, "after adoption, no key", name="adopt")
    git(upstream.work, "push", "-q", upstream.url, "DEV-5-adopt")
    git(upstream.work, "checkout", "-q", "main")
    base_config(upstream, f'[hooks]\nsince = "{adopted}"\n')
    head = upstream.sha("DEV-5-adopt")
    upstream.pull_ref(1, head)
    env = github_event("DEV-5: adopt", "DEV-5-adopt", head, upstream.sha("main"))
    proc = check_pr(github_clone(upstream), env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count("::error title=tracker-git%3A ") == 1
    assert "'after adoption, no key'" in proc.stdout


# --- readable results on GitHub -----------------------------------------------------------------


def test_a_30_commit_pull_request_gives_10_annotations_a_summary_table_and_outputs(
    upstream: Upstream, github_event: GitHubEvent, tmp_path: Path
) -> None:
    """GitHub shows 10 error annotations per step: the summary first, 8 problems, "and N
    more"; every problem is still in the log and in the step summary's table, where a commit
    subject's Markdown and HTML stay text; the step's outputs say the verdict."""
    messages = [f"no key {i}" for i in range(29)] + ["<img src=x> [a](http://evil.example) | x"]
    head = upstream.branch("DEV-9-many", *messages)
    upstream.pull_ref(1, head)
    summary_file, output_file = tmp_path / "summary.md", tmp_path / "output"
    env = {
        **github_event("DEV-9: many", "DEV-9-many", head, upstream.sha("main")),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_OUTPUT": str(output_file),
    }
    proc = check_pr(github_clone(upstream), env)
    assert proc.returncode == 1
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 10
    assert annotations[0].startswith("::error title=tracker-git::30 problem(s)")
    assert annotations[-1] == (
        "::error title=tracker-git%3A and more::and 22 more problem(s): in the job's log and "
        "its summary"
    )
    for i in range(29):
        assert f"'no key {i}'" in proc.stdout  # none lost
    table = summary_file.read_text()
    assert table.startswith("### tracker-git: 30 problem(s) in the pull request\n")
    assert table.count("| ❌ |") == 30 and table.count("| ✅ |") == 2  # title, branch
    assert "<img" not in table and "[a](" not in table
    assert "&lt;img src=x&gt; \\[a\\](http://evil.example) \\| x" in table
    assert output_file.read_text() == "verdict=fail\nproblems=30\ncommits=30\n"


def test_a_passing_pull_request_writes_its_table_and_outputs_too(
    upstream: Upstream, github_event: GitHubEvent, tmp_path: Path
) -> None:
    head = upstream.branch("DEV-9-ok", "DEV-9: fine")
    upstream.pull_ref(1, head)
    summary_file, output_file = tmp_path / "summary.md", tmp_path / "output"
    env = {
        **github_event("DEV-9: ok", "DEV-9-ok", head, upstream.sha("main")),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_OUTPUT": str(output_file),
    }
    proc = check_pr(github_clone(upstream), env)
    assert proc.returncode == 0, proc.stderr
    assert "::" not in proc.stdout
    assert summary_file.read_text().count("| ✅ |") == 3
    assert output_file.read_text() == "verdict=pass\nproblems=0\ncommits=1\n"
