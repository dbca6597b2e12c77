"""The release jobs of docs/release.md, parsed from the docs and run: each CI's own script
lines, verbatim (the install and the forge's release tool left out), in a checkout built the
way that CI builds one for a tag push, with that CI's variables, against the sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing.repos import git
from testing.servers import SandboxHandle
from tests.release.helpers import small_repo

DOC = Path(__file__).resolve().parents[2] / "docs" / "release.md"
SKIPPED = ("pip install", "gh release", "release-cli")


def job(ci: str) -> Any:
    """The YAML block of docs/release.md whose first line is `# <ci>`."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    [block] = [b for b in blocks if b.startswith(f"# {ci}")]
    return yaml.safe_load(block)


def run_lines(lines: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = "\n".join(line for line in lines if not any(s in line for s in SKIPPED))
    assert "git tracker release" in script
    environ = {**os.environ, **env}
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ['PATH']}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def upstream(sandbox: SandboxHandle, tmp_path: Path) -> tuple[Path, list[str]]:
    keys = [sandbox.state.add_issue(f"Shipped {n}") for n in range(3)]
    repo = small_repo(tmp_path, keys)
    bare = tmp_path / "upstream.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    return bare, keys


def marked(sb: SandboxHandle, keys: list[str]) -> bool:
    names = {str(v["id"]): v["name"] for v in sb.state.versions.values()}
    return all(
        [names[str(v)] for v in (sb.state.issue(k) or {}).get("fixVersions", [])] == ["1.1.0"]
        for k in keys
    )


def test_github_actions_job(
    sandbox: SandboxHandle, upstream: tuple[Path, list[str]], tmp_path: Path
) -> None:
    workflow = job("GitHub Actions")
    assert workflow[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads `on` as true
    steps = workflow["jobs"]["release"]["steps"]
    assert steps[0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    # actions/checkout with fetch-depth 0 on a tag push: every branch and tag, HEAD detached.
    work = tmp_path / "gh"
    work.mkdir()
    git(work, "init", "-q")
    git(work, "fetch", "-q", "--no-recurse-submodules", str(upstream[0]),
        "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")  # fmt: skip
    git(work, "checkout", "-q", "--force", "refs/tags/v1.1.0")
    step = next(s for s in steps if "git tracker release" in s.get("run", ""))
    assert set(step["env"]) == {"TRACKER_TOKEN", "TRACKER_ORG_ID"}
    env = {
        **sandbox.env, "GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/tags/v1.1.0",
        "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v1.1.0",
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "team/app",
    }  # fmt: skip
    done = run_lines([step["run"]], work, env)
    assert done.returncode == 0, done.stderr
    assert (work / "notes.md").read_text().startswith("## 1.1.0\n")
    assert marked(sandbox, upstream[1])


def test_gitlab_ci_job(
    sandbox: SandboxHandle, upstream: tuple[Path, list[str]], tmp_path: Path
) -> None:
    pipeline = job("GitLab CI")
    release = pipeline["release"]
    assert release["rules"] == [{"if": "$CI_COMMIT_TAG"}]
    assert release["variables"]["GIT_DEPTH"] == 0
    assert pipeline["create-release"]["needs"] == ["release"]
    # The runner with GIT_DEPTH 0: a full fetch of branches and tags, the commit checked out.
    work = tmp_path / "gl"
    work.mkdir()
    git(work, "init", "-q")
    git(work, "fetch", "-q", str(upstream[0]),
        "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")  # fmt: skip
    sha = git(work, "rev-parse", "v1.1.0^{commit}").strip()
    git(work, "checkout", "-q", "-f", sha)
    env = {
        **sandbox.env, "GITLAB_CI": "true", "CI_COMMIT_TAG": "v1.1.0", "CI_COMMIT_SHA": sha,
        "CI_PROJECT_URL": "https://gitlab.com/team/app",
    }  # fmt: skip
    done = run_lines(release["script"], work, env)
    assert done.returncode == 0, done.stderr
    assert "notes.md" in release["artifacts"]["paths"] and (work / "notes.md").exists()
    assert marked(sandbox, upstream[1])


def test_bitbucket_pipelines_step(
    sandbox: SandboxHandle, upstream: tuple[Path, list[str]], tmp_path: Path
) -> None:
    step = job("Bitbucket Pipelines")["pipelines"]["tags"]["v*"][0]["step"]
    assert step["clone"] == {"depth": "full"}
    # Pipelines on a tag with depth full: a clone of the tag, reset to its commit.
    work = tmp_path / "bb"
    git(tmp_path, "clone", "-q", "--branch", "v1.1.0", str(upstream[0]), str(work))
    sha = git(work, "rev-parse", "HEAD").strip()
    git(work, "reset", "-q", "--hard", sha)
    env = {**sandbox.env, "CI": "true", "BITBUCKET_TAG": "v1.1.0", "BITBUCKET_COMMIT": sha}
    done = run_lines(step["script"], work, env)
    assert done.returncode == 0, done.stderr
    assert (work / "notes.md").exists() and marked(sandbox, upstream[1])
