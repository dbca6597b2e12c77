"""Pull requests as the CIs see them: an upstream repository served from a bare repository
over file://, and shallow CI clones made the way each CI's checkout makes them."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from testing.repos import git, make_repo, run

ROOT = Path(__file__).resolve().parents[2]
CLI = str(ROOT / ".venv" / "bin" / "git-tracker")
PAYLOADS = ROOT / "tests" / "relay" / "payloads"
NO_HOOKS = {"TRACKER_GIT_SKIP": "1"}


def commit(repo: Path, message: str, name: str = "f") -> str:
    path = repo / name
    path.write_text((path.read_text() if path.exists() else "") + "x\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message, env={**os.environ, **NO_HOOKS})
    return git(repo, "rev-parse", "HEAD").strip()


@dataclass
class Upstream:
    """A developer's repository `work` and the bare repository `bare` it pushes to."""

    work: Path
    bare: Path
    tmp: Path
    clones: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def sha(self, rev: str) -> str:
        return git(self.work, "rev-parse", rev).strip()

    def branch(self, name: str, *messages: str, start: str = "main") -> str:
        """A branch from `start` with one commit per message, pushed; returns its head sha."""
        git(self.work, "checkout", "-q", "-B", name, start)
        for i, message in enumerate(messages):
            commit(self.work, message, name=f"{name.replace('/', '_')}-{i}")
        git(self.work, "push", "-q", "-f", self.url, f"{name}:refs/heads/{name}")
        git(self.work, "checkout", "-q", "main")
        return self.sha(name)

    def pull_ref(self, number: int, head: str, base: str = "main") -> str:
        """What a forge keeps for pull request `number`: refs/pull/N/head and a test merge
        commit refs/pull/N/merge (GitHub's names); returns the merge commit's sha."""
        git(self.work, "checkout", "-q", "--detach", base)
        git(self.work, "merge", "-q", "--no-ff", "-m", "Merge test", head,
            env={**os.environ, **NO_HOOKS})  # fmt: skip
        merge = self.sha("HEAD")
        git(self.work, "checkout", "-q", "main")
        git(self.work, "push", "-q", "-f", self.url, f"{head}:refs/pull/{number}/head")
        git(self.work, "push", "-q", "-f", self.url, f"{merge}:refs/pull/{number}/merge")
        return merge

    def clone(self, name: str, ref: str, refspec_to: str, depth: int = 1) -> Path:
        """A shallow clone the way CI checkouts make them: init, fetch one ref at `depth`,
        check it out detached."""
        path = self.tmp / name
        git(self.tmp, "init", "-q", str(path))
        git(path, "remote", "add", "origin", self.url)
        git(path, "fetch", "-q", "--no-tags", f"--depth={depth}", "origin", f"+{ref}:{refspec_to}")
        git(path, "checkout", "-q", "--detach", refspec_to)
        self.clones.append(path)
        return path


@pytest.fixture
def upstream(tmp_path: Path) -> Upstream:
    work = make_repo(tmp_path / "work")
    for i in range(3):
        commit(work, f"DEV-{i + 1}: base work {i}")
    bare = tmp_path / "upstream.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    return Upstream(work, bare, tmp_path)


_CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "BITBUCKET_", "RUNNER_")


def without_ci(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without any CI's variables (the suite may itself run in one)."""
    return {
        name: value
        for name, value in environ.items()
        if name != "CI" and not name.startswith(_CI_PREFIXES)
    }


def check_pr(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`git tracker check pr ARGS` in `cwd` with only `env` as the CI's variables."""
    return run(cwd, CLI, "check", "pr", *args, env={**without_ci(os.environ), **env})


def actions_run(path: Path, name: str, event: dict[str, object]) -> dict[str, str]:
    """Writes `event` (GitHub's JSON of it) to `path` and returns the variables a GitHub
    Actions run on that event has."""
    path.write_text(json.dumps(event))
    repository = event["repository"]
    assert isinstance(repository, dict)
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": str(repository["full_name"]),
    }


@pytest.fixture
def github_event(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """Writes a pull_request event file (the shape of GitHub's documented example) and
    returns the variables a GitHub Actions job on it has."""

    def make(
        title: str, branch: str, head: str, base: str, body: str | None = None,
        base_ref: str = "main", number: int = 1, fork: bool = False,
    ) -> dict[str, str]:  # fmt: skip
        event = json.loads((PAYLOADS / "github-opened.json").read_text())
        pr = event["pull_request"]
        event["number"] = pr["number"] = number
        pr["title"], pr["body"] = title, body
        pr["head"]["ref"], pr["head"]["sha"] = branch, head
        pr["base"]["ref"], pr["base"]["sha"] = base_ref, base
        if fork:
            pr["head"]["label"] = f"someone:{branch}"
            pr["head"]["repo"]["full_name"] = "someone/Hello-World"
            pr["head"]["repo"]["fork"] = True
        return actions_run(tmp_path / f"event-{number}.json", "pull_request", event) | {
            "GITHUB_HEAD_REF": branch,
            "GITHUB_BASE_REF": base_ref,
            "GITHUB_REF": f"refs/pull/{number}/merge",
        }

    return make


def gitlab_variables(
    title: str, branch: str, head: str, diff_base: str, iid: int = 1, description: str = ""
) -> dict[str, str]:
    """The predefined variables of a GitLab merge request pipeline (GitLab's documentation,
    "Predefined variables for merge request pipelines")."""
    return {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_COMMIT_SHA": head,
        "CI_COMMIT_REF_NAME": branch,
        "CI_MERGE_REQUEST_IID": str(iid),
        "CI_MERGE_REQUEST_TITLE": title,
        "CI_MERGE_REQUEST_DESCRIPTION": description,
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": branch,
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": diff_base,
        "CI_MERGE_REQUEST_PROJECT_PATH": "group/sub/project",
    }


def bitbucket_variables(branch: str, head: str, pr_id: int = 1) -> dict[str, str]:
    """The default variables of a Bitbucket Pipelines pull-request step (Atlassian's
    "Variables and secrets" page)."""
    return {
        "CI": "true",
        "BITBUCKET_BUILD_NUMBER": "7",
        "BITBUCKET_BRANCH": branch,
        "BITBUCKET_COMMIT": head,
        "BITBUCKET_PR_ID": str(pr_id),
        "BITBUCKET_PR_DESTINATION_BRANCH": "main",
        "BITBUCKET_REPO_FULL_NAME": "workspace/repo",
        "BITBUCKET_WORKSPACE": "workspace",
        "BITBUCKET_REPO_SLUG": "repo",
    }


# --- checkouts exactly as each CI makes them ------------------------------------------------


def actions_checkout(upstream: Upstream, name: str, ref: str, sha: str, depth: int = 1) -> Path:
    """actions/checkout@v4 (its defaults: fetch-depth 1, no tags): `git init`, `git remote add
    origin`, `git fetch --no-tags --prune --no-recurse-submodules --depth=1 origin
    +SHA:refs/remotes/<ref's name>`, then a detached checkout of that ref (pull_request:
    refs/pull/N/merge into refs/remotes/pull/N/merge; merge_group and push: a branch into
    refs/remotes/origin/BRANCH)."""
    path = upstream.tmp / name
    git(upstream.tmp, "init", "-q", str(path))
    git(path, "remote", "add", "origin", upstream.url)
    local = (
        f"refs/remotes/{ref.removeprefix('refs/')}"
        if ref.startswith("refs/pull/")
        else f"refs/remotes/origin/{ref.removeprefix('refs/heads/')}"
    )
    git(path, "-c", "protocol.version=2", "fetch", "--no-tags", "--prune",
        "--no-recurse-submodules", f"--depth={depth}", "origin", f"+{sha}:{local}")  # fmt: skip
    git(path, "checkout", "-q", "--force", local)
    upstream.clones.append(path)
    return path


def gitlab_runner_checkout(
    upstream: Upstream, name: str, sha: str, depth: int = 20, pipeline: int = 100
) -> Path:
    """GitLab Runner's fetch strategy for a new project (GIT_DEPTH 20, the default refspecs):
    `git init`, `git remote add origin`, `git fetch origin +SHA:refs/pipelines/ID
    +refs/heads/*:refs/remotes/origin/* +refs/tags/*:refs/tags/* --depth 20 --prune`, then
    `git checkout -f -q SHA` (detached)."""
    path = upstream.tmp / name
    git(upstream.tmp, "init", "-q", str(path))
    git(path, "remote", "add", "origin", upstream.url)
    git(path, "fetch", "-q", "origin", f"+{sha}:refs/pipelines/{pipeline}",
        "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*",
        f"--depth={depth}", "--prune")  # fmt: skip
    git(path, "checkout", "-f", "-q", sha)
    upstream.clones.append(path)
    return path


def bitbucket_checkout(upstream: Upstream, name: str, branch: str, sha: str) -> Path:
    """Bitbucket Pipelines' clone of a pull-request step (depth 50 by default): `git clone
    --branch=BRANCH --depth 50 URL DIR` (one branch, and the tags pointing into it), then
    `git reset --hard BITBUCKET_COMMIT`."""
    path = upstream.tmp / name
    git(upstream.tmp, "clone", "-q", f"--branch={branch}", "--depth", "50", upstream.url,
        str(path))  # fmt: skip
    git(path, "reset", "-q", "--hard", sha)
    upstream.clones.append(path)
    return path
