from __future__ import annotations

import json
import sys
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
        (
            "queues = 'DEV'\n",
            "'queues' must be a list of queue keys (Latin letters only, as Tracker's queue keys (DEV, SUPPORT)), not 'DEV'",
        ),
        ("[hooks]\nonline = 'yes'\n", "'hooks.online' must be true or false, not 'yes'"),
        ("[hooks]\ntimeout = 0\n", "'hooks.timeout' must be a positive number, not 0"),
        ("[hooks]\ninsert = 'suffix'\n", "'hooks.insert' must be one of \"prefix\""),
        (
            "queues = ['DEV', 'DEV1']\n",
            "'queues' must be a list of queue keys (Latin letters only, as Tracker's queue keys "
            "(DEV, SUPPORT)), not 'DEV1'",
        ),
        ("queues = ['DEV', 3]\n", "'queues' must be a list of queue keys"),
        ("min_version = 'soon'\n", "'min_version' must be a version such as \"1.2\", not 'soon'"),
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


@pytest.mark.parametrize("system", ["darwin", "win32"])
def test_paths_match_platformdirs_on_macos_and_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str
) -> None:
    """platformdirs' own macOS and Windows classes, asked directly on this system (Windows'
    folders from the environment, platformdirs' resolver for when the Shell API is missing)."""
    from platformdirs import macos, windows

    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    monkeypatch.setattr(windows, "_RESOLVE_WIN_FOLDER", windows.get_win_folder_from_env_vars)
    monkeypatch.setattr(sys, "platform", system)
    dirs = (macos.MacOS if system == "darwin" else windows.Windows)("tracker-git")
    assert paths.user_config_dir() == dirs.user_config_dir
    assert paths.user_cache_dir() == dirs.user_cache_dir
    assert paths.user_state_dir() == dirs.user_state_dir


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (
            "[hooks]\nonlnie = true\n",
            "unknown key 'hooks.onlnie' (ignored); did you mean hooks.online?",
        ),
        ("colour = 1\n", "unknown key 'colour' (ignored); known here: min_version, queues"),
        ("[hoks]\nonline = true\n", "unknown table [hoks] (ignored); did you mean [hooks]?"),
        ('[hooks]\n"x\\u001b[31m" = 1\n', "unknown key 'hooks.x\\x1b[31m' (ignored)"),
    ],
)
def test_unknown_keys_are_notes_not_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, note: str
) -> None:
    """A key of a newer version (or a typo) must not stop an older client: the rest of the
    file applies, the key is named once, with what it may be a misspelling of."""
    path = tmp_path / ".tracker-git.toml"
    path.write_text('queues = ["DEV"]\n' + text)
    cfg = config.load(str(tmp_path), environ={})
    assert cfg.queues == ("DEV",)
    assert len(cfg.notes) == 1
    assert cfg.notes[0].startswith(f"{path}: {note}")
    assert capsys.readouterr().err == f"warning: {cfg.notes[0]}\n"


def test_unknown_keys_warn_once_per_version_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / ".tracker-git.toml"
    path.write_text("[hooks]\nfancy = true\n")
    config.load(str(tmp_path), environ={})
    assert capsys.readouterr().err.count("fancy") == 1
    for _ in range(2):  # later runs (each hook of a commit) read the cached copy, quietly
        assert config.load(str(tmp_path), environ={}).notes  # still known: doctor, check
        assert capsys.readouterr().err == ""
    path.write_text("[hooks]\nfancier = true\n")
    config.load(str(tmp_path), environ={})
    assert "unknown key 'hooks.fancier'" in capsys.readouterr().err


def test_a_newer_min_version_is_said_once_and_blocks_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tracker_git.core import version

    path = tmp_path / ".tracker-git.toml"
    path.write_text('min_version = "99.1"\n[hooks]\ninsert = "trailer"\n')
    cfg = config.load(str(tmp_path), environ={})
    assert cfg.hooks.insert == "trailer"
    said = (
        f"warning: {path}: this repository needs tracker-git 99.1 or later, this is "
        f"{version.VERSION}; upgrade it (pipx upgrade tracker-git, or pip install --upgrade "
        "tracker-git). Commits are not blocked\n"
    )
    assert capsys.readouterr().err == said
    config.load(str(tmp_path), environ={})
    assert capsys.readouterr().err == ""
    path.write_text(f'min_version = "{version.VERSION}"\n')
    assert config.load(str(tmp_path), environ={}).notes == ()


@pytest.mark.parametrize(
    ("wanted", "current", "older"),
    [("1.2", "1.1.9", True), ("1.2", "1.2.0", False), ("1.2.1", "1.2", True), ("0.9", "1.0", False),
     ("2", "1.99", True), ("1.10", "1.9", True), ("x", "1.0", False)],
)  # fmt: skip
def test_versions_compare_by_numbers(wanted: str, current: str, older: bool) -> None:
    from tracker_git.core import version

    assert version.older_than(wanted, current) is older


def test_the_version_is_the_packages() -> None:
    """pyproject.toml reads the version from core/version.py: the hooks' copy is the one."""
    from tracker_git import about
    from tracker_git.core import version

    assert about.version() == version.VERSION
