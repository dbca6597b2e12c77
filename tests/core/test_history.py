"""core/history.py in-process, on one real history built once: a root, a side branch merged
into main (a second-parent commit older than the date asked for), commits after the merge, a
topic branch with a backdated commit, and a shallow clone of it deepened afterwards."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.repos import git
from tracker_git.core import history
from tracker_git.core.config import Config, load
from tracker_git.core.errors import ConfigError


@dataclass(frozen=True)
class History:
    repo: Path
    sha: dict[str, str]  # commit name -> full sha


def commit(repo: Path, name: str, date: str, message: str, *merge: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    if merge:
        git(repo, "merge", "-q", "--no-ff", "--no-verify", "-m", message, *merge, env=env)
    else:
        (repo / name).write_text(f"{name}\n")
        git(repo, "add", name)
        git(repo, "commit", "-q", "--no-verify", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


MESSAGES = {
    "root": "DEV-1: start\n",
    "side": "DEV-2: on the side\n",
    "base": "fix the build\n\nno key in this one\n",
    "merge": "Merge branch 'side'\n",
    "after": "DEV-3: after the merge\n",
    "long": "a subject without any key and much longer than sixty characters, cut\n",
    "old": "backdated and without a key\n",
    "topic": "DEV-5: topic work\n",
}


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> History:
    repo = tmp_path_factory.mktemp("history") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    sha = {"root": commit(repo, "root", "2026-01-01T10:00:00Z", MESSAGES["root"])}
    git(repo, "checkout", "-q", "-b", "side")
    sha["side"] = commit(repo, "side", "2026-01-05T10:00:00Z", MESSAGES["side"])
    git(repo, "checkout", "-q", "main")
    sha["base"] = commit(repo, "base", "2026-01-10T10:00:00Z", MESSAGES["base"])
    sha["merge"] = commit(repo, "", "2026-01-20T10:00:00Z", MESSAGES["merge"], "side")
    sha["after"] = commit(repo, "after", "2026-02-01T10:00:00Z", MESSAGES["after"])
    sha["long"] = commit(repo, "long", "2026-02-02T10:00:00Z", MESSAGES["long"])
    git(repo, "checkout", "-q", "-b", "topic")
    sha["old"] = commit(repo, "old", "2025-06-01T10:00:00Z", MESSAGES["old"])
    sha["topic"] = commit(repo, "topic", "2026-02-10T10:00:00Z", MESSAGES["topic"])
    git(repo, "checkout", "-q", "main")
    return History(repo, sha)


def config() -> Config:
    return load(None)


def test_commits_reads_each_commit_with_its_parents_and_message(hist: History) -> None:
    found = history.commits(["main"], str(hist.repo))
    names = ["long", "after", "merge", "base", "side", "root"]
    parents = [1, 1, 2, 1, 1, 0]
    assert found == [
        (hist.sha[name], count, MESSAGES[name]) for name, count in zip(names, parents, strict=True)
    ]


def test_commits_of_a_range_and_of_an_empty_one(hist: History) -> None:
    cwd = str(hist.repo)
    assert history.commits(["main..topic"], cwd) == [
        (hist.sha["topic"], 1, MESSAGES["topic"]),
        (hist.sha["old"], 1, MESSAGES["old"]),
    ]
    assert history.commits(["topic", f"^{hist.sha['after']}"], cwd) == [
        (hist.sha[name], 1, MESSAGES[name]) for name in ("topic", "old", "long")
    ]
    assert history.commits(["main..main"], cwd) == []
    # A name that is also a file: `--` makes git read it as a revision, never as a path.
    assert [sha for sha, _, _ in history.commits(["side"], cwd)] == [
        hist.sha["side"],
        hist.sha["root"],
    ]


NO_KEY = "the commit message references no issue key: it needs an issue key such as DEV-123"


def test_judged_checks_each_message_but_merges(hist: History) -> None:
    found = history.judged(["main"], config(), str(hist.repo))
    assert found == [
        (hist.sha["long"], 1, MESSAGES["long"].rstrip("\n"), NO_KEY),
        (hist.sha["after"], 1, "DEV-3: after the merge", None),
        (hist.sha["merge"], 2, "Merge branch 'side'", None),  # a merge needs no key
        (hist.sha["base"], 1, "fix the build", NO_KEY),  # the subject, not the body
        (hist.sha["side"], 1, "DEV-2: on the side", None),
        (hist.sha["root"], 0, "DEV-1: start", None),
    ]


def test_failing_and_problems_say_one_line_per_failing_commit(hist: History) -> None:
    cwd = str(hist.repo)
    lines = [
        f"  {hist.sha['long'][:10]} 'a subject without any key and much longer than sixty "
        f"charact': {NO_KEY}",
        f"  {hist.sha['base'][:10]} 'fix the build': {NO_KEY}",
    ]
    assert history.failing(["main"], config(), cwd) == [
        (hist.sha["long"], 1, lines[0]),
        (hist.sha["base"], 1, lines[1]),
    ]
    assert history.problems(["main"], config(), cwd) == lines
    assert history.problems(["main..topic", f"^{hist.sha['old']}"], config(), cwd) == []


@pytest.mark.parametrize(
    ("since", "target", "expected"),
    [
        # The last commit before the date on main's first-parent history: the side commit of
        # 2026-01-05 is newer but came in through the merge's second parent.
        ("2026-01-07", "main", "root"),
        ("2026-01-15", "main", "base"),
        ("2026-01-15 12:00", "main", "base"),
        ("2026-01-20T11:00:00Z", "main", "merge"),
        ("2026-12-31", "main", "long"),
        ("2025-12-31", "main", None),  # older than all of it: nothing is left out
        ("2026-01-15", "side", "side"),
        # On the branch pushed, a backdated commit would move the date's commit: hence the
        # target (the branch it lands on) is what callers pass.
        ("2026-01-15", "topic", "old"),
        ("", "main", None),
    ],
)
def test_since_commit_for_a_date_counts_on_the_targets_first_parent_history(
    hist: History, since: str, target: str, expected: str | None
) -> None:
    found = history.since_commit(since, target, str(hist.repo))
    assert found == (hist.sha[expected] if expected else None)
    assert history.since_revisions(since, target, str(hist.repo)) == (
        [f"^{hist.sha[expected]}"] if expected else []
    )


@pytest.mark.parametrize("since", ["side", "main~1", "main~2^2", "v1"])
def test_since_commit_names_a_commit(hist: History, since: str) -> None:
    git(hist.repo, "tag", "-f", "v1", hist.sha["side"])
    expected = {"side": "side", "main~1": "after", "main~2^2": "side", "v1": "side"}[since]
    assert history.since_commit(since, "main", str(hist.repo)) == hist.sha[expected]
    short = hist.sha[expected][:12]
    assert history.since_commit(short, "topic", str(hist.repo)) == hist.sha[expected]


@pytest.mark.parametrize("since", ["nowhere", "2026-01-32x", "0" * 40, "x" * 80])
def test_since_naming_no_commit_is_a_config_error(hist: History, since: str) -> None:
    with pytest.raises(ConfigError) as refused:
        history.since_commit(since, "main", str(hist.repo))
    assert str(refused.value) == (
        f"[hooks] since = {since[:60]!r} names no commit of this repository; set it to a "
        "commit of this history or a date (2026-01-31), or remove it"
    )


def test_a_shallow_clone_deepened_resolves_since_then(hist: History, tmp_path: Path) -> None:
    """A shallow clone lacks the commit (its callers fetch it, cigate/depth.py) and a date's
    commit beyond its boundary; once deepened, both are found."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", "-b", "main", hist.repo.as_uri(), str(clone))
    cwd = str(clone)
    assert [count for _, count, _ in history.commits(["HEAD"], cwd)] == [1, 0]  # the boundary
    with pytest.raises(ConfigError, match="names no commit of this repository"):
        history.since_commit(hist.sha["base"], "HEAD", cwd)
    assert history.since_commit("2026-01-15", "HEAD", cwd) is None
    git(clone, "fetch", "-q", "--deepen", "3")
    assert history.since_commit(hist.sha["base"], "HEAD", cwd) == hist.sha["base"]
    assert history.since_commit("2026-01-15", "HEAD", cwd) == hist.sha["base"]
    assert [count for _, count, _ in history.commits(["HEAD"], cwd)][:3] == [1, 1, 2]


def test_rewording_advice_rebases_onto_the_oldest_commits_parent() -> None:
    sha = "0123456789abcdef" * 2 + "01234567"
    assert history.rewording_advice((sha, 1, "line")) == (
        "reword them with 'git rebase -i 0123456789^' (mark them 'reword')"
    )
    assert history.rewording_advice((sha, 2, "line")) == (
        "reword them with 'git rebase -i 0123456789^' (mark them 'reword')"
    )
    assert history.rewording_advice((sha, 0, "line")) == (
        "reword them with 'git rebase -i --root' (mark them 'reword')"
    )
