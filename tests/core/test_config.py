from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker_git.core import config, paths
from tracker_git.core.errors import ConfigError


def test_defaults_without_files(tmp_path: Path) -> None:
    cfg = config.load(str(tmp_path), environ={})
    assert cfg.queues == ()
    assert cfg.hooks.insert == "prefix"
    assert cfg.hooks.exempt_branches == ("main", "master", "develop", "release/*")
    assert cfg.tracker.api_url == "https://api.tracker.yandex.net"


def test_precedence_options_env_repo_user_defaults(tmp_path: Path) -> None:
    user = Path(paths.user_config_file())
    user.parent.mkdir(parents=True)
    user.write_text('queues = ["USER"]\n[tracker]\norg_id = "from-user"\ntimeout = 5\n')
    (tmp_path / ".tracker-git.toml").write_text('[tracker]\norg_id = "from-repo"\n')
    cfg = config.load(str(tmp_path), environ={})
    assert cfg.queues == ("USER",)
    assert cfg.tracker.org_id == "from-repo"
    assert cfg.tracker.timeout == 5
    assert cfg.source(config.Tracker.org_id).endswith(".tracker-git.toml")
    cfg = config.load(str(tmp_path), environ={"TRACKER_ORG_ID": "from-env"})
    assert cfg.tracker.org_id == "from-env"
    cfg = config.load(
        str(tmp_path), overrides={config.Tracker.org_id: "cli"}, environ={"TRACKER_ORG_ID": "e"}
    )
    assert cfg.tracker.org_id == "cli"
    assert cfg.source(config.Tracker.org_id) == "command line"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("queues = 'DEV'\n", "'queues' must be a list of strings, not 'DEV'"),
        ("[hooks]\nonline = 'yes'\n", "'hooks.online' must be true or false, not 'yes'"),
        ("[hooks]\ntimeout = 0\n", "'hooks.timeout' must be a positive number, not 0"),
        ("[hooks]\ninsert = 'suffix'\n", "'hooks.insert' must be one of \"prefix\""),
        (
            "[hooks]\nonlnie = true\n",
            "unknown key 'hooks.onlnie'; the keys here are: hooks.allow_without_key, hooks.exempt",
        ),
        ("colour = 1\n", "unknown key 'colour'"),
        ("hooks = 3\n", "[hooks] must be a table"),
        ("[hooks\n", "not valid TOML"),
    ],
)
def test_mistakes_name_file_key_and_expectation(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".tracker-git.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(str(tmp_path), environ={})
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert info.value.exit_code == 2


def test_paths_match_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    for env in (
        {},
        {
            "XDG_CONFIG_HOME": str(tmp_path / "c"),
            "XDG_CACHE_HOME": str(tmp_path / "k"),
            "XDG_STATE_HOME": str(tmp_path / "s"),
        },
    ):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert paths.user_config_dir() == platformdirs.user_config_dir("tracker-git")
        assert paths.user_cache_dir() == platformdirs.user_cache_dir("tracker-git")
        assert paths.user_state_dir() == platformdirs.user_state_dir("tracker-git")


HIDING = [
    "https://tracker.example.test\x1b[2K\rhttps://api.tracker.yandex.net",  # ESC, CR
    "https://evil.test\u202e/ten.xednay",  # right-to-left override
    "https://evil.test\x9b2K",  # a C1 control
    "https://a\u200b.test",  # an invisible (zero-width) character
]


@pytest.mark.parametrize("address", HIDING)
def test_an_address_with_control_or_invisible_characters_is_refused(
    tmp_path: Path, address: str
) -> None:
    """An api_url a terminal could show as another address is no address (issue 19 item 5):
    in a file and in the environment."""
    path = tmp_path / ".tracker-git.toml"
    quoted = json.dumps(address)  # a JSON string is a TOML basic string
    path.write_text(f'[forge]\napi_url = {quoted}\n[tracker]\napi_url = "https://ok.test"\n')
    with pytest.raises(ConfigError) as info:
        config.load(str(tmp_path), environ={})
    assert "'forge.api_url' must be an address of printable characters" in str(info.value)
    assert address not in str(info.value)  # shown escaped
    path.write_text("")
    with pytest.raises(ConfigError, match="TRACKER_API_URL must be an address"):
        config.load(str(tmp_path), environ={"TRACKER_API_URL": address})
    assert config.load(str(tmp_path), environ={"TRACKER_API_URL": "https://ok.test/"})
