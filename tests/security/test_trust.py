"""A repository's files never choose where a secret goes (issue 10): each attack of a cloned
repository, played with the real keyring and loopback servers as the attacker, who must see
nothing; and the legitimate set-up that works after one `git tracker trust`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from testing.keyring_session import Session
from testing.repos import git, make_repo
from testing.servers import SandboxHandle, run_attacker
from tracker_git import forges, plainhooks
from tracker_git.core import config
from tracker_git.core.errors import OperationFailed
from tracker_git.core.gitstate import read_state

CLI = str(Path(sys.executable).parent / "git-tracker")
LIMIT = 60  # seconds: a guard against a hang, not a measurement
TRACKER_CANARY = "canary-tracker-token-0123456789"
FORGE_CANARY = "canary-forge-token-0123456789"
BOT_TOKEN = "123456789:AAcanaryBotToken0123456789abcdefghijk"


def cli(repo: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], cwd=repo, input=stdin, capture_output=True, text=True,
        env={**os.environ, **env}, timeout=LIMIT, check=False,
    )  # fmt: skip


def refused(proc: subprocess.CompletedProcess[str], host: str) -> None:
    """Exit 2, one line naming the host and the command that trusts it."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert host in proc.stderr and "git tracker trust" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def host_of(url: str) -> str:
    return url.removeprefix("http://")


def test_a_forge_api_url_in_the_repository_gets_no_forge_token(
    tmp_path: Path, secret_service: Session
) -> None:
    with run_attacker() as attacker:
        repo = make_repo(tmp_path / "repo")
        (repo / ".tracker-git.toml").write_text(
            f'[forge]\nkind = "github"\napi_url = "{attacker.url}"\n'
        )
        git(repo, "remote", "add", "origin", "https://github.com/octo/hello.git")
        git(repo, "checkout", "-q", "-b", "DEMO-1-fix")
        secret_service.store(
            FORGE_CANARY, service="tracker-git", username="forge:github:api.github.com"
        )
        proc = cli(repo, "pr", "--dry-run", "--no-edit", "--no-push", GH_TOKEN=FORGE_CANARY)
        refused(proc, host_of(attacker.url))

        # Trusted now: the environment's token may go there (the user said so), but the
        # keyring's token for api.github.com never goes to another host.
        trusted = cli(repo, "trust", "--yes")
        assert trusted.returncode == 0 and f"forge.api_url = {attacker.url}" in trusted.stdout
        proc = cli(repo, "pr", "--dry-run", "--no-edit", "--no-push")
        assert proc.returncode == 2, proc.stderr
        assert f"no GitHub token for {host_of(attacker.url)}" in proc.stderr

        # A changed value is a new destination.
        (repo / ".tracker-git.toml").write_text(
            f'[forge]\nkind = "github"\napi_url = "{attacker.url}/other"\n'
        )
        proc = cli(repo, "pr", "--dry-run", "--no-edit", "--no-push", GH_TOKEN=FORGE_CANARY)
        refused(proc, host_of(attacker.url))
    assert attacker.seen == []


def test_the_remotes_own_api_needs_no_trust(tmp_path: Path) -> None:
    """[forge] api_url on the remote's own server (GitHub Enterprise) is the user's choice."""
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text(
        '[forge]\nkind = "github"\napi_url = "https://ghe.example.com/api/v3"\n'
    )
    from tracker_git import trust

    cfg = config.load(str(repo))
    remote = forges.detect("git@ghe.example.com:octo/hello.git", cfg, environ={})
    assert trust.forge_destination(remote, cfg) is None
    elsewhere = forges.detect("git@other.example.com:octo/hello.git", cfg, environ={})
    assert trust.forge_destination(elsewhere, cfg) is not None


def test_a_tracker_api_url_in_the_repository_gets_no_tracker_token(
    tmp_path: Path, secret_service: Session
) -> None:
    with run_attacker() as attacker:
        repo = make_repo(tmp_path / "repo")
        (repo / ".tracker-git.toml").write_text(
            f'[tracker]\napi_url = "{attacker.url}"\norg_id = "42"\n'
            "[hooks]\nonline = true\nstrict = true\n"
        )
        git(repo, "checkout", "-q", "-b", "DEMO-1-fix")
        plainhooks.install(read_state(str(repo)))
        host = host_of(attacker.url)
        secret_service.store(TRACKER_CANARY, service="tracker-git", username=f"{host}/42")
        for args in (("show", "DEMO-1"), ("comment", "hi", "DEMO-1"), ("whoami",)):
            refused(cli(repo, *args, TRACKER_TOKEN=TRACKER_CANARY), host)
            refused(cli(repo, *args), host)  # the keyring's token, stored for that host
        # login says nothing was sent, and stores nothing.
        login = cli(repo, "login", "--with-token", stdin="canary-pasted-token")
        refused(login, host)
        assert secret_service.lookup(service="tracker-git", username=f"{host}/42") == (
            TRACKER_CANARY
        )
        # A commit is never blocked over it, not even with [hooks] strict.
        (repo / "f").write_text("x\n")
        git(repo, "add", "f")
        commit = subprocess.run(
            ["git", "commit", "-q", "-m", "DEMO-1: work"], cwd=repo, capture_output=True,
            text=True, env={**os.environ, "TRACKER_TOKEN": TRACKER_CANARY}, timeout=LIMIT,
            check=False,
        )  # fmt: skip
        assert commit.returncode == 0, commit.stderr
        # One line from each hook that checks keys (pre-commit's branch, commit-msg).
        lines = commit.stderr.splitlines()
        assert lines and all("skipped the online key check" in line for line in lines), lines
        assert all("git tracker trust" in line for line in lines)
        doctor = cli(repo, "doctor", "--offline")
        assert f"not trusted, so no token goes there: tracker.api_url = {attacker.url}" in (
            doctor.stdout
        )
    assert attacker.seen == []


def test_login_says_where_the_token_goes_before_it_goes(
    tmp_path: Path, sandbox: SandboxHandle, secret_service: Session
) -> None:
    repo = make_repo(tmp_path / "repo")
    proc = cli(
        repo, "login", "--with-token", "--api-url", sandbox.url, "--org-id", sandbox.org_id,
        stdin=sandbox.token,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    said = proc.stderr.index(f"will be checked with, and kept for, {host_of(sandbox.url)}")
    assert said >= 0 and "Logged in" in proc.stdout
    forge = cli(repo, "login", "--forge", "github", "--with-token", stdin="gh-token")
    assert "will be sent only to https://api.github.com" in forge.stderr
    assert "forge:github:api.github.com" in forge.stdout


def test_a_telegram_api_url_in_the_alerts_file_gets_no_bot_token(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    with run_attacker() as attacker:
        repo = make_repo(tmp_path / "repo")
        (repo / ".tracker-notify.toml").write_text(
            'queue = "DEMO"\n[[alert]]\nname = "tg"\nevent = "created"\nmessage = "hi"\n'
            f'telegram = {{ bot_token = "$TELEGRAM_BOT_TOKEN", chat_id = "-100", '
            f'api_url = "{attacker.url}" }}\n'
        )
        env = {**sandbox.env, "TELEGRAM_BOT_TOKEN": BOT_TOKEN}
        sandbox.clear_requests()
        for action in (("test", "tg"), ("apply",), ("plan",)):
            refused(cli(repo, "notify", *action, **env), host_of(attacker.url))
        assert sandbox.requests == []
        # A file may not name one of our token variables as a messenger secret either.
        (repo / ".tracker-notify.toml").write_text(
            'queue = "DEMO"\n[[alert]]\nname = "s"\nevent = "created"\nmessage = "hi"\n'
            'slack = { webhook = "$TRACKER_TOKEN" }\n'
        )
        proc = cli(repo, "notify", "test", "s", **env)
        assert proc.returncode == 2 and "holds a Tracker or forge token" in proc.stderr
    assert attacker.seen == []


SLACK_ALERT = (
    'queue = "DEMO"\n[[alert]]\nname = "s"\nevent = "created"\nmessage = "hi"\n'
    'slack = { webhook = "$DEPLOY_HOOK" }\n'
)
DEPLOY_CANARY = "canary-deploy-secret-0123456789"


def test_a_slack_webhook_must_be_on_slack_unless_its_server_is_trusted(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    """The alerts file picks the variable: one holding another secret URL (a deploy hook, a
    CI variable with a token in it) goes nowhere, neither to its server nor into a trigger."""
    with run_attacker() as attacker:
        repo = make_repo(tmp_path / "repo")
        (repo / ".tracker-notify.toml").write_text(SLACK_ALERT)
        secret = f"{attacker.url}/hook/{DEPLOY_CANARY}?key={DEPLOY_CANARY}"
        env = {**sandbox.env, "DEPLOY_HOOK": secret}
        sandbox.clear_requests()
        for action in (("test", "s"), ("apply",), ("plan",)):
            proc = cli(repo, "notify", *action, **env)
            refused(proc, host_of(attacker.url))
            assert "$DEPLOY_HOOK" in proc.stderr and DEPLOY_CANARY not in proc.stderr
        assert sandbox.requests == [] and attacker.seen == []

        # Trusted (trust reads the variable to learn the server, and records only that):
        # the test message goes there, and apply puts the URL into the trigger.
        trusted = cli(repo, "trust", "--yes", **env)
        assert trusted.returncode == 0, trusted.stderr
        assert f"slack.webhook = {attacker.url}" in trusted.stdout
        assert DEPLOY_CANARY not in trusted.stdout + trusted.stderr
        from tracker_git import trust

        recorded = Path(trust.trust_file()).read_text()  # under the tests' own HOME
        assert attacker.url in recorded and DEPLOY_CANARY not in recorded
        sent = cli(repo, "notify", "test", "s", **env)
        assert sent.returncode == 0, sent.stderr
        [seen] = attacker.seen
        assert seen.method == "POST" and DEPLOY_CANARY in seen.path
        applied = cli(repo, "notify", "apply", **env)
        assert applied.returncode == 0, applied.stderr
        assert any(r["method"] == "POST" for r in sandbox.requests)

        # Another server is a new destination.
        moved = {**env, "DEPLOY_HOOK": secret.replace("127.0.0.1", "localhost")}
        refused(cli(repo, "notify", "test", "s", **moved), "localhost")
    assert len(attacker.seen) == 1


def test_slacks_own_server_needs_no_trust_and_trust_keeps_no_secret() -> None:
    from tracker_git import trust
    from tracker_git.notify import spec

    alerts = spec.parse(tomllib.loads(SLACK_ALERT), "/repo/.tracker-notify.toml")
    slack = "https://hooks.slack.com/services/T0/B0/secret"
    assert trust.slack_destinations(alerts, {"DEPLOY_HOOK": slack}) == []
    assert trust.slack_destinations(alerts, {}) == []  # not set: nothing to judge yet
    for url, where in [
        ("http://hooks.slack.com/services/T0/B0/secret", "http://hooks.slack.com"),
        ("https://hooks.slack.com.evil.example/services/x", "https://hooks.slack.com.evil.example"),
        ("https://user:pw@Evil.Example:8443/hook?key=secret", "https://evil.example:8443"),
        ("https://[::1]:9/x", "https://[::1]:9"),
    ]:
        [destination] = trust.slack_destinations(alerts, {"DEPLOY_HOOK": url})
        assert (destination.setting, destination.url) == ("slack.webhook", where)
        assert "$DEPLOY_HOOK" in str(trust.Untrusted(destination, "/repo"))


def _pulls(answer: dict[str, object]) -> forges.Forge:
    cfg = config.load(None, environ={})
    env = {forges.API_URL_VARIABLE: str(answer["url"])}
    remote = forges.detect("https://github.com/octo/hello.git", cfg, environ=env)
    return forges.client_for(remote, FORGE_CANARY)


def test_pages_and_redirects_stay_on_the_first_origin(tmp_path: Path) -> None:
    with run_attacker() as other:

        def next_elsewhere(path: str) -> tuple[int, dict[str, str], bytes]:
            return 200, {"Link": f'<{other.url}/next>; rel="next"'}, b"[]"

        with run_attacker(next_elsewhere) as forge:
            client = _pulls({"url": forge.url})
            with pytest.raises(OperationFailed, match=r"the next page is on http://127\.0\.0\.1"):
                client.list_open("DEMO-1-fix")
            assert len(forge.seen) == 1 and forge.saw(FORGE_CANARY)

        def redirect_elsewhere(path: str) -> tuple[int, dict[str, str], bytes]:
            return 302, {"Location": f"{other.url}/moved"}, b""

        with run_attacker(redirect_elsewhere) as forge:
            client = _pulls({"url": forge.url})
            with pytest.raises(OperationFailed, match=r"redirected to http://127\.0\.0\.1"):
                client.list_open("DEMO-1-fix")
    assert other.seen == []


def test_a_page_seen_twice_ends_the_listing(tmp_path: Path) -> None:
    box: dict[str, str] = {}

    def itself(path: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Link": f'<{box["url"]}/repos/octo/hello/pulls?page=2>; rel="next"'}, b"[]"

    with run_attacker(itself) as forge:
        box["url"] = forge.url
        with pytest.raises(OperationFailed, match="the same page twice"):
            _pulls({"url": forge.url}).list_open("DEMO-1-fix")
        assert len(forge.seen) == 2

    comments = [{"id": 7, "text": "same"}] * 100

    def same_cursor(path: str) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, json.dumps(comments).encode()

    from tracker_git.tracker.client import TrackerClient

    with run_attacker(same_cursor) as tracker:
        client = TrackerClient(tracker.url, TRACKER_CANARY, org_id="1")
        with pytest.raises(OperationFailed, match="the same page twice"):
            client.comments("DEMO-1")
        assert len(tracker.seen) == 2


def test_plain_http_only_to_loopback() -> None:
    from tracker_git.core.loopback import secure_enough

    assert secure_enough("https://example.com/x")
    assert secure_enough("http://127.0.0.5:8080/x") and secure_enough("http://[::1]:80/")
    assert secure_enough("http://localhost/")
    assert not secure_enough("http://example.com/") and not secure_enough("http://10.0.0.1/")
    assert not secure_enough("ftp://example.com/") and not secure_enough("https:///x")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        ("zero", "out of the work tree"),
        ("fifo", "not a regular file"),
        ("outside", "out of the work tree"),
        ("nested", "nested too deeply|not valid TOML"),
        ("big", "larger than 1024 KiB"),
    ],
)
def test_a_hostile_config_file_is_a_config_error(tmp_path: Path, make: str, why: str) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / ".tracker-git.toml"
    if make == "zero":
        path.symlink_to("/dev/zero")
    elif make == "fifo":
        os.mkfifo(path)
    elif make == "outside":
        (tmp_path / "elsewhere.toml").write_text('queues = ["DEV"]\n')
        path.symlink_to(tmp_path / "elsewhere.toml")
    elif make == "nested":
        path.write_text("queues = " + "[" * 50_000 + "]" * 50_000 + "\n")
    else:
        path.write_text("# " + "x" * (1024 * 1024) + "\n")
    proc = cli(repo, "check", "branch", "DEMO-1-x")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and ".tracker-git.toml" in proc.stderr, proc.stderr
    assert "unexpected" not in proc.stderr and "Traceback" not in proc.stderr
    assert re.search(why, proc.stderr), proc.stderr
    # The alerts file is read the same way.
    os.mkfifo(repo / ".tracker-notify.toml")
    notify = cli(repo, "notify", "plan")
    assert notify.returncode == 2 and "not a regular file" in notify.stderr, notify.stderr


def test_a_symlinked_config_inside_the_tree_is_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "conf").mkdir()
    (repo / "conf" / "tracker.toml").write_text('queues = ["DEV"]\n')
    (repo / ".tracker-git.toml").symlink_to(repo / "conf" / "tracker.toml")
    assert config.load(str(repo), environ={}).queues == ("DEV",)


def test_local_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    from tracker_git import cache
    from tracker_git.core import paths
    from tracker_git.hooks.common import REJECTED_MESSAGE, save_rejected

    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text('queues = ["DEV"]\n')
    old = os.umask(0)
    try:
        config.load(str(repo), environ={})
        cache.record("api.example/1", {"DEV-1": True})
        save_rejected("DEV-1 secret draft\n", read_state(str(repo)))
    finally:
        os.umask(old)
    config_cache = Path(paths.user_cache_dir()) / "config"
    files = [*config_cache.iterdir(), Path(cache.cache_file())]
    rejected = Path(read_state(str(repo)).git_path(REJECTED_MESSAGE))
    files.append(rejected)
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600, path
    for folder in (config_cache, Path(paths.user_cache_dir()), rejected.parent):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
