"""Where tracker-git keeps its files and how it writes them (core/paths.py), in-process: the
folders per platform (the platform and the environment set for the test, as Windows and macOS
have them), folders and files never writable by others whatever the umask, and no write into
a work tree through a link the repository carries (real files and links in a temporary
folder)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.repos import make_repo
from tracker_git.core import paths
from tracker_git.core.errors import OperationFailed

PRECIOUS = "the user's own file\n"
# Modes are POSIX: on Windows (which keeps only a read-only flag) the tests of modes do not
# apply; the Windows road of the code is tested everywhere by setting sys.platform.
POSIX_MODES = pytest.mark.skipif(sys.platform == "win32", reason="Windows keeps no POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """The test sets its own umask (os.umask); the old one comes back after."""
    old = os.umask(0o022)
    os.umask(old)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("USERPROFILE", str(folder))  # expanduser's home on Windows
    for name in ("LOCALAPPDATA", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return folder


# --- the folders, per platform --------------------------------------------------------------


def test_linux_folders_follow_xdg_and_ignore_relative_or_blank_values(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    dirs = (paths.user_config_dir, paths.user_cache_dir, paths.user_state_dir)
    defaults = [home / ".config", home / ".cache", home / ".local" / "state"]
    assert [dir() for dir in dirs] == [str(d / "tracker-git") for d in defaults]
    assert paths.user_config_file() == str(home / ".config" / "tracker-git" / "config.toml")
    for value in ("relative/config", "   ", ""):  # the XDG spec: ignored, the default holds
        for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            monkeypatch.setenv(var, value)
        assert [dir() for dir in dirs] == [str(d / "tracker-git") for d in defaults], value
    for var, name in zip(
        ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"), "cks", strict=True
    ):
        monkeypatch.setenv(var, f"  {home / name}  ")  # an absolute value, spaces around
    assert [dir() for dir in dirs] == [str(home / name / "tracker-git") for name in "cks"]
    assert paths.user_config_file() == str(home / "c" / "tracker-git" / "config.toml")


@pytest.mark.parametrize("local", [None, ""])
def test_windows_folders_without_localappdata_are_under_the_home(
    home: Path, monkeypatch: pytest.MonkeyPatch, local: str | None
) -> None:
    """LOCALAPPDATA missing or empty: the folder Windows would name, under the home."""
    if local is not None:
        monkeypatch.setenv("LOCALAPPDATA", local)
    monkeypatch.setattr(sys, "platform", "win32")
    app = home / "AppData" / "Local" / "tracker-git" / "tracker-git"
    assert paths.user_config_dir() == str(app)
    assert paths.user_cache_dir() == str(app / "Cache")
    assert paths.user_state_dir() == str(app)
    assert paths.user_config_file() == str(app / "config.toml")
    monkeypatch.setenv("LOCALAPPDATA", str(home / "Local"))
    assert paths.user_cache_dir() == str(home / "Local" / "tracker-git" / "tracker-git" / "Cache")


def test_macos_folders(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg"))  # not read on macOS
    monkeypatch.setattr(sys, "platform", "darwin")
    support = home / "Library" / "Application Support" / "tracker-git"
    assert paths.user_config_file() == str(support / "config.toml")
    assert paths.user_state_dir() == str(support)
    assert paths.user_cache_dir() == str(home / "Library" / "Caches" / "tracker-git")


# --- folders: never writable by others ------------------------------------------------------


@POSIX_MODES
def test_make_folder_under_umask_000_makes_nothing_group_or_world_writable(
    tmp_path: Path, umask: None
) -> None:
    os.umask(0)
    made = tmp_path / "a" / "b" / "c"
    assert paths.make_folder(str(made)) == str(made)
    assert [mode(p) for p in (made.parent.parent, made.parent, made)] == [0o700] * 3
    wide = tmp_path / "x" / "y"
    assert paths.make_folder(str(wide), 0o777) == str(wide)
    # the parents we create get 0700 (XDG's base folders), the folder its mode minus g/o write
    assert (mode(wide.parent), mode(wide)) == (0o700, 0o755)
    assert paths.make_folder(str(tmp_path / "x" / "z"), 0o750) == str(tmp_path / "x" / "z")
    assert mode(tmp_path / "x" / "z") == 0o750


@POSIX_MODES
def test_make_folder_keeps_the_umask_and_leaves_existing_folders_alone(
    tmp_path: Path, umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.umask(0o027)
    existing = tmp_path.resolve() / "mine"  # as getcwd names it (macOS: /private/var/...)
    existing.mkdir()
    existing.chmod(0o777)  # the user's choice: not ours to change
    monkeypatch.chdir(tmp_path)
    assert paths.make_folder("mine/new", 0o755) == str(existing / "new")  # absolute
    assert (mode(existing), mode(existing / "new")) == (0o777, 0o750)
    assert paths.make_folder(str(existing)) == str(existing)
    assert mode(existing) == 0o777


def test_make_folder_refuses_a_file_where_a_folder_goes(tmp_path: Path) -> None:
    (tmp_path / "file").write_text(PRECIOUS)
    with pytest.raises(FileExistsError):
        paths.make_folder(str(tmp_path / "file" / "sub"))
    assert (tmp_path / "file").read_text() == PRECIOUS


@POSIX_MODES
def test_on_windows_modes_are_left_as_made(
    tmp_path: Path, umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows keeps no POSIX modes (os.chmod only flips the read-only flag there): nothing is
    changed after os.mkdir or os.open, and a folder that exists keeps its flags."""
    os.umask(0)
    existing = tmp_path / "shared"
    existing.mkdir()
    existing.chmod(0o755)
    monkeypatch.setattr(sys, "platform", "win32")
    paths.make_folder(str(tmp_path / "a" / "b"), 0o777)
    paths.private_folder(str(existing))
    os.umask(0o277)
    paths.write_private(str(existing / "token"), b"secret")
    monkeypatch.undo()
    assert [mode(tmp_path / "a"), mode(tmp_path / "a" / "b")] == [0o700, 0o777]
    assert (mode(existing), mode(existing / "token")) == (0o755, 0o400)


@POSIX_MODES
def test_private_folder_tightens_what_is_open_and_leaves_what_is_private(
    tmp_path: Path, umask: None
) -> None:
    os.umask(0)
    made = tmp_path / "new" / "private"
    assert paths.private_folder(str(made)) == str(made)
    assert (mode(made.parent), mode(made)) == (0o700, 0o700)
    for before in (0o755, 0o701, 0o770):  # open to others somehow: closed
        opened = tmp_path / f"open-{before:o}"
        opened.mkdir()
        opened.chmod(before)
        paths.private_folder(str(opened))
        assert mode(opened) == 0o700, oct(before)
    sticky = tmp_path / "sticky"  # private already, with a bit of the user's own: kept
    sticky.mkdir()
    sticky.chmod(0o1700)
    paths.private_folder(str(sticky))
    assert mode(sticky) == 0o1700


# --- private files --------------------------------------------------------------------------


@POSIX_MODES
def test_write_private_is_0600_whatever_the_umask_and_a_leftover_temporary_file(
    tmp_path: Path, umask: None
) -> None:
    """A temporary file left by a crashed run of the same process id (longer, readable by all)
    is truncated and made private before the data goes in."""
    target = tmp_path / "state" / "token"
    target.parent.mkdir(mode=0o700)
    leftover = Path(f"{target}.{os.getpid()}.tmp")
    leftover.write_bytes(b"an old and much longer content")
    leftover.chmod(0o666)
    os.umask(0o022)
    paths.write_private(str(target), b"new")
    assert (target.read_bytes(), mode(target)) == (b"new", 0o600)
    assert sorted(p.name for p in target.parent.iterdir()) == ["token"]
    os.umask(0o277)  # a umask that takes the user's own write bit: still 0600
    paths.write_private(str(target), b"newer")
    assert (target.read_bytes(), mode(target)) == (b"newer", 0o600)


@POSIX_MODES
def test_write_private_makes_its_folder_private(tmp_path: Path, umask: None) -> None:
    os.umask(0)
    target = tmp_path / "cache" / "deep" / "data"
    paths.write_private(str(target), b"\x00\r\n\x1a")  # bytes as given (binary, no newline change)
    assert target.read_bytes() == b"\x00\r\n\x1a"
    assert (mode(target.parent.parent), mode(target.parent), mode(target)) == (0o700, 0o700, 0o600)


def test_write_private_with_a_bare_name_writes_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths.write_private("data", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert (tmp_path / "data").read_bytes() == b"x"


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "folder"
    (target / "inside").mkdir(parents=True)  # a folder where the file goes: the rename fails
    with pytest.raises(OSError):
        paths.write_private(str(target), b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
    top = tmp_path / "tree"
    (top / "f" / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        paths.write_in_work_tree(str(top), str(top / "f"), "text")
    assert sorted(p.name for p in top.iterdir()) == ["f"]


# --- writing into a work tree ---------------------------------------------------------------


@POSIX_MODES
def test_write_in_work_tree_writes_utf8_with_the_umask_and_replaces(
    tmp_path: Path, umask: None
) -> None:
    os.umask(0o022)
    top = tmp_path / "tree"
    (top / "sub").mkdir(parents=True)
    target = top / "sub" / "file.toml"
    target.write_text("an old and longer text\n")
    paths.write_in_work_tree(str(top), str(target), "queues = ['жук']\n")
    assert target.read_bytes() == "queues = ['жук']\n".encode()
    assert mode(target) == 0o644  # an ordinary file of the repository, not a private one
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.toml"]


def tree_with_link(tmp_path: Path, name: str, dangling: bool) -> tuple[Path, Path]:
    """A work tree whose `name` is a link to a file outside it (the user's own, or none)."""
    outside = tmp_path / "home" / ".bashrc"
    outside.parent.mkdir()
    if not dangling:
        outside.write_text(PRECIOUS)
    top = tmp_path / "tree"
    top.mkdir()
    (top / name).symlink_to(outside)
    return top, outside


@pytest.mark.parametrize("dangling", [False, True])
def test_write_in_work_tree_refuses_a_link_in_the_name(tmp_path: Path, dangling: bool) -> None:
    top, outside = tree_with_link(tmp_path, ".tracker-git.toml", dangling)
    with pytest.raises(OperationFailed) as info:
        paths.write_in_work_tree(str(top), str(top / ".tracker-git.toml"), "x")
    assert str(info.value) == (
        f"{top / '.tracker-git.toml'} is a symbolic link (the repository may carry it); "
        "tracker-git does not write through links: remove it (git rm), then run again; "
        "nothing was written"
    )
    assert outside.read_text() == PRECIOUS if not dangling else not outside.exists()


def test_write_in_work_tree_refuses_a_link_in_a_folder_above(tmp_path: Path) -> None:
    outside = tmp_path / "home"
    outside.mkdir()
    top = tmp_path / "tree"
    (top / "real").mkdir(parents=True)
    (top / "real" / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OperationFailed, match=f"^{top / 'real' / 'link'} is a symbolic link"):
        paths.write_in_work_tree(str(top), str(top / "real" / "link" / "deeper" / "f"), "x")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("dangling", [False, True])
def test_write_in_work_tree_does_not_follow_a_link_at_its_temporary_name(
    tmp_path: Path, dangling: bool
) -> None:
    """Whoever plants a link where the temporary file goes gets an error, not our text in the
    file the link names, nor a file created where a dangling one points (O_EXCL fails on a
    name that exists)."""
    top, outside = tree_with_link(tmp_path, f".file.{os.getpid()}.tmp", dangling)
    with pytest.raises(FileExistsError):
        paths.write_in_work_tree(str(top), str(top / "file"), "ours")
    assert not (top / "file").exists()
    assert outside.read_text() == PRECIOUS if not dangling else not outside.exists()


def test_a_path_outside_the_work_tree_is_refused(tmp_path: Path) -> None:
    top = tmp_path / "tree"
    top.mkdir()
    for path in (tmp_path / "elsewhere", top, tmp_path / "treehouse" / "f"):
        with pytest.raises(OperationFailed) as info:
            paths.refuse_links(str(top), str(path))
        assert str(info.value) == (f"{path} is not inside the work tree {top}; nothing was written")
    assert not (tmp_path / "elsewhere").exists()


def test_refuse_links_gives_the_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path.resolve() / "tree"  # as getcwd names it (macOS: /private/var/...)
    (top / "a").mkdir(parents=True)
    (top / "a" / "b").write_text("")
    monkeypatch.chdir(tmp_path)
    assert paths.refuse_links("tree", "tree/a/../a/b") == str(top / "a" / "b")
    assert paths.refuse_links(str(top), str(top / "a" / "new" / "file")) == str(
        top / "a" / "new" / "file"
    )  # a part that does not exist yet is no link


# --- --output -------------------------------------------------------------------------------


def test_write_output_inside_the_tree_refuses_links_outside_follows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes.md"
    target.write_text(PRECIOUS)
    top = tmp_path / "tree"
    top.mkdir()
    (top / "notes.md").symlink_to(target)
    with pytest.raises(OperationFailed, match="is a symbolic link"):
        paths.write_output(str(top), str(top / "notes.md"), "notes\n")
    assert target.read_text() == PRECIOUS
    beside = tmp_path / "tree-notes"  # shares the tree's name as a prefix: outside it
    beside.mkdir()
    (beside / "link.md").symlink_to(target)
    paths.write_output(str(top), str(beside / "link.md"), "beside\n")
    assert target.read_text() == "beside\n"  # the user named it: an ordinary file
    paths.write_output(None, str(top / "notes.md"), "no tree\n")
    assert target.read_text() == "no tree\n"
    monkeypatch.chdir(top)
    paths.write_output("..", "out.md", "relative: жук\n")
    assert (tmp_path / "tree" / "out.md").read_text(encoding="utf-8") == "relative: жук\n"
    assert not (tmp_path / "tree" / "out.md").is_symlink()


def test_write_output_inside_the_tree_goes_through_write_in_work_tree(
    tmp_path: Path, umask: None
) -> None:
    """Inside the work tree the file is replaced (a new inode from the temporary file), never
    rewritten in place: a hard link to a file outside stays untouched."""
    outside = tmp_path / "outside"
    outside.write_text(PRECIOUS)
    top = tmp_path / "tree"
    top.mkdir()
    os.link(outside, top / "hard")
    paths.write_output(str(top), str(top / "hard"), "new\n")
    assert ((top / "hard").read_text(), outside.read_text()) == ("new\n", PRECIOUS)
    with pytest.raises(OSError):
        paths.write_output(str(top), str(top), "the tree itself is no file")


def test_write_output_writes_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """Release notes name people and issues in any script: UTF-8 even where the locale's
    encoding is another (ASCII under LC_CTYPE=C here, a code page on Windows)."""
    import locale

    old = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        paths.write_output(None, str(tmp_path / "notes.md"), "жук — ok\n")
        paths.write_output(str(tmp_path), str(tmp_path / "in-tree.md"), "жук\n")
    finally:
        locale.setlocale(locale.LC_CTYPE, old)
    assert (tmp_path / "notes.md").read_bytes() == "жук — ok\n".encode()
    assert (tmp_path / "in-tree.md").read_bytes() == "жук\n".encode()


# --- the work tree of a folder --------------------------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("worktree") / "repo")


def test_work_tree_is_the_nearest_folder_with_a_git_entry(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = repo / "a" / "b"
    deep.mkdir(parents=True, exist_ok=True)
    assert paths.work_tree(str(deep)) == str(repo)
    assert paths.work_tree(str(repo)) == str(repo)
    monkeypatch.chdir(deep)
    assert paths.work_tree(".") == str(repo.resolve())  # as getcwd names it
    assert paths.work_tree(str(tmp_path)) is None  # no .git above the temporary folders
    nested = tmp_path / "outer" / "inner"
    nested.mkdir(parents=True)
    (tmp_path / "outer" / ".git").mkdir()
    (nested / ".git").symlink_to(tmp_path / "missing")  # a dangling link counts: lexists
    assert paths.work_tree(str(nested)) == str(nested)
    (nested / ".git").unlink()
    (nested / ".git").write_text("gitdir: ../elsewhere\n")  # a linked worktree's file
    assert paths.work_tree(str(nested / ".")) == str(nested)
    (nested / ".git").unlink()
    assert paths.work_tree(str(nested)) == str(tmp_path / "outer")
