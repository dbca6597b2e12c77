"""tracker_git.core.prcheck, the verdicts of `git tracker check pr`, in-process: the pull
request's title, its branch and its own commits (oldest first, merges and `[hooks] since`
honoured) in a real repository, and the keys `--online` asks Tracker about."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import prcheck
from tracker_git.core.config import Config, key, load
from tracker_git.core.prcheck import PullRequest, Verdict

LONG = "DEV-6: " + "a subject longer than a line of the report should ever be, " * 2


def config(**values: object) -> Config:
    return load(None, overrides={key(name): value for name, value in values.items()})


class Repo:
    """main with one commit past the initial one, and the pull request's branch off it:
    a good commit, a keyless one, a merge of main (no key needed), a long subject."""

    def __init__(self, path: Path) -> None:
        self.path = make_repo(path)
        self.commit("DEV-1: on main before the branch")
        git(path, "checkout", "-q", "-b", "DEV-5-login")
        self.first = self.commit("DEV-5: first of the branch\n\nDEV-8 is related")
        self.keyless = self.commit("no key here")
        git(path, "checkout", "-q", "main")
        self.main_later = self.commit("DEV-2: on main after the branch")
        git(path, "checkout", "-q", "DEV-5-login")
        git(path, "merge", "-q", "--no-ff", "--no-verify", "-m", "Merge main", "main")
        self.merge = git(path, "rev-parse", "HEAD").strip()
        self.long = self.commit(LONG)
        self.base = self.main_later
        self.cwd = str(path)

    def commit(self, text: str) -> str:
        git(self.path, "commit", "-q", "--allow-empty", "--no-verify", "-m", text)
        return git(self.path, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return Repo(tmp_path_factory.mktemp("prcheck") / "repo")


def pull_request(repo: Repo, title: str | None, branch: str | None = "DEV-5-login") -> PullRequest:
    return PullRequest(title, "Fixes DEV-9 and DEV-5", branch, repo.base, repo.long)


def test_every_verdict_title_and_branch_first_then_the_commits_oldest_first(repo: Repo) -> None:
    verdicts = prcheck.judge(pull_request(repo, "Login fails", "topic"), config(), repo.cwd)
    no_key = "references no issue key: it needs an issue key such as DEV-123"
    assert verdicts == [
        Verdict("title", "Login fails", f"the pull request title {no_key}"),
        Verdict(
            "branch",
            "topic",
            "branch 'topic' carries no issue key: tracker-git wants an issue key such as DEV-123 in "
            "every branch name but main, master, develop, release/*; rename it with: "
            "git branch -m 'DEV-123-topic'",
        ),
        Verdict("commit", f"{repo.first[:10]} DEV-5: first of the branch", None, repo.first),
        Verdict(
            "commit",
            f"{repo.keyless[:10]} no key here",
            f"the commit message {no_key}",
            repo.keyless,
        ),
        Verdict("commit", f"{repo.merge[:10]} Merge main", None, repo.merge),
        Verdict("commit", f"{repo.long[:10]} {LONG[:72]}", None, repo.long),
    ]
    assert len(verdicts[-1].name) == 10 + 1 + 72
    assert (verdicts[0].sha, verdicts[1].sha) == ("", "")  # the title and branch have none


def test_a_good_title_and_branch_pass_and_unknown_ones_are_not_judged(repo: Repo) -> None:
    verdicts = prcheck.judge(pull_request(repo, "DEV-5: Login fails"), config(), repo.cwd)
    assert [(v.what, v.name, v.problem) for v in verdicts[:2]] == [
        ("title", "DEV-5: Login fails", None),
        ("branch", "DEV-5-login", None),
    ]
    unknown = prcheck.judge(pull_request(repo, None, None), config(), repo.cwd)
    assert [v.what for v in unknown] == ["commit"] * 4
    assert prcheck.judge_title(pull_request(repo, None), config()) == []


def test_the_title_alone_and_a_key_in_the_description(repo: Repo) -> None:
    pr = pull_request(repo, "Login fails")
    assert prcheck.judge_title(pr, config()) == [
        Verdict(
            "title",
            "Login fails",
            "the pull request title references no issue key: it needs an issue key such as DEV-123",
        )
    ]
    either = config(**{"pr.key_in": "title-or-description"})
    assert prcheck.judge_title(pr, either) == [Verdict("title", "Login fails", None)]


def test_since_leaves_out_the_commits_it_names_and_those_before(repo: Repo) -> None:
    pr = pull_request(repo, None, None)
    since = config(**{"hooks.since": repo.keyless})
    assert prcheck.revisions(pr, config(), repo.cwd) == [repo.long, f"^{repo.base}"]
    assert prcheck.revisions(pr, since, repo.cwd) == [
        repo.long,
        f"^{repo.base}",
        f"^{repo.keyless}",
    ]
    judged = [v.sha for v in prcheck.judge(pr, since, repo.cwd)]
    assert judged == [repo.merge, repo.long]
    # A date: the last commit before it on the base's first-parent history, and those before.
    dated = config(**{"hooks.since": "2090-01-31"})
    assert prcheck.revisions(pr, dated, repo.cwd) == [repo.long, f"^{repo.base}", f"^{repo.base}"]


def test_since_is_read_in_the_repository_given(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not the repository
    pr = pull_request(repo, None, None)
    since = config(**{"hooks.since": repo.first})
    assert prcheck.keys_of(pr, since, repo.cwd) == ["DEV-9", "DEV-5", "DEV-6"]
    assert [v.sha for v in prcheck.judge(pr, since, repo.cwd)] == [
        repo.keyless,
        repo.merge,
        repo.long,
    ]


def test_the_keys_the_pull_request_references_each_once_in_order(repo: Repo) -> None:
    pr = pull_request(repo, "DEV-5: Login fails, see DEV-7")
    assert prcheck.keys_of(pr, config(), repo.cwd) == ["DEV-5", "DEV-7", "DEV-9", "DEV-6", "DEV-8"]
    bare = PullRequest(None, "", "topic", repo.base, repo.long)
    assert prcheck.keys_of(bare, config(), repo.cwd) == ["DEV-6", "DEV-5", "DEV-8"]
    only_title = PullRequest("DEV-3: x", None, "DEV-4-y", repo.long, repo.long)
    assert prcheck.keys_of(only_title, config(), repo.cwd) == ["DEV-3", "DEV-4"]
