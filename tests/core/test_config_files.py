"""How configuration files are read (real files in tmp_path): the bounds of read_bounded (a
regular file, inside the work tree, at most its limit), the one-line errors of a file that
cannot be read or parsed, where each value came from, and the warnings said once."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tracker_git.core import config, paths
from tracker_git.core.errors import ConfigError

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files and errors")


def error_of(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        call(*args, **kwargs)
    assert info.value.exit_code == 2
    return str(info.value)


# --- read_bounded: what is read at all ---------------------------------------------------


@pytest.mark.parametrize(
    ("size", "limit", "refused"),
    [
        (10, 10, False),  # exactly the limit: read
        (11, 10, True),
        (65536, 65536, False),  # one whole chunk at the limit: the next read finds the end
        (65537, 65536, True),  # one chunk at the limit and a byte more: refused, not cut
        (131072, 100000, True),  # two chunks, each under the limit, over it together
        (200000, 300000, False),  # several chunks, joined as they were
    ],
)
def test_a_file_is_read_whole_up_to_its_limit(
    tmp_path: Path, size: int, limit: int, refused: bool
) -> None:
    path = tmp_path / "data"
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)

    def read() -> bytes:
        return config.read_bounded(str(path), missing="m", limit=limit, what="the data")

    if refused:
        assert error_of(read) == f"{path}: larger than {limit // 1024} KiB, too large for the data"
    else:
        assert read() == data


def test_a_configuration_file_over_one_mib_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / ".tracker-git.toml"
    path.write_bytes(b"# " + b"x" * (config.MAX_FILE_BYTES - 3) + b"\n")
    assert config.load(str(tmp_path), environ={}).queues == ()  # 1 MiB exactly: read
    path.write_bytes(b"# " + b"x" * (config.MAX_FILE_BYTES - 2) + b"\n")
    assert error_of(config.load, str(tmp_path), environ={}) == (
        f"{path}: larger than 1024 KiB, too large for a configuration file"
    )


@posix_only  # Windows refuses to open a folder at all (Permission denied)
def test_a_folder_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".tracker-git.toml").mkdir()
    assert error_of(config.load, str(tmp_path), environ={}) == (
        f"{tmp_path / '.tracker-git.toml'}: not a regular file; a configuration file must be "
        "a plain file"
    )


@posix_only
def test_a_fifo_in_place_of_the_file_is_refused_without_waiting(tmp_path: Path) -> None:
    """A cloned repository's FIFO must not hang a hook: opened without waiting for a writer."""
    os.mkfifo(tmp_path / ".tracker-git.toml")
    assert error_of(config.load, str(tmp_path), environ={}) == (
        f"{tmp_path / '.tracker-git.toml'}: not a regular file; a configuration file must be "
        "a plain file"
    )


@posix_only
def test_symlinks_inside_the_tree_are_followed_outside_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "conf").mkdir(parents=True)
    (repo / "conf" / "tracker.toml").write_text('queues = ["DEV"]\n')
    link = repo / ".tracker-git.toml"
    link.symlink_to(Path("conf") / "tracker.toml")
    assert config.load(str(repo), environ={}).queues == ("DEV",)
    assert config.read_file(str(link), str(repo)) == {("", "queues"): ["DEV"]}
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('queues = ["OPS"]\n')
    link.unlink()
    link.symlink_to(outside)
    message = f"{link}: points out of the work tree; a configuration file must be in the repository"
    assert error_of(config.load, str(repo), environ={}) == message
    assert error_of(config.read_file, str(link), str(repo)) == message
    # Without a tree (the user's own file, the relay's base_config) a symlink is followed.
    assert config.read_file(str(link)) == {("", "queues"): ["OPS"]}


@posix_only
def test_without_follow_a_symlink_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"data")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert config.read_bounded(str(link), missing="m") == b"data"
    assert config.read_bounded(str(target), missing="m", follow=False) == b"data"
    assert error_of(config.read_bounded, str(link), missing="m", follow=False) == (
        f"{link}: cannot be read (Too many levels of symbolic links); check its permissions"
    )


def test_where_os_has_no_nonblock_or_nofollow_flag_a_file_is_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' os has neither O_NONBLOCK nor O_NOFOLLOW: the open goes without them."""
    path = tmp_path / "plain.toml"
    path.write_bytes(b"queues = []\n")
    monkeypatch.delattr(os, "O_NONBLOCK", raising=False)
    monkeypatch.delattr(os, "O_NOFOLLOW", raising=False)
    assert config.read_bounded(str(path), missing="m") == b"queues = []\n"
    assert config.read_bounded(str(path), missing="m", follow=False) == b"queues = []\n"


def test_a_missing_or_unreachable_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "relay.toml"
    assert error_of(config.read_toml, str(missing), missing="create it with 'x init'") == (
        f"{missing}: no such file; create it with 'x init'"
    )
    # No file at all is no error: the defaults apply.
    assert config.read_file(str(missing)) == {}


@posix_only
def test_a_file_in_place_of_a_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    below = blocker / "config.toml"
    assert error_of(config.read_bounded, str(below), missing="m") == (
        f"{below}: cannot be read (Not a directory); check its permissions"
    )
    # The user's file where a file stands in for its folder: the same line from load.
    assert error_of(config.load, None, environ={}, user_file=str(below)) == (
        f"{below}: cannot be read (Not a directory); check its permissions"
    )


@posix_only  # Windows allows no folder name ending in a blank
def test_inside_the_tree(tmp_path: Path) -> None:
    """A work tree whose folder name ends in a blank, and the root folder itself."""
    repo = tmp_path / "my repo "
    repo.mkdir()
    (repo / ".tracker-git.toml").write_text('queues = ["DEV"]\n')
    assert config.inside(str(repo / ".tracker-git.toml"), str(repo))
    assert config.load(str(repo), environ={}).queues == ("DEV",)
    assert not config.inside(str(tmp_path / "my repo"), str(repo))
    assert not config.inside(str(tmp_path / "my repo x" / "f"), str(repo))
    assert config.inside(str(repo), str(repo))
    assert config.inside(str(tmp_path), os.path.abspath(os.sep))


# --- read_toml: parse failures -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply to read; fix the file"),
        # Python refuses to convert an integer of more than 4300 digits (ValueError).
        (b"a = " + b"1" * 5000 + b"\n", "cannot be parsed (ValueError); fix the file"),
    ],
)
def test_what_the_parser_cannot_take_is_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "f.toml"
    path.write_bytes(content)
    assert error_of(config.read_toml, str(path), missing="m") == f"{path}: {message}"


def test_text_that_is_not_utf8_is_not_valid_toml(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_bytes(b'queues = ["D\xc9V"]\n')
    assert error_of(config.read_toml, str(path), missing="m").startswith(
        f"{path}: not valid TOML ('utf-8' codec can't decode byte 0xc9"
    )


def test_an_empty_min_version_asks_for_nothing(tmp_path: Path) -> None:
    (tmp_path / ".tracker-git.toml").write_text('min_version = ""\n')
    assert config.load(str(tmp_path), environ={}).notes == ()


# --- load: layers and where each value came from ----------------------------------------


def test_every_value_says_where_it_came_from(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text("[hooks]\nonline = true\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".tracker-git.toml").write_text("[hooks]\nstrict = true\n")
    cfg = config.load(
        str(repo),
        overrides={config.Hooks.insert: "trailer"},
        environ={"TRACKER_ORG_ID": "42", "TRACKER_API_URL": ""},  # empty: not set
        user_file=str(user),
    )
    assert cfg.source(config.Hooks.online) == str(user)
    assert cfg.source(config.Hooks.strict) == str(repo / ".tracker-git.toml")
    assert cfg.source(config.Tracker.org_id) == "environment"
    assert cfg.source(config.Hooks.insert) == "command line"
    assert cfg.source(config.Tracker.api_url) == "default"
    assert cfg.tracker.api_url == "https://api.tracker.yandex.net"
    assert cfg.files() == sorted([str(user), str(repo / ".tracker-git.toml")])
    assert (cfg.repo_root, cfg.repo_file) == (str(repo), str(repo / ".tracker-git.toml"))
    assert config.load(str(tmp_path / "none"), environ={}, user_file=str(user)).files() == [
        str(user)
    ]

    later = cfg.replace({config.Hooks.online: False}, "prompt")
    assert later.hooks.online is False and later.source(config.Hooks.online) == "prompt"
    assert later.hooks.strict is True and later.hooks.insert == "trailer"
    assert (later.repo_root, later.repo_file, later.notes) == (cfg.repo_root, cfg.repo_file, ())
    assert later.files() == [str(repo / ".tracker-git.toml")]  # the user's one value replaced
    assert cfg.hooks.online is True  # the first is unchanged


def test_a_file_read_in_place_of_the_repositorys(tmp_path: Path) -> None:
    """The relay's base_config: read instead of the work tree's file, with its notes."""
    base = tmp_path / "base.toml"
    base.write_text('queues = ["OPS"]\n[hooks]\nfancy = 1\n')
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".tracker-git.toml").write_text('queues = ["DEV"]\n')
    for root in (None, str(repo)):
        cfg = config.load(root, environ={}, repo_file=str(base), warn=False)
        assert cfg.queues == ("OPS",)
        assert cfg.source(config.Top.queues) == str(base)
        assert (cfg.repo_root, cfg.repo_file) == (root, str(base))
        assert len(cfg.notes) == 1
        assert cfg.notes[0].startswith(f"{base}: unknown key 'hooks.fancy' (ignored); ")
        later = cfg.replace({}, "prompt")
        assert (later.repo_root, later.repo_file, later.notes) == (root, str(base), cfg.notes)


def test_a_bad_environment_value_is_named_with_the_value(tmp_path: Path) -> None:
    environ = {"TRACKER_API_URL": "https://a\x1b.test"}
    assert error_of(config.load, str(tmp_path), environ=environ) == (
        "TRACKER_API_URL must be an address of printable characters (no control or invisible "
        "ones), not 'https://a\\x1b.test'"
    )


# --- warnings, once ---------------------------------------------------------------------


def test_a_note_is_warned_once_per_process(capsys: pytest.CaptureFixture[str]) -> None:
    note = "f.toml: unknown key 'x' (ignored) (a note of this test alone)"
    config.warn_notes([note, note])
    config.warn_notes([note])
    assert capsys.readouterr().err == f"warning: {note}\n"


def test_a_cached_file_is_quiet_in_the_next_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each hook of a commit is a new process: only the one that parses the file anew warns;
    the next reads the cached copy, which still knows the notes, quietly."""
    path = tmp_path / ".tracker-git.toml"
    path.write_text("[hooks]\nonce_only = 1\n")
    first = config.load(str(tmp_path), environ={})
    assert capsys.readouterr().err == f"warning: {first.notes[0]}\n"
    config._WARNED.clear()  # what a new process starts with
    assert config.load(str(tmp_path), environ={}).notes == first.notes
    assert capsys.readouterr().err == ""
    config._WARNED.clear()
    path.write_text("[hooks]\nonce_only = 2\n")  # changed: parsed and said again
    config.load(str(tmp_path), environ={}, warn=False)
    assert capsys.readouterr().err == ""  # the caller (doctor) shows them itself


def test_the_cached_copy_is_one_file_in_the_cache_folder(tmp_path: Path) -> None:
    path = tmp_path / ".tracker-git.toml"
    path.write_text('queues = ["DEV"]\n')
    config.load(str(tmp_path), environ={})
    folder = Path(paths.user_cache_dir()) / "config"
    assert [p.name for p in folder.iterdir()] == [str(path).replace(os.sep, "%") + ".marshal"]
