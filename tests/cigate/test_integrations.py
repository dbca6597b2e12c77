"""The ready-made CI integrations (action.yml, ci/gitlab/tracker-git.yml,
ci/bitbucket/bitbucket-pipelines.yml), parsed and run: their own shell steps, verbatim, with
the CI's variables set, in a clone made the way that CI makes it. Their install step really
installs tracker-git (built from a copy of this source tree) into a fresh virtual
environment standing in for the CI's Python; the dependencies come from the development
environment, offline."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing.repos import git
from tests.cigate.helpers import (
    ROOT,
    Upstream,
    bitbucket_checkout,
    bitbucket_variables,
    gitlab_runner_checkout,
    gitlab_variables,
    without_ci,
)
from tracker_git.core import version

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
VERSION = version.VERSION  # the one place the version is written (pyproject reads it)
REPOSITORY = PROJECT["urls"]["Repository"]


def load(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text())


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """This source tree as a CI would have it (the parts a build reads)."""
    target = tmp_path / "tracker-git-src"
    target.mkdir()
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copy(ROOT / name, target / name)
    for name in ("tracker_git", "ci"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def release(package: Path, tmp_path: Path) -> dict[str, str]:
    """The project's repository as the templates name it (pyproject's Repository URL), here a
    bare repository holding this source tree at the release tag v<version> only; git's
    url.<base>.insteadOf (from the environment) sends the CI's clone of that URL there. An
    install from any other place, ref or package index fails (pip is offline)."""
    work = tmp_path / "release-work"
    shutil.copytree(package, work)
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    git(work, "add", "-A")
    git(
        work, "-c", "user.name=r", "-c", "user.email=r@example.com", "commit", "-q", "-m", "release"
    )
    git(work, "tag", f"v{VERSION}")
    git(work, "checkout", "-q", "--detach")
    git(work, "branch", "-q", "-D", "main")  # only the tag names the release
    bare = tmp_path / "tracker-git.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.file://{bare}.insteadOf",
        "GIT_CONFIG_VALUE_0": REPOSITORY,
    }


def installed_from(cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """pip's record of where the CI's tracker-git came from (PEP 610 direct_url.json)."""
    code = (
        "import importlib.metadata as m, json; "
        "print(m.distribution('tracker-git').read_text('direct_url.json'))"
    )
    proc = bash(f"python -c {shlex.quote(code)}", cwd, env)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


@pytest.fixture
def ci_python(tmp_path: Path) -> dict[str, str]:
    """A fresh venv as the CI's `python` (first on PATH), seeing the development
    environment's packages, and pip told to work offline."""
    venv = tmp_path / "ci-python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    dev_site = next(Path(p) for p in sys.path if p.endswith("site-packages") and ".venv" in p)
    (site / "dev-packages.pth").write_text(f"{dev_site}\n")
    return {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of --no-build-isolation
        "PIP_NO_CACHE_DIR": "1",
        "VIRTUAL_ENV": str(venv),
    }


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A step's script as the runners run `shell: bash` (-e, pipefail)."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={**without_ci(os.environ), **env},
        capture_output=True,
        text=True,
        check=False,
    )


# --- the GitHub Action -----------------------------------------------------------------------


def action_steps(inputs: dict[str, str]) -> list[dict[str, Any]]:
    """action.yml's steps with `${{ inputs.NAME }}` filled in from `inputs` or the defaults."""
    action = load("action.yml")
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)

    def fill(text: str) -> str:
        return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], text)

    steps = []
    for step in action["runs"]["steps"]:
        filled = dict(step)
        filled["env"] = {k: fill(str(v)) for k, v in (step.get("env") or {}).items()}
        if "run" in step:
            assert "${{" not in step["run"], "inputs reach scripts as variables only"
        steps.append(filled)
    return steps


def run_action(
    inputs: dict[str, str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Every `run:` step in order (the setup-python step is the ci_python fixture); the
    last step's result."""
    proc: subprocess.CompletedProcess[str] | None = None
    for step in action_steps(inputs):
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")
            continue
        assert step["shell"] == "bash"
        proc = bash(step["run"], cwd, {**env, **step["env"]})
        if proc.returncode != 0:
            return proc
    assert proc is not None
    return proc


def test_action_is_a_composite_that_installs_itself() -> None:
    action = load("action.yml")
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert '"$GITHUB_ACTION_PATH"' in steps[1]["run"]
    assert "git tracker check pr" in steps[-1]["run"]


def test_action_runs_check_pr_on_a_pull_request(
    upstream: Upstream,
    github_event: Callable[..., dict[str, str]],
    package: Path,
    ci_python: dict[str, str],
    tmp_path: Path,
) -> None:
    head = upstream.branch("topic", "DEV-1: fine", "no key")
    upstream.pull_ref(1, head)
    clone = upstream.clone("gh", "refs/pull/1/merge", "refs/remotes/pull/1/merge")
    env = {
        **ci_python,
        **github_event("DEV-1: topic", "topic", head, upstream.sha("main")),
        "GITHUB_ACTION_PATH": str(package),
    }
    report = tmp_path / "report.xml"
    proc = run_action({"args": f"--junit {report}"}, clone, env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count("::error title=tracker-git%3A ") == 2  # the branch, one commit
    assert report.exists()
    where = bash("command -v git-tracker", clone, env).stdout.strip()
    assert where.startswith(ci_python["VIRTUAL_ENV"])  # the action's install, not ours

    good = upstream.branch("DEV-2-good", "DEV-2: good")
    upstream.pull_ref(2, good)
    clone = upstream.clone("gh2", "refs/pull/2/merge", "refs/remotes/pull/2/merge")
    env.update(github_event("DEV-2: good", "DEV-2-good", good, upstream.sha("main"), number=2))
    proc = run_action({}, clone, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("the pull request passes")


# --- GitLab -------------------------------------------------------------------------------------


def test_gitlab_template_job_runs_in_a_merge_request_pipeline(
    upstream: Upstream, release: dict[str, str], ci_python: dict[str, str]
) -> None:
    """The job's script as is, with the template's variables and the pipeline's: it installs
    tracker-git from the template's own repository and tag, then judges the merge request."""
    job = load("ci/gitlab/tracker-git.yml")["tracker-git"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    head = upstream.branch("DEV-5-mr", "DEV-5: one", "two")
    git(upstream.work, "push", "-q", upstream.url, f"{head}:refs/merge-requests/1/head")
    clone = gitlab_runner_checkout(upstream, "gl", head)
    env = {
        **ci_python,
        **release,
        **{k: str(v) for k, v in job["variables"].items()},
        **gitlab_variables("DEV-5: mr", "DEV-5-mr", head, upstream.sha("main")),
    }
    proc = bash("\n".join(job["script"]), clone, env)
    assert proc.returncode == 1, proc.stderr
    assert "commit " in proc.stderr and "'two'" in proc.stderr
    junit = clone / job["artifacts"]["reports"]["junit"]
    assert 'failures="1"' in junit.read_text()
    assert job["artifacts"]["when"] == "always"
    origin = installed_from(clone, env)
    assert origin["url"] == REPOSITORY
    assert origin["vcs_info"]["requested_revision"] == f"v{VERSION}"


# --- Bitbucket ------------------------------------------------------------------------------------


def test_bitbucket_snippet_step_runs_on_a_pull_request(
    upstream: Upstream, release: dict[str, str], ci_python: dict[str, str]
) -> None:
    pipelines = load("ci/bitbucket/bitbucket-pipelines.yml")["pipelines"]
    step = pipelines["pull-requests"]["**"][0]["step"]
    head = upstream.branch("feature", "DEV-5: one")
    clone = bitbucket_checkout(upstream, "bb", "feature", head)
    env = {**ci_python, **release, **bitbucket_variables("feature", head)}
    proc = bash("\n".join(step["script"]), clone, env)
    assert proc.returncode == 1, proc.stderr
    assert "branch 'feature' carries no issue key" in proc.stderr
    origin = installed_from(clone, env)
    assert origin["url"] == REPOSITORY
    assert origin["vcs_info"]["requested_revision"] == f"v{VERSION}"


def test_the_docs_show_the_snippets_as_shipped() -> None:
    readme = (ROOT / "docs" / "enforcement.md").read_text()
    for path in ("ci/bitbucket/bitbucket-pipelines.yml",):
        body = "\n".join(
            line for line in (ROOT / path).read_text().splitlines() if not line.startswith("#")
        )
        assert body.strip() in readme, f"{path} differs from the copy in docs/enforcement.md"
    assert f"uses: OWNER/tracker-git@v{VERSION}" in readme
    assert f"/v{VERSION}/ci/gitlab/tracker-git.yml" in readme
    assert f"ref: v{VERSION}" in readme


def test_action_args_are_split_as_a_shell_quotes_them_and_outputs_are_set(
    upstream: Upstream,
    github_event: Callable[..., dict[str, str]],
    package: Path,
    ci_python: dict[str, str],
    tmp_path: Path,
) -> None:
    head = upstream.branch("DEV-2-q", "DEV-2: fine")
    upstream.pull_ref(1, head)
    clone = upstream.clone("gh", "refs/pull/1/merge", "refs/remotes/pull/1/merge")
    output = tmp_path / "output"
    env = {
        **ci_python,
        **github_event("no key in this title", "DEV-2-q", head, upstream.sha("main")),
        "GITHUB_ACTION_PATH": str(package),
        "GITHUB_OUTPUT": str(output),
    }
    proc = run_action({"args": "--title 'DEV-2: a title, quoted' --junit \"a b.xml\""}, clone, env)
    assert proc.returncode == 0, proc.stderr
    assert (clone / "a b.xml").exists()
    assert output.read_text() == "verdict=pass\nproblems=0\ncommits=1\n"
    action = load("action.yml")
    assert action["outputs"]["verdict"]["value"] == "${{ steps.check.outputs.verdict }}"
    assert action["runs"]["steps"][-1]["id"] == "check"

    proc = run_action({"args": "--title 'DEV-2: unclosed"}, clone, env)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: the action's args cannot be split as a shell would (No closing quotation); "
        "check the quotes"
    ]
    proc = run_action({"args": "$(touch pwned) `touch pwned`"}, clone, env)
    assert proc.returncode == 2  # unknown options, not commands
    assert not (clone / "pwned").exists()
