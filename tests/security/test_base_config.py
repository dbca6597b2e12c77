"""Every copy of a repository file counts (issue 19): `check pr --online` reads the base
commit's `.tracker-git.toml` from a copy under .git/, and its addresses pass trust like the
work tree's (trust.repository_file decides): `[tracker] api_url` for the Tracker token, and
the Bitbucket path's `[forge] api_url` for the forge token. The attacker is a loopback server
the base commit's file names; it must see nothing."""

from __future__ import annotations

import os
import subprocess

import pytest

from testing.fixtures_forges import bound_token
from testing.repos import git
from testing.servers import SandboxHandle, run_attacker
from tests.cigate.helpers import (
    CLI,
    NO_HOOKS,
    Upstream,
    bitbucket_variables,
    check_pr,
    upstream,
)

__all__ = ["upstream"]  # the fixture
CANARY = "canary-base-config-token-3b9f"


def base_says(upstream: Upstream, text: str) -> None:
    (upstream.work / ".tracker-git.toml").write_text(text)
    git(upstream.work, "add", ".tracker-git.toml")
    git(upstream.work, "commit", "-q", "-m", "config", env={**os.environ, **NO_HOOKS})
    git(upstream.work, "push", "-q", "-f", upstream.url, "main:refs/heads/main")


def test_the_base_commits_tracker_address_needs_trust(
    upstream: Upstream, sandbox: SandboxHandle
) -> None:
    with run_attacker() as attacker:
        base_says(upstream, f'[tracker]\napi_url = "{attacker.url}"\n')
        upstream.branch("DEMO-1-x", "DEMO-1: exists")
        git(upstream.work, "checkout", "-q", "DEMO-1-x")
        env = {k: v for k, v in sandbox.env.items() if k != "TRACKER_API_URL"}
        env["TRACKER_TOKEN"] = CANARY
        args = ("--base", "main", "--title", "DEMO-1: t", "--online")
        proc = check_pr(upstream.work, env, *args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert attacker.url.removeprefix("http://") in proc.stderr
        assert "git tracker trust" in proc.stderr and CANARY not in proc.stderr
        assert attacker.seen == []
        # Without --online no token is read: the offline checks go on.
        assert check_pr(upstream.work, env, *args[:-1]).returncode == 0

        # Trusted for this clone and value, the address is the user's choice.
        trusted = subprocess.run(
            [CLI, "trust", "--yes"], cwd=upstream.work, capture_output=True, text=True,
            check=False, timeout=60,
        )  # fmt: skip
        assert trusted.returncode == 0, trusted.stderr
        check_pr(upstream.work, env, *args)
        assert attacker.saw(CANARY)


def test_the_bitbucket_paths_base_forge_address_needs_trust(upstream: Upstream) -> None:
    with run_attacker() as attacker:
        base_says(upstream, f'[forge]\napi_url = "{attacker.url}/2.0"\n')
        head = upstream.branch("DEV-2-bb", "DEV-2: a")
        clone = upstream.clone("bb", "refs/heads/DEV-2-bb", "refs/remotes/origin/DEV-2-bb")
        env = {**bitbucket_variables("DEV-2-bb", head), **bound_token(attacker.url, CANARY)}
        proc = check_pr(clone, env)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "[forge] api_url" in proc.stderr or "forge.api_url" in proc.stderr, proc.stderr
        assert "git tracker trust" in proc.stderr and CANARY not in proc.stderr
    assert attacker.seen == []


@pytest.mark.parametrize(
    ("api_url", "why"),
    [
        ("https://api.tracker.yandex.net\uff0fv3", "not an address"),
        ("ftp://tracker.example.test", "not an http(s) address"),
    ],
)
def test_a_malformed_base_address_fails_the_gate_in_one_line(
    upstream: Upstream, sandbox: SandboxHandle, api_url: str, why: str
) -> None:
    """A hook notes a malformed address and goes on; the gate (strict) stops on it."""
    base_says(upstream, f"[tracker]\napi_url = '{api_url}'\n")
    upstream.branch("DEMO-1-x", "DEMO-1: exists")
    git(upstream.work, "checkout", "-q", "DEMO-1-x")
    env = {k: v for k, v in sandbox.env.items() if k != "TRACKER_API_URL"}
    proc = check_pr(upstream.work, env, "--base", "main", "--title", "DEMO-1: t", "--online")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and why in proc.stderr, proc.stderr
