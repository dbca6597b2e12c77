"""`login --save-org` edits the user config file: only the keys it sets, comments kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker_git import userconfig
from tracker_git.core import config
from tracker_git.core.errors import ConfigError


def test_a_new_file_gets_the_section(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    userconfig.set_values("tracker", {"org_id": "123", "cloud_org_id": ""}, str(path))
    assert path.read_text() == '[tracker]\norg_id = "123"\n'


def test_keys_are_replaced_in_place_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '# mine\nqueues = ["DEV"]\n\n[tracker]\n# the org\norg_id = "1"\ntimeout = 5\n'
        'cloud_org_id = "bpf"\n\n[hooks]\nonline = true\n'
    )
    userconfig.set_values("tracker", {"org_id": "2", "cloud_org_id": ""}, str(path))
    text = path.read_text()
    assert text == (
        '# mine\nqueues = ["DEV"]\n\n[tracker]\n# the org\norg_id = "2"\ntimeout = 5\n'
        "\n[hooks]\nonline = true\n"
    )
    loaded = config.read_file(str(path))
    assert loaded[("tracker", "org_id")] == "2" and loaded[("tracker", "timeout")] == 5


def test_a_missing_section_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[hooks]\nonline = true\n")
    userconfig.set_values("tracker", {"token_kind": "iam", "cloud_org_id": 'bpf"x'}, str(path))
    loaded = config.read_file(str(path))
    assert loaded[("tracker", "cloud_org_id")] == 'bpf"x'
    assert loaded[("hooks", "online")] is True


def test_a_broken_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[tracker\nnot toml")
    with pytest.raises(ConfigError):
        userconfig.set_values("tracker", {"org_id": "1"}, str(path))
    assert path.read_text() == "[tracker\nnot toml"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
