"""`git tracker init --offline-from WHEEL`: pre-commit's `repo: local` form for machines that
cannot reach the project's URL, installing tracker-git from a wheel the user names. The wheel
is built from this work tree once per test run (`python -m build --wheel --no-isolation`,
offline), and the real pre-commit framework installs the hooks from it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing.isolation import isolated_env
from testing.package import release_repo
from testing.repos import git, make_repo, run
from tracker_git import about, precommit

BIN = Path(sys.executable).parent
GIT_TRACKER = str(BIN / "git-tracker")
PRE_COMMIT = str(BIN / "pre-commit")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tracker-git's wheel, built once per run (shared by pytest-xdist's workers)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    scratch = base / "offline-wheel"
    scratch.mkdir(exist_ok=True)
    with open(scratch / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = sorted((scratch / "dist").glob("*.whl"))
        if not built:
            env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
            env.update(isolated_env(scratch / "home"))
            source = scratch / "src"
            release_repo(source, env)  # this work tree's package files, nothing else
            dist = ["--outdir", str(scratch / "dist"), str(source)]
            proc = subprocess.run(
                [sys.executable, "-m", "build", "--wheel", "--no-isolation", *dist],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
            built = sorted((scratch / "dist").glob("*.whl"))
    [found] = built
    assert found.name == f"tracker_git-{about.version()}-py3-none-any.whl"
    return found


def test_pre_commit_installs_the_hooks_from_the_wheel(tmp_path: Path, wheel: Path) -> None:
    repo = make_repo(tmp_path / "repo", initial_commit=False)
    proc = run(repo, GIT_TRACKER, "init", "--pre-commit", "--offline-from", str(wheel))
    assert proc.returncode == 0, proc.stderr
    written = (repo / ".pre-commit-config.yaml").read_text()
    assert written == precommit.local_snippet(str(wheel))
    assert f'additional_dependencies: ["{wheel}"]' in written
    assert about.project_url() not in written and "git+" not in written
    git(repo, "add", ".pre-commit-config.yaml", ".tracker-git.toml")
    git(repo, "commit", "-q", "--no-verify", "-m", "DEV-1: pre-commit, offline")

    os.environ["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")  # conftest restores it
    proc = run(repo, PRE_COMMIT, "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (repo / "a").write_text("1\n")
    git(repo, "add", "a")
    refused = run(repo, "git", "commit", "-m", "no key here")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "the commit message references no issue key" in refused.stderr
    git(repo, "checkout", "-q", "-b", "DEV-7-login")
    done = run(repo, "git", "commit", "-m", "fix the login form")
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(repo, "log", "-1", "--format=%s") == "DEV-7: fix the login form\n"
    # The hook environment pre-commit built holds the wheel's tracker-git.
    envs = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*/lib/python*/site-packages"))
    assert any((site / "tracker_git").is_dir() for site in envs), envs


def test_init_prints_the_offline_form_without_the_projects_url(tmp_path: Path) -> None:
    """Without --offline-from the `repo: local` form names a wheel path to fill in (it named
    git+<the project's URL>, the host it says cannot be reached); with it, stdout is that
    form for the wheel named."""
    repo = make_repo(tmp_path / "repo")
    proc = run(repo, GIT_TRACKER, "init")
    assert proc.returncode == 0, proc.stderr
    local = proc.stderr[proc.stderr.index("repo: local") :]
    placeholder = precommit.wheel_placeholder(about.version())
    assert f'additional_dependencies: ["{placeholder}"]' in local
    assert "git+" not in local and "--offline-from WHEEL" in proc.stderr

    wheel = tmp_path / f"tracker_git-{about.version()}-py3-none-any.whl"
    wheel.write_bytes(b"")
    proc = run(repo, GIT_TRACKER, "init", "--force", "--offline-from", str(wheel))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == precommit.local_snippet(str(wheel))
    assert about.project_url() not in proc.stdout


def test_an_offline_source_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    proc = run(repo, GIT_TRACKER, "init", "--offline-from", str(tmp_path / "nothing.whl"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "is not a wheel" in proc.stderr
    assert not (repo / ".tracker-git.toml").exists()  # refused before anything is written
