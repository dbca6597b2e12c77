"""The relay config file: validated up front, mistakes named with file, key and expectation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracker_git.core import paths
from tracker_git.core.errors import ConfigError
from tracker_git.relay.config import load

BASE = """
branch_keys = true
[tracker]
api_url = "http://127.0.0.1:9"
org_id = "42"
[forges.github]
secret_env = "GH_HOOK_SECRET"
"""
ENV = {"TRACKER_TOKEN": "t0ken", "GH_HOOK_SECRET": "s3cret"}


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "relay.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_minimal_file_and_its_defaults(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, BASE), ENV)
    assert cfg.forges["github"].secret == "s3cret"
    assert list(cfg.forges) == ["github"]
    # The main config's [statuses]: `opened` takes the `review` status.
    assert dict(cfg.statuses) == {
        "opened": "inReview",
        "draft": "",
        "approved": "",
        "changes_requested": "needsRework",
        "merged": "readyForTest",
        "declined": "needsRework",
    }
    assert cfg.database == str(tmp_path / "relay.sqlite3")
    assert cfg.tracker.token == "t0ken"
    assert cfg.max_body == 1024 * 1024
    assert (cfg.max_keys, cfg.read_timeout, cfg.max_connections) == (20, 10, 64)
    assert (cfg.log_format, cfg.retry.lease, cfg.worker) == ("text", 5, True)
    # Secrets stay out of the repr (tracebacks, logs).
    assert "s3cret" not in repr(cfg) and "t0ken" not in repr(cfg)


def test_base_config_supplies_statuses_and_queues(tmp_path: Path) -> None:
    (tmp_path / ".tracker-git.toml").write_text(
        'queues = ["dev"]\n[statuses]\nreview = "codeReview"\nmerged = "testing"\n'
    )
    text = 'base_config = ".tracker-git.toml"\n' + BASE + '[statuses]\nmerged = "done"\n'
    cfg = load(write(tmp_path, text), ENV)
    assert cfg.queues == ("DEV",)
    assert cfg.statuses["opened"] == "codeReview"
    assert cfg.statuses["merged"] == "done"  # the relay file wins


def test_base_config_layers_over_the_user_file_and_under_the_environment(
    tmp_path: Path,
) -> None:
    user = Path(paths.user_config_file())
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[tracker]\ncloud_org_id = "from-user"\ntimeout = 7\n')
    (tmp_path / "base.toml").write_text('[tracker]\ntimeout = 3\napi_version = "v2"\n')
    text = 'base_config = "base.toml"\n' + BASE.replace('org_id = "42"\n', "")
    cfg = load(write(tmp_path, text), {**ENV, "TRACKER_CLOUD_ORG_ID": "from-env"})
    assert cfg.tracker.timeout == 3.0  # the base file over the user's
    assert cfg.tracker.api_version == "v2"
    assert cfg.tracker.cloud_org_id == "from-env"  # the environment over both


def test_secret_and_token_from_files(tmp_path: Path) -> None:
    (tmp_path / "gh").write_text("from-a-file\n")
    (tmp_path / "tok").write_text("file-token\n")
    text = BASE.replace('secret_env = "GH_HOOK_SECRET"', 'secret_file = "gh"').replace(
        'org_id = "42"', 'org_id = "42"\ntoken_file = "tok"'
    )
    cfg = load(write(tmp_path, text), {})
    assert cfg.forges["github"].secret == "from-a-file"
    assert cfg.tracker.token == "file-token"


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("colour = 1\n" + BASE, ENV, "unknown key 'colour'"),
        (BASE + "[server]\nmax_body = -1\n", ENV, "'server.max_body' must be a positive number"),
        (BASE + "[statuses]\nmerged = 3\n", ENV, "'statuses.merged' must be a string"),
        (BASE + "[forges.gitea]\n", ENV, "unknown forge 'forges.gitea'"),
        (BASE + 'secret = "x"\n', ENV, "would put a secret in this file"),
        (BASE, {"TRACKER_TOKEN": "t"}, "names $GH_HOOK_SECRET, which is not set"),
        (BASE, {"GH_HOOK_SECRET": "s"}, "no Tracker token"),
        (BASE.replace('org_id = "42"', ""), ENV, "no Tracker organization"),
        (BASE + "[forges.bitbucket-dc]\n", ENV, "[forges.bitbucket-dc] has no secret"),
        (BASE.replace("[forges.github]\nsecret_env", "[x]\nsecret_env"), ENV, "unknown table [x]"),
        ("branch_keys = true\n[tracker]\norg_id = '1'\n", ENV, "no forge is enabled"),
        (BASE + "[forges.gitlab]\nsigning_token_env = 'GH_HOOK_SECRET'\n", ENV, "not 'whsec_'"),
        ("queues = 'DEV'\n" + BASE, ENV, "'queues' must be a list of queue keys"),
        ('queues = ["DEV1"]\n' + BASE, ENV, "queue keys (Latin letters only, as Tracker's"),
        ("[tracker\n", ENV, "not valid TOML"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(path, env)
    assert message in str(caught.value)
    assert str(caught.value).startswith(path)


def test_a_missing_secret_file_is_named(tmp_path: Path) -> None:
    text = BASE.replace('secret_env = "GH_HOOK_SECRET"', 'secret_file = "nope"')
    with pytest.raises(ConfigError, match=r"forges.github.secret_file': cannot read .*nope"):
        load(write(tmp_path, text), ENV)


def test_unsigned_forge_must_be_explicit(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, BASE + "[forges.bitbucket-dc]\nallow_unsigned = true\n"), ENV)
    assert cfg.forges["bitbucket-dc"].allow_unsigned
    assert cfg.forges["bitbucket-dc"].secret == ""


def test_the_command_checks_a_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write(tmp_path, BASE + "[server]\nmax_body = 'big'\n")
    git_tracker = str(Path(sys.executable).parent / "git-tracker")
    done = subprocess.run(
        [git_tracker, "relay", "--config", path, "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    assert done.returncode == 2
    assert "'server.max_body' must be a positive number, not 'big'" in done.stderr
    assert "Traceback" not in done.stderr
    ok = subprocess.run(
        [git_tracker, "relay", "--config", write(tmp_path, BASE), "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    assert ok.returncode == 0 and "ok; forges: github" in ok.stdout
    assert "s3cret" not in ok.stdout + ok.stderr


def test_check_refuses_plain_http_to_another_host(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write(tmp_path, BASE.replace("http://127.0.0.1:9", "http://tracker.example.com"))
    done = subprocess.run(
        [str(Path(sys.executable).parent / "git-tracker"), "relay", "--config", path, "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    assert done.returncode == 2
    assert "plain http to another host" in done.stderr
    assert "t0ken" not in done.stderr


def test_without_queues_branch_keys_must_be_allowed_explicitly(tmp_path: Path) -> None:
    """GitHub's web editor names branches patch-1, patch-2: not issues."""
    text = BASE.replace("branch_keys = true\n", "")
    with pytest.raises(ConfigError, match=r"no 'queues'.*patch-2.*branch_keys = true"):
        load(write(tmp_path, text), ENV)
    assert load(write(tmp_path, 'queues = ["DEV"]\n' + text), ENV).branch_keys
    assert not load(write(tmp_path, "branch_keys = false\n" + text), ENV).branch_keys


def test_a_postgresql_database_is_a_url_not_a_path(tmp_path: Path) -> None:
    from tracker_git.relay.queue import describe

    url = "postgresql://relay:pa55@db.example.com/relay"
    cfg = load(write(tmp_path, BASE + f'[server]\ndatabase = "{url}"\nlog_format = "json"\n'), ENV)
    assert cfg.database == url and cfg.log_format == "json"
    assert describe(url) == "postgresql://relay@db.example.com/relay"  # never the password
    assert describe("postgresql://db/relay?sslmode=require&password=pa55") == (
        "postgresql://db/relay?sslmode=require"
    )
