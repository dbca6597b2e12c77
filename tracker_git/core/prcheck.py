"""The checks a pull request must pass (`git tracker check pr`): its title (or title and
description, `[pr] key_in`), its source branch, and every commit from where it branches off
to its head (`[hooks] since` honoured), each judged by the same rules as the hooks
(tracker_git.core.checks, .history).

This module judges what it is given; reading the pull request from a CI's variables and
making sure the commits are in the clone is tracker_git.cigate's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker_git.core import checks, history
from tracker_git.core.config import Config


@dataclass(frozen=True)
class PullRequest:
    """What is judged. title None: not known (then not judged); branch None: not known.
    base and head are commits (shas): the commits judged are those of `head` not in `base`."""

    title: str | None
    description: str | None
    branch: str | None
    base: str
    head: str


@dataclass(frozen=True)
class Verdict:
    """One thing judged: `what` is "title", "branch" or "commit"; `name` says which
    (the title, the branch name, `<sha10> <subject>`); `problem` is None when it passes."""

    what: str
    name: str
    problem: str | None
    sha: str = ""


def revisions(pr: PullRequest, config: Config, cwd: str | None = None) -> list[str]:
    """The pull request's own commits as `git log` arguments: head, not base, and nothing
    from before `[hooks] since`."""
    since = history.since_revisions(config.hooks.since, pr.base, cwd)
    return [pr.head, f"^{pr.base}", *since]


def judge_title(pr: PullRequest, config: Config) -> list[Verdict]:
    """The title (and description, `[pr] key_in`) only: `[pr] check = "title"`, for teams
    whose squash merge makes the title the one commit message."""
    if pr.title is None:
        return []
    return [Verdict("title", pr.title, checks.check_pr_text(pr.title, pr.description, config))]


def judge(pr: PullRequest, config: Config, cwd: str | None = None) -> list[Verdict]:
    """Every verdict, title and branch first, then the commits oldest first."""
    verdicts = judge_title(pr, config)
    if pr.branch is not None:
        verdicts.append(Verdict("branch", pr.branch, checks.check_branch(pr.branch, config)))
    commits = history.judged(revisions(pr, config, cwd), config, cwd)
    for sha, _, subject, problem in reversed(commits):
        verdicts.append(Verdict("commit", f"{sha[:10]} {subject[:72]}", problem, sha))
    return verdicts


def keys_of(pr: PullRequest, config: Config, cwd: str | None = None) -> list[str]:
    """The issue keys the pull request references (title, description, branch, commit
    messages), each once: what `--online` asks Tracker about."""
    found: list[str] = []
    for text in (pr.title, pr.description):
        if text:
            found += checks.message_keys(text, config)
    branch_key = checks.branch_key(pr.branch, config)
    if branch_key:
        found.append(branch_key)
    for _, _, body in history.commits(revisions(pr, config, cwd), cwd):
        found += checks.message_keys(body, config)
    return list(dict.fromkeys(found))
