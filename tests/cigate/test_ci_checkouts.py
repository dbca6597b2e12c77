"""`check pr` on checkouts built exactly as each CI builds them (tests/cigate/helpers.py:
actions_checkout, gitlab_runner_checkout, bitbucket_checkout), at each CI's default depth:
the commits listed are the pull request's, against the target branch's tip as the remote
has it (a full ref), judged by the rules at that tip."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from testing.repos import git
from tests.cigate.helpers import (
    NO_HOOKS,
    Upstream,
    actions_checkout,
    actions_run,
    bitbucket_checkout,
    bitbucket_variables,
    check_pr,
    gitlab_runner_checkout,
    gitlab_variables,
)

GitHubEvent = Callable[..., dict[str, str]]


class Clock:
    """Commits a day apart, as a project's history is, so dates say what is older."""

    def __init__(self) -> None:
        self.now = int(time.time()) - 3000 * 86400

    def env(self) -> dict[str, str]:
        self.now += 86400
        stamp = f"@{self.now} +0000"
        return {**os.environ, **NO_HOOKS, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}

    def commits(self, repo: Path, *messages: str) -> str:
        for message in messages:
            git(repo, "commit", "-q", "--allow-empty", "-m", message, env=self.env())
        return git(repo, "rev-parse", "HEAD").strip()

    def merge(self, repo: Path, other: str) -> str:
        git(repo, "merge", "-q", "--no-ff", "--no-edit", other, env=self.env())
        return git(repo, "rev-parse", "HEAD").strip()


def push(upstream: Upstream, *refs: str) -> None:
    git(upstream.work, "push", "-q", "-f", upstream.url, *[f"{r}:refs/heads/{r}" for r in refs])


def keys(prefix: str, count: int) -> list[str]:
    return [f"DEV-1: {prefix} {i}" for i in range(count)]


# --- the commits listed: history complete on both sides ------------------------------------


def merged_main_twice(upstream: Upstream) -> str:
    """main holds a release bot's keyless commit; DEV-7-login merged main after it, twice,
    and main moved on. At the CI's depth main's path to that commit is cut while the
    branch's (through its first merge) is not: it looked like the branch's own (a false
    failure). Returns the branch's head."""
    clock, work = Clock(), upstream.work
    git(work, "checkout", "-q", "-b", "DEV-7-login")
    clock.commits(work, "DEV-7: start the login form")
    git(work, "checkout", "-q", "main")
    clock.commits(work, "chore(release): 1.4.0", *keys("main a", 10))
    git(work, "checkout", "-q", "DEV-7-login")
    clock.merge(work, "main")
    git(work, "checkout", "-q", "main")
    clock.commits(work, *keys("main b", 30))
    git(work, "checkout", "-q", "DEV-7-login")
    clock.merge(work, "main")
    head = clock.commits(work, "DEV-7: finish the login form")
    git(work, "checkout", "-q", "main")
    clock.commits(work, *keys("main c", 30))
    push(upstream, "main", "DEV-7-login")
    return head


def test_github_depth_1_branch_that_merged_main_twice_past_a_keyless_release_commit(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    head = merged_main_twice(upstream)
    merge = upstream.pull_ref(1, head)
    clone = actions_checkout(upstream, "gh", "refs/pull/1/merge", merge)
    env = github_event("DEV-7: Login form", "DEV-7-login", head, upstream.sha("main"))
    proc = check_pr(clone, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 commit(s)" in proc.stdout  # the two of the branch and its two merges


def test_gitlab_depth_20_branch_that_merged_main_twice_past_a_keyless_release_commit(
    upstream: Upstream,
) -> None:
    head = merged_main_twice(upstream)
    diff_base = git(upstream.work, "merge-base", "main", head).strip()
    git(upstream.work, "push", "-q", upstream.url, f"{head}:refs/merge-requests/1/head")
    clone = gitlab_runner_checkout(upstream, "gl", head)
    proc = check_pr(clone, gitlab_variables("DEV-7: Login", "DEV-7-login", head, diff_base))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 commit(s)" in proc.stdout


def test_a_young_branch_on_a_long_main_stays_shallow(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    """Complete enough is not everything: the cut on main's side is older than the branch."""
    clock, work = Clock(), upstream.work
    clock.commits(work, *keys("old", 400))
    head = clock.commits(work, "DEV-2: work")  # on main, then moved to the branch
    git(work, "branch", "-f", "DEV-2-x", head)
    git(work, "reset", "-q", "--hard", "HEAD~1")
    clock.commits(work, *keys("new", 3))
    push(upstream, "main", "DEV-2-x")
    merge = upstream.pull_ref(1, head)
    clone = actions_checkout(upstream, "gh", "refs/pull/1/merge", merge)
    proc = check_pr(clone, github_event("DEV-2: x", "DEV-2-x", head, upstream.sha("main")))
    assert proc.returncode == 0, proc.stderr
    assert "1 commit(s)" in proc.stdout
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    assert int(git(clone, "rev-list", "--count", "--all").strip()) < 120


def test_github_fork_pull_request_with_a_stale_base_sha_judged_against_main_now(
    upstream: Upstream, github_event: GitHubEvent
) -> None:
    """The event's base.sha is main when the pull request was last pushed; main has since
    taken the branch's first commit (cherry-picked upstream as is): the target's tip counts."""
    clock, work = Clock(), upstream.work
    git(work, "checkout", "-q", "-b", "topic")
    first = clock.commits(work, "no key, taken upstream")
    head = clock.commits(work, "DEV-3: the rest")
    git(work, "checkout", "-q", "main")
    stale = upstream.sha("main")
    git(work, "merge", "-q", "--ff-only", first)
    git(upstream.work, "push", "-q", upstream.url, "main")
    git(upstream.work, "push", "-q", upstream.url, f"{head}:refs/pull/5/head")
    merge = upstream.pull_ref(5, head)
    clone = actions_checkout(upstream, "gh", "refs/pull/5/merge", merge)
    proc = check_pr(clone, github_event("DEV-3: t", "topic", head, stale, number=5, fork=True))
    assert proc.returncode == 1  # the branch name only
    assert (
        proc.stdout.count("::error title=tracker-git%3A ") == 1 and "branch 'topic'" in proc.stdout
    )


# --- the rules at the target's tip ----------------------------------------------------------


def tighten_rules(upstream: Upstream, clock: Clock) -> None:
    """main allowed MINOR commits without a key; later it no longer does."""
    work = upstream.work
    (work / ".tracker-git.toml").write_text('[hooks]\nallow_without_key = ["MINOR"]\n')
    git(work, "add", ".tracker-git.toml")
    clock.commits(work, "DEV-1: allow MINOR")


def test_gitlab_rules_are_the_target_tip_s_not_the_merge_base_s(upstream: Upstream) -> None:
    clock, work = Clock(), upstream.work
    tighten_rules(upstream, clock)
    git(work, "checkout", "-q", "-b", "DEV-6-mr")
    head = clock.commits(work, "DEV-6: one", "MINOR: bump a pin")
    git(work, "checkout", "-q", "main")
    diff_base = upstream.sha("main")
    git(work, "rm", "-q", ".tracker-git.toml")
    clock.commits(work, "DEV-1: every commit needs a key now")
    push(upstream, "main", "DEV-6-mr")
    git(work, "push", "-q", upstream.url, f"{head}:refs/merge-requests/1/head")
    clone = gitlab_runner_checkout(upstream, "gl", head)
    proc = check_pr(clone, gitlab_variables("DEV-6: mr", "DEV-6-mr", head, diff_base))
    assert proc.returncode == 1, proc.stderr
    assert "'MINOR: bump a pin'" in proc.stderr


# --- full refs: no tag or local branch stands in for the target ------------------------------


def test_bitbucket_a_tag_named_like_the_target_does_not_stand_in_for_it(
    upstream: Upstream,
) -> None:
    clock, work = Clock(), upstream.work
    git(work, "checkout", "-q", "-b", "DEV-2-bb")
    head = clock.commits(work, "DEV-2: a", "no key here")
    git(work, "checkout", "-q", "main")
    push(upstream, "DEV-2-bb")
    git(work, "push", "-q", upstream.url, f"{head}:refs/tags/main")  # a tag named main
    clone = bitbucket_checkout(upstream, "bb", "DEV-2-bb", head)
    assert git(clone, "rev-parse", "main").strip() == head  # git's lookup finds the tag
    proc = check_pr(clone, bitbucket_variables("DEV-2-bb", head))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "'no key here'" in proc.stderr


def test_base_origin_main_in_a_depth_1_checkout(upstream: Upstream) -> None:
    """The docs' example outside a pull request event: `--base origin/main` in a clone that
    fetched one commit of the branch and no origin/main at all."""
    clock, work = Clock(), upstream.work
    git(work, "checkout", "-q", "-b", "DEV-4-x")
    head = clock.commits(work, "DEV-4: a", "DEV-4: b")
    git(work, "checkout", "-q", "main")
    push(upstream, "DEV-4-x")
    clone = actions_checkout(upstream, "push", "refs/heads/DEV-4-x", head)
    proc = check_pr(clone, {}, "--base", "origin/main", "--branch", "DEV-4-x")
    assert proc.returncode == 0, proc.stderr
    assert "2 commit(s)" in proc.stdout


# --- merge queues ------------------------------------------------------------------------------

EVENTS = Path(__file__).parent / "events"


def merge_group_event(tmp_path: Path, head: str, base: str) -> dict[str, str]:
    """GitHub's recorded merge_group example with this repository's shas, and the variables
    of a run on it (GITHUB_REF is the queue's temporary branch)."""
    event = json.loads((EVENTS / "merge_group.checks_requested.json").read_text())
    group = event["merge_group"]
    group["head_sha"], group["base_sha"] = head, base
    group["head_commit"]["id"] = head
    return actions_run(tmp_path / "merge_group.json", "merge_group", event) | {
        "GITHUB_REF": group["head_ref"],
        "GITHUB_SHA": head,
        "GITHUB_BASE_REF": "",
        "GITHUB_HEAD_REF": "",
    }


def queue(upstream: Upstream, clock: Clock, *messages: str) -> tuple[Path, str]:
    """A pull request's commits merged by the queue onto main on its temporary branch,
    checked out as actions/checkout does for merge_group (that branch, depth 1)."""
    work = upstream.work
    git(work, "checkout", "-q", "-b", "DEV-8-q")
    head = clock.commits(work, *messages)
    git(work, "checkout", "-q", "--detach", "main")
    git(work, "merge", "-q", "--no-ff", "-m", "Merge pull request #104 from octo/DEV-8-q\n\n"
        "DEV-8: queue", head, env=clock.env())  # fmt: skip
    group = git(work, "rev-parse", "HEAD").strip()
    git(work, "checkout", "-q", "main")
    ref = f"refs/heads/gh-readonly-queue/main/pr-104-{upstream.sha('main')}"
    git(work, "push", "-q", upstream.url, f"{group}:{ref}")
    return actions_checkout(upstream, "mq", ref, group), group


def test_merge_group_judges_the_group_s_commits(upstream: Upstream, tmp_path: Path) -> None:
    clone, group = queue(upstream, Clock(), "DEV-8: one", "DEV-8: two")
    proc = check_pr(clone, merge_group_event(tmp_path, group, upstream.sha("main")))
    assert proc.returncode == 0, proc.stderr
    assert "3 commit(s)" in proc.stdout  # two and the queue's merge
    assert "merge queue" in proc.stderr


def test_merge_group_with_a_keyless_commit_fails(upstream: Upstream, tmp_path: Path) -> None:
    clone, group = queue(upstream, Clock(), "DEV-8: one", "no key")
    proc = check_pr(clone, merge_group_event(tmp_path, group, upstream.sha("main")))
    assert proc.returncode == 1
    assert proc.stdout.count("::error title=tracker-git%3A ") == 1 and "'no key'" in proc.stdout


# --- exemptions, from the target's .tracker-git.toml -------------------------------------------


def pr_event(tmp_path: Path, name: str, **changes: object) -> dict[str, str]:
    """A recorded pull_request event (tests/cigate/events) with `changes` in pull_request."""
    event = json.loads((EVENTS / name).read_text())
    pr = event["pull_request"]
    for key, value in changes.items():
        where, _, field = key.rpartition("__")
        (pr[where] if where else pr)[field] = value
    return actions_run(tmp_path / f"event-{name}", "pull_request", event)


def keyless_pr(upstream: Upstream, config: str | None = None) -> tuple[Path, dict[str, object]]:
    clock, work = Clock(), upstream.work
    if config is not None:
        (work / ".tracker-git.toml").write_text(config)
        git(work, "add", ".tracker-git.toml")
        clock.commits(work, "DEV-1: configure")
    git(work, "checkout", "-q", "-b", "bump-deps")
    head = clock.commits(work, "Bump requests from 2.31 to 2.32")
    git(work, "checkout", "-q", "main")
    push(upstream, "main", "bump-deps")
    merge = upstream.pull_ref(1, head)
    clone = actions_checkout(upstream, "gh", "refs/pull/1/merge", merge)
    fields: dict[str, object] = {
        "title": "Bump requests from 2.31 to 2.32",
        "head__ref": "bump-deps",
        "head__sha": head,
        "base__ref": "main",
        "base__sha": upstream.sha("main"),
    }
    return clone, fields


def test_dependabot_s_pull_requests_pass_by_default_others_do_not(
    upstream: Upstream, tmp_path: Path
) -> None:
    clone, fields = keyless_pr(upstream)
    bot = {**fields, "user__login": "dependabot[bot]", "user__type": "Bot"}
    proc = check_pr(clone, pr_event(tmp_path, "pull_request.opened.json", **bot))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "by dependabot[bot], exempt by [pr] exempt_authors" in proc.stdout
    proc = check_pr(clone, pr_event(tmp_path, "pull_request.opened.json", **fields))
    assert proc.returncode == 1  # Codertocat's


def test_the_pull_request_cannot_exempt_its_own_author(upstream: Upstream, tmp_path: Path) -> None:
    """exempt_authors is read at the target's tip: a branch that adds itself does nothing."""
    clone, fields = keyless_pr(upstream)
    work = upstream.work
    git(work, "checkout", "-q", "bump-deps")
    (work / ".tracker-git.toml").write_text('[pr]\nexempt_authors = ["Codertocat"]\n')
    git(work, "add", ".tracker-git.toml")
    head = Clock().commits(work, "Exempt me")
    git(work, "checkout", "-q", "main")
    push(upstream, "bump-deps")
    merge = upstream.pull_ref(1, head)
    clone = actions_checkout(upstream, "gh2", "refs/pull/1/merge", merge)
    proc = check_pr(clone, pr_event(tmp_path, "pull_request.opened.json",
                                    **{**fields, "head__sha": head}))  # fmt: skip
    assert proc.returncode == 1
    assert "exempt" not in proc.stdout


def test_title_only_mode_judges_the_title_alone(upstream: Upstream, tmp_path: Path) -> None:
    clone, fields = keyless_pr(upstream, '[pr]\ncheck = "title"\n')
    proc = check_pr(clone, pr_event(tmp_path, "pull_request.opened.json", **fields))
    assert proc.returncode == 1
    assert proc.stdout.count("::error title=tracker-git%3A ") == 1
    assert "pull request title" in proc.stdout
    good = {**fields, "title": "DEV-4: Bump requests"}
    proc = check_pr(clone, pr_event(tmp_path, "pull_request.opened.json", **good))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == "the pull request passes: pull request title, 0 commit(s)\n"


def test_drafts_skipped_when_the_target_says_so(upstream: Upstream, tmp_path: Path) -> None:
    clone, fields = keyless_pr(upstream, '[pr]\ndrafts = "skip"\n')
    proc = check_pr(clone, pr_event(tmp_path, "pull_request.converted_to_draft.json", **fields))
    assert proc.returncode == 0, proc.stdout
    assert "is a draft" in proc.stdout
    ready = {**fields, "draft": False}
    assert check_pr(clone, pr_event(tmp_path, "pull_request.opened.json", **ready)).returncode == 1


def test_online_on_a_fork_pull_request_without_a_token_is_a_note(
    upstream: Upstream, tmp_path: Path
) -> None:
    clone, fields = keyless_pr(upstream)
    fork = {**fields, "title": "DEV-4: bump", "head__ref": "DEV-4-bump"}
    event = pr_event(tmp_path, "pull_request.opened.json", **fork)
    data = json.loads(Path(event["GITHUB_EVENT_PATH"]).read_text())
    data["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World"
    Path(event["GITHUB_EVENT_PATH"]).write_text(json.dumps(data))
    proc = check_pr(clone, {**event, "TRACKER_ORG_ID": "1"}, "--online")
    assert proc.returncode == 1, proc.stderr  # the keyless commit, not the missing token
    assert "note: no TRACKER_TOKEN in this run" in proc.stderr
    assert proc.stdout.count("::error title=tracker-git%3A ") == 1


def test_online_without_a_token_in_the_repository_s_own_pull_request_names_the_secret(
    upstream: Upstream, tmp_path: Path
) -> None:
    clone, fields = keyless_pr(upstream)
    event = pr_event(tmp_path, "pull_request.opened.json", **{**fields, "title": "DEV-4: b"})
    proc = check_pr(clone, {**event, "TRACKER_ORG_ID": "1"}, "--online")
    assert proc.returncode == 1
    line = proc.stderr.strip()
    assert line.startswith("error: cannot check issue keys with Tracker: ")
    assert "give the job the TRACKER_TOKEN secret" in line
    assert "TRACKER_GIT_SKIP" not in line and len(line.splitlines()) == 1
