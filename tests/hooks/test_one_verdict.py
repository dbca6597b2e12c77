"""One verdict everywhere: the same messages through commit-msg, prepare-commit-msg, pre-push,
`git tracker check range` and `check pr`'s rules, driven by real git with the plain hooks, must
be judged alike (issue 22). The messages: the grammar's edges and random mixes of them."""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

from testing.repos import git, make_repo, run
from tracker_git import plainhooks
from tracker_git.core import checks, config, gitstate, message, prcheck

CLI = str(Path(sys.executable).parent / "git-tracker")
SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"

EDGES = [
    "DEV-1: fix the login\n",
    "fix the login\n",
    "DEV-1\n",
    "DEV-1 DEV-12\n",
    "DEV-12 DEV-1\n",
    "DEV-12 DEV-1 fix\n",
    "D\u0415V-7: fix\n",
    "loginDEV-12 fix\n",
    "DEV-1\u0663 fix\n",
    "DEV-1-\u0663 fix\n",
    "dev-3: fix\n",
    "RFC-1234 support\n",
    "\u00a0\n",
    "\u200b\n",
    "\x1f\n",
    "\v\n",
    "DEV-1 \u3000\n",
    "DEV-1:\u2028\n",
    "fixup! DEV-1: x\n",
    "MINOR: fix a typo\n",
    f'Revert "x"\n\nThis reverts commit {SHA}.\n',
    f'Revert "m"\n\nThis reverts commit {SHA}, reversing\nchanges made to {OTHER}.\n',
    f"Revert\n\nThis reverts commit\n{SHA}, reversing changes made to {OTHER}.\n",
    f"x\n\nThis reverts commit {SHA}, reversing nothing.\n",
    "DEV-1\n\nRefs:\nfix the login\n",
    "fix\n\nRefs:\n",
    "\n\n\nDEV-1 leading blank lines\n",
    "subject\n# a comment DEV-1\n",
]
PIECES = ["DEV-1", "DEV-12", " ", "\n", ":", "fix", "\u00a0", "\u200b", "Refs:", "\u0415",
          "dev-2", "-\u0663", "\u0663", "x", "(", "UTF-8", "v1.2-3"]  # fmt: skip


def messages() -> list[str]:
    rng = random.Random(22)
    mixes = ["".join(rng.choices(PIECES, k=rng.randint(1, 6))) + "\n" for _ in range(24)]
    return EDGES + mixes


def commit(repo: Path, text: str, *extra: str) -> tuple[int, str]:
    (repo / ".msg").write_text(text, encoding="utf-8")
    proc = run(repo, "git", "commit", "-q", "--allow-empty", "-e", "-F", ".msg", *extra)
    return proc.returncode, proc.stderr


def verdict(stderr: str) -> str:
    if "references no issue key" in stderr:
        return "no key"
    if "nothing but the key" in stderr:
        return "only a key"
    raise AssertionError(stderr)


def test_every_entry_point_gives_the_same_verdict(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    git(tmp_path, "init", "-q", "--bare", "remote.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "remote.git"))
    git(repo, "push", "-q", "origin", "main")
    plainhooks.install(gitstate.read_state(str(repo)))
    os.environ["SKIP"] = "tracker-branch-name"  # the branch names are not what is judged
    git(repo, "checkout", "-q", "-b", "work")
    at_commit: dict[str, str] = {}  # sha -> commit-msg's verdict
    texts: dict[str, str] = {}
    for text in messages():
        code, err = commit(repo, text)
        if code != 0 and "empty commit message" in err:
            continue  # git aborts it itself: no commit to judge later
        if code != 0:
            at_commit_verdict = verdict(err)
            assert commit(repo, text, "--no-verify")[0] == 0
        else:
            at_commit_verdict = "ok"
        sha = git(repo, "rev-parse", "HEAD").strip()
        at_commit[sha] = at_commit_verdict
        texts[sha] = text
    assert len(at_commit) > 40

    def failing(output: str) -> set[str]:
        short = set(re.findall(r"(?m)^\s+([0-9a-f]{10}) ", output))
        return {sha for sha in at_commit if sha[:10] in short}

    refused = {sha for sha, v in at_commit.items() if v != "ok"}
    push = run(repo, "git", "push", "-q", "origin", "work")
    assert push.returncode != 0
    # A long refused push is a summary: the count, then the first few of them.
    assert f"{len(refused)} commit(s) to push reference no valid issue key" in push.stderr
    assert failing(push.stderr) <= refused and failing(push.stderr)
    check = run(repo, CLI, "check", "range", "main..work")
    assert failing(check.stdout + check.stderr) == refused

    conf = config.load(str(repo))
    pr = prcheck.PullRequest(None, None, None, git(repo, "rev-parse", "main").strip(), "work")
    judged = {v.sha: v.problem for v in prcheck.judge(pr, conf, str(repo))}
    assert {sha for sha, problem in judged.items() if problem} == refused
    for sha, text in texts.items():  # a one-line message as a pull request's title
        if "\n" not in text.rstrip("\n") and text.strip(" \n") == text.rstrip("\n"):
            title = checks.check_pr_text(text.rstrip("\n"), None, conf)
            assert (title is None) == (sha not in refused), repr(text)

    # prepare-commit-msg on a keyed branch puts a key in exactly where commit-msg wanted one.
    git(repo, "checkout", "-q", "-b", "DEV-9-keyed", "main")
    for sha, text in texts.items():
        code, err = commit(repo, text)
        edited = message.clean((repo / ".git" / "COMMIT_EDITMSG").read_text(encoding="utf-8"))
        inserted = "DEV-9" in edited and "DEV-9" not in text
        # A key in the wrong case ("dev-1") is left as typed: commit-msg's advice, not DEV-9.
        wanted = (
            at_commit[sha] == "no key" and checks.wrong_case_key(message.clean(text), conf) is None
        )
        assert inserted == wanted, (repr(text), err)
        if at_commit[sha] != "no key":  # with a key put in, the key alone may be all it says
            assert (code == 0) == (at_commit[sha] == "ok"), (repr(text), err)


def test_git_revert_of_a_merge_passes_commit_push_and_check_range(tmp_path: Path) -> None:
    """`git revert -m 1` writes "This reverts commit X, reversing\\nchanges made to Y.":
    accepted at commit on a keyless branch, so pre-push and `check range` must accept it."""
    repo = make_repo(tmp_path / "repo")
    git(tmp_path, "init", "-q", "--bare", "remote.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "remote.git"))
    git(repo, "push", "-q", "origin", "main")
    plainhooks.install(gitstate.read_state(str(repo)))
    os.environ["SKIP"] = "tracker-branch-name"
    git(repo, "checkout", "-q", "-b", "topic")
    (repo / "f").write_text("1\n")
    git(repo, "add", "f")
    git(repo, "commit", "-q", "-m", "DEV-5: add f")
    git(repo, "checkout", "-q", "-b", "work", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    proc = run(repo, "git", "revert", "-m", "1", "HEAD")  # GIT_EDITOR=true: commit-msg runs
    assert proc.returncode == 0, proc.stderr
    assert "reversing\nchanges made to" in git(repo, "log", "-1", "--format=%B")
    check = run(repo, CLI, "check", "range", "main..work")
    assert check.returncode == 0, check.stdout + check.stderr
    push = run(repo, "git", "push", "-q", "origin", "work")
    assert push.returncode == 0, push.stderr
