"""Tokens belong to hosts (issue 19): an environment token for a public service goes to that
service's own API only, whatever the remote, a host's name or a repository file's `kind`
says; a self-hosted forge gets the token the user bound to its host. The loopback attacker
plays the server the remote names (TRACKER_GIT_FORGE_API_URL stands in for its DNS)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing.fixtures_forges import bound_token
from testing.keyring_session import Session
from testing.repos import git, make_repo
from testing.servers import SandboxHandle, run_attacker

CLI = str(Path(sys.executable).parent / "git-tracker")
CANARY = "canary-public-token-5a7e0c"
PUBLIC = {"GH_TOKEN": CANARY, "GITHUB_TOKEN": CANARY, "GITLAB_TOKEN": CANARY}


def pr(repo: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "pr", "--dry-run", "--no-edit", "--no-push"], cwd=repo, capture_output=True,
        text=True, env={**os.environ, **env}, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("remote", "config", "variables"),
    [
        # A clone from a self-hosted server whose file says it is GitHub.
        ("https://code.example.test/octo/hello.git", '[forge]\nkind = "github"\n', PUBLIC),
        # A host-name hint ("github" in the name), no file at all.
        ("git@github.corp.example.test:octo/hello.git", "", PUBLIC),
        # Data Center's /scm/ shape: never Bitbucket Cloud's email:token pair.
        (
            "https://code.example.test/scm/proj/hello.git",
            "",
            {"BITBUCKET_TOKEN": "canary@example.test:" + CANARY},
        ),
    ],
)
def test_a_public_services_token_never_goes_to_the_host_a_remote_names(
    tmp_path: Path, secret_service: Session, remote: str, config: str, variables: dict[str, str]
) -> None:
    with run_attacker() as attacker:
        repo = make_repo(tmp_path / "repo")
        if config:
            (repo / ".tracker-git.toml").write_text(config)
        git(repo, "remote", "add", "origin", remote)
        git(repo, "checkout", "-q", "-b", "DEMO-1-fix")
        proc = pr(repo, TRACKER_GIT_FORGE_API_URL=attacker.url, **variables)
        host = attacker.url.removeprefix("http://")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"token for {host}" in proc.stderr, proc.stderr
        assert f"set TRACKER_GIT_FORGE_TOKEN with TRACKER_GIT_FORGE_HOST={host}" in proc.stderr
        assert CANARY not in proc.stdout + proc.stderr
    assert attacker.seen == []


def test_the_token_bound_to_a_host_goes_there_and_nowhere_else(
    tmp_path: Path, secret_service: Session, sandbox: SandboxHandle
) -> None:
    """The legitimate self-hosted set-up: the pair set outside the repository works, and a
    token bound to one host does not follow the API to another."""
    with run_attacker() as server, run_attacker() as other:
        repo = make_repo(tmp_path / "repo")
        git(repo, "remote", "add", "origin", "https://code.example.test/octo/hello.git")
        (repo / ".tracker-git.toml").write_text('[forge]\nkind = "github"\n')
        git(repo, "checkout", "-q", "-b", "DEMO-1-fix")
        bound = bound_token(server.url, CANARY)
        done = pr(repo, TRACKER_GIT_FORGE_API_URL=server.url, **bound, **sandbox.env)
        assert server.saw(CANARY), (
            done.stderr
        )  # the dry run asks the forge for an open pull request
        proc = pr(repo, TRACKER_GIT_FORGE_API_URL=other.url, **bound, **sandbox.env)
        assert proc.returncode == 2 and "TRACKER_GIT_FORGE_HOST=" in proc.stderr, proc.stderr
    assert other.seen == []
