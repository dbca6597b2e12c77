"""core/repofile.py in-process: a file a repository's setting names is a file git tracks (in
the index or HEAD, a regular file, no `.git` part, not ignored, reached through no symlink, at
most 256 KiB). One real repository holds every attack and every accepted form; each refusal
is the exact line the user reads."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import repofile
from tracker_git.core.errors import ConfigError

SETTING = "[pr] template"
FIX = "set it to a file of this repository"
MAX = repofile.MAX_NAMED_FILE
# What only some systems' file systems hold: symlinks and FIFOs and a tab in a name (not on
# Windows), a name that is not UTF-8 (not on macOS's APFS either).
POSIX = sys.platform != "win32"
RAW_NAMES = sys.platform.startswith("linux")
posix = pytest.mark.skipif(not POSIX, reason="no symlinks, FIFOs or tabs in names here")
raw_names = pytest.mark.skipif(not RAW_NAMES, reason="file names are UTF-8 here")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Committed: files, an executable, big files, a force-added ignored file, symlinks and a
    gitlink; then the work tree and index changed under git's records."""
    repo = make_repo(tmp_path_factory.mktemp("repofile") / "repo")
    files = {
        "docs/pr.md": "ours\n",
        "a": "one letter\n",
        "-notes.md": "a name like an option\n",
        "run.sh": "#!/bin/sh\n",
        "exact.md": "x" * MAX,
        "big.md": "x" * (MAX + 1),
        ".gitignore": ".env\nbuild/\n",
        ".env": "DATABASE_PASSWORD=canary\n",
        "missing.md": "deleted from the work tree\n",
        "dropped.md": "in HEAD only\n",
        "real/file.md": "the link's target\n",
    }
    if POSIX:
        files |= {
            "tab\tin name.md": "a tab, as git separates its fields\n",
            "via/file.md": "behind a folder\n",
            "swapped.md": "becomes a link\n",
            "fifo.md": "becomes a pipe\n",
            "loop.md": "becomes a link to itself\n",
        }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(text.encode())
    os.chmod(repo / "run.sh", 0o755)
    if RAW_NAMES:
        (repo / "raw").mkdir()
        (repo / os.fsdecode(b"raw/caf\xe9.md")).write_bytes(b"not UTF-8 named\n")
    if POSIX:
        (repo / "link.md").symlink_to("docs/pr.md")
        (repo / "cfg.md").symlink_to(".git/config")
        (repo / "linked").symlink_to(".git")
    git(repo, "add", "-f", ".")  # -f: the ignored .env too
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},sub")  # a submodule
    git(repo, "commit", "-q", "--no-verify", "-m", "files")
    # After the commit: what the index and the work tree hold apart from HEAD.
    (repo / "new.md").write_bytes(b"added, not committed\n")
    git(repo, "add", "new.md")
    git(repo, "rm", "-q", "--cached", "dropped.md")
    (repo / "untracked.md").write_bytes(b"untracked\n")
    (repo / "build").mkdir()
    (repo / "build" / "notes.md").write_bytes(b"ignored\n")
    os.unlink(repo / "missing.md")
    if POSIX:
        swap_for_links(repo)
    return repo


def swap_for_links(repo: Path) -> None:
    """Files git tracks as plain files, made links or a pipe in the work tree."""
    os.unlink(repo / "fifo.md")
    os.mkfifo(repo / "fifo.md")
    os.unlink(repo / "swapped.md")
    (repo / "swapped.md").symlink_to("docs/pr.md")
    os.unlink(repo / "via" / "file.md")
    (repo / "via").rmdir()
    (repo / "via").symlink_to("real")  # the folder swapped for a link to a folder
    os.unlink(repo / "loop.md")
    (repo / "loop.md").symlink_to("loop.md")


def read(repo: Path, name: str) -> bytes:
    return repofile.read_tracked(str(repo), name, setting=SETTING, fix=FIX)


def refusal(repo: Path, name: str) -> str:
    with pytest.raises(ConfigError) as refused:
        read(repo, name)
    return str(refused.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("docs/pr.md", b"ours\n"),
        ("./docs//./pr.md", b"ours\n"),
        ("docs\\pr.md", b"ours\n"),
        ("a", b"one letter\n"),  # one character: no drive letter to look at
        ("-notes.md", b"a name like an option\n"),  # after `--`, not read as an option
        ("run.sh", b"#!/bin/sh\n"),  # 100755
        pytest.param("tab\tin name.md", b"a tab, as git separates its fields\n", marks=posix),
        # git prints the bytes it was given
        pytest.param("raw/caf\udce9.md", b"not UTF-8 named\n", marks=raw_names),
        ("new.md", b"added, not committed\n"),  # in the index only
        ("dropped.md", b"in HEAD only\n"),  # in HEAD only
        ("real/file.md", b"the link's target\n"),
    ],
)
def test_a_tracked_file_is_read(repo: Path, name: str, expected: bytes) -> None:
    assert read(repo, name) == expected


def test_a_file_of_exactly_the_limit_is_read_one_byte_more_is_refused(repo: Path) -> None:
    assert read(repo, "exact.md") == b"x" * MAX
    full = os.path.join(os.path.realpath(repo), "big.md")
    assert refusal(repo, "big.md") == (
        f"[pr] template 'big.md': {full}: larger than 256 KiB, too large for [pr] template"
    )
    text = repofile.read_tracked(str(repo), "docs/pr.md", setting=SETTING, fix=FIX, limit=5)
    assert text == b"ours\n"
    with pytest.raises(ConfigError, match="larger than 0 KiB"):
        repofile.read_tracked(str(repo), "docs/pr.md", setting=SETTING, fix=FIX, limit=4)


@posix
def test_the_repository_reached_through_a_symlink_is_read(repo: Path, tmp_path: Path) -> None:
    """macOS's temporary folders are under the /var -> /private/var link: the top is resolved,
    only links below it count."""
    (tmp_path / "alias").symlink_to(repo)
    assert read(tmp_path / "alias", "docs/pr.md") == b"ours\n"


UNTRACKED = (
    "[pr] template {!r} is not a file git tracks in this repository (it must be committed or "
    f"added, not ignored, a plain file); {FIX}"
)


@pytest.mark.parametrize(
    "name",
    [
        "untracked.md",
        ".env",  # committed with -f, still matched by .gitignore
        "build/notes.md",  # ignored and untracked
        pytest.param("link.md", marks=posix),  # tracked as a symlink (120000)
        pytest.param("cfg.md", marks=posix),  # a symlink to .git/config
        pytest.param("linked/config", marks=posix),  # through a tracked symlink to .git
        # A folder on the way swapped for a link: git refuses to look beyond it.
        pytest.param("via/file.md", marks=posix),
        "sub",  # a submodule (160000)
        "docs",  # a folder that holds tracked files
        pytest.param("raw", marks=raw_names),  # the same, with a name not UTF-8 inside
        "DOCS/pr.md",  # another case: git's record is the spelling that counts
        "docs/PR.md",
        "nothing/here.md",
    ],
)
def test_a_file_git_does_not_track_as_a_plain_file_is_refused(repo: Path, name: str) -> None:
    assert refusal(repo, name) == UNTRACKED.format(name)


def test_a_refusal_shows_at_most_200_characters_of_the_path(repo: Path) -> None:
    name = "d/" * 150 + "x.md"
    assert refusal(repo, name) == UNTRACKED.format(name[:200])


@posix
def test_a_file_swapped_for_a_link_or_a_pipe_in_the_work_tree_is_refused(repo: Path) -> None:
    """Tracked as plain files; in the work tree a link (a folder on the way swapped for a link
    is refused by git itself, above), or a pipe that would block a read."""
    top = os.path.realpath(repo)
    assert refusal(repo, "swapped.md") == (
        f"[pr] template 'swapped.md' goes through a symlink in the work tree; {FIX}"
    )
    assert refusal(repo, "fifo.md") == (
        f"[pr] template 'fifo.md': {top}/fifo.md: not a regular file; "
        "[pr] template must be a plain file"
    )
    # A link to itself resolves to its own path, so only the open refuses it.
    assert refusal(repo, "loop.md") == (
        f"[pr] template 'loop.md': {top}/loop.md: cannot be read (Too many levels of symbolic "
        "links); check its permissions"
    )


def test_a_tracked_file_the_work_tree_lacks_is_refused(repo: Path) -> None:
    full = os.path.join(os.path.realpath(repo), "missing.md")
    assert refusal(repo, "missing.md") == f"[pr] template 'missing.md': {full}: no such file; {FIX}"


OUTSIDE = (
    "[pr] template {!r} is not a path inside the repository; give it relative to the "
    f"repository's top, without '..'; {FIX}"
)


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "./",
        "/etc/passwd",
        "/proc/self/environ",
        "\\\\server\\share\\x",
        "\\x",
        "~/.netrc",
        "~",
        "C:\\Windows\\win.ini",
        "C:x",
        "c:",
        "..",
        "../outside.md",
        "docs/../../outside.md",
        "docs/../.git/config",  # `..` is refused before `.git` is looked for
        "docs\\..\\x",
    ],
)
def test_a_path_outside_the_work_tree_is_refused(repo: Path, name: str) -> None:
    assert refusal(repo, name) == OUTSIDE.format(name)


def test_an_outside_path_is_shown_cut_to_100_characters(repo: Path) -> None:
    name = "/" + "x" * 150
    assert refusal(repo, name) == OUTSIDE.format(name[:100])


@pytest.mark.parametrize(
    "name",
    [
        ".git/config",
        "./.git/config",
        "docs/.git/config",
        ".git",
        ".GIT/config",  # a case-insensitive file system reads it as .git
        ".Git/config",
        ".git./config",  # Windows drops trailing dots and spaces
        ".git /config",
        ".git. ./config",
        ".git\\config",
        ".git::$INDEX_ALLOCATION/config",  # Windows: the folder's index stream is the folder
        ".git:x/config",
        "GIT~1/config",  # Windows: the folder's short (8.3) name
        "git~1. /config",
        "docs/git~1:x",
        ".g\u200cit/config",  # macOS's HFS+ leaves these code points out of names
        "\u202e.git/config",
        ".git\u206f/config",
        "\ufeff.GIT\u200f/config",
    ],
)
def test_a_path_inside_dot_git_is_refused(repo: Path, name: str) -> None:
    assert (
        refusal(repo, name)
        == f"[pr] template {name!r} is inside .git/, which git does not track; {FIX}"
    )


def test_a_dot_git_path_is_shown_cut_to_100_characters(repo: Path) -> None:
    name = ".git/" + "x" * 150
    assert refusal(repo, name) == (
        f"[pr] template {name[:100]!r} is inside .git/, which git does not track; {FIX}"
    )


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("docs/pr.md", "docs/pr.md"),
        ("./docs//./pr.md", "docs/pr.md"),
        ("docs\\sub\\x.md", "docs/sub/x.md"),
        ("a", "a"),
        ("ab", "ab"),
        (".gitignore", ".gitignore"),  # names that only start or end like .git
        ("x.git/config", "x.git/config"),
        (".gitx/config", ".gitx/config"),
        ("git/config", "git/config"),
        (".gitX/config", ".gitX/config"),
        (".git_x:y/config", ".git_x:y/config"),
        ("ab/x:.git/config", "ab/x:.git/config"),  # what comes after a colon is a stream
        ("git~2/config", "git~2/config"),
        ("xgit~1/config", "xgit~1/config"),
        (".g\u200bit/config", ".g\u200bit/config"),  # a zero-width space HFS+ keeps
        ("..x/y", "..x/y"),
        ("x~", "x~"),
        ("ab:c", "ab:c"),  # a colon past the second character is no drive
    ],
)
def test_relative_path_normalizes_an_inside_path(name: str, path: str) -> None:
    assert repofile.relative_path(name, SETTING, FIX) == path


def test_a_crafted_head_naming_dot_git_as_another_system_reads_it_is_refused(
    tmp_path: Path,
) -> None:
    """git refuses to check out these names (core.protectNTFS, core.protectHFS), but a cloned
    HEAD can list them, and on Windows or HFS+ they open .git/config: refused by name, whatever
    git tracks."""
    repo = make_repo(tmp_path / "repo", initial_commit=False)
    blob = git(repo, "hash-object", "-w", "--stdin", input="[remote]\n").strip()
    inner = git(repo, "mktree", input=f"100644 blob {blob}\tconfig\n").strip()
    names = (".git::$INDEX_ALLOCATION", "GIT~1", ".g\u200cit")
    listing = "".join(f"040000 tree {inner}\t{name}\n" for name in names)
    tree = git(repo, "mktree", input=listing, encoding="utf-8").strip()
    head = git(repo, "commit-tree", tree, "-m", "crafted").strip()
    git(repo, "update-ref", "refs/heads/main", head)
    for name in names:
        path = f"{name}/config"
        assert repofile.is_tracked(str(repo), path)
        assert refusal(repo, path) == (
            f"[pr] template {path!r} is inside .git/, which git does not track; {FIX}"
        )


def test_a_file_kept_by_an_ignore_everything_but_list_is_read(tmp_path: Path) -> None:
    """A .gitignore that lists what it keeps: only the path asked about is judged."""
    repo = make_repo(tmp_path / "repo", initial_commit=False)
    (repo / ".gitignore").write_text("/*\n!/.gitignore\n!/notes.md\n")
    (repo / "notes.md").write_text("kept\n")
    (repo / "other.md").write_text("ignored\n")
    git(repo, "add", "-f", ".gitignore", "notes.md", "other.md")
    git(repo, "commit", "-q", "--no-verify", "-m", "files")
    assert read(repo, "notes.md") == b"kept\n"
    assert refusal(repo, "other.md") == UNTRACKED.format("other.md")
