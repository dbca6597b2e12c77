"""A file a repository's configuration names (`[pr] template`, a release template, any later
file setting): the one rule of which files such a setting may read.

The setting comes from a cloned repository, so it may name only a file git tracks: a path
relative to the work tree's top, in the index or in HEAD as a regular file (not a symlink,
not a submodule), with no `.git` part, not matched by an ignore rule, and, in the work tree,
a regular file reached without any symlink, of at most MAX_NAMED_FILE bytes. Anything else
(`.git/config` with the credentials a remote URL or CI's `extraheader` keeps, an ignored
`.env`, `~/.netrc`, /proc/self/environ) is a ConfigError naming the file, before a byte of
it is read.

    text = repofile.read_tracked(root, config.pr.template, setting="[pr] template", fix=...)

Stdlib and git only (core): the release command and `git tracker pr` both call it.
"""

from __future__ import annotations

import os

from tracker_git.core import git
from tracker_git.core.config import read_bounded
from tracker_git.core.errors import ConfigError

MAX_NAMED_FILE = 256 * 1024
# What git itself tracks as a file: a blob, executable or not (120000 is a symlink, 160000 a
# submodule), as `ls-files -s` and `ls-tree` print the mode.
_FILE_MODES = (b"100644", b"100755")
# What macOS's HFS+ leaves out of a name when it compares two (git's protectHFS list): the
# zero-width joiners, direction marks and embeddings, the shaping controls and the BOM.
_HFS_IGNORED = dict.fromkeys(
    [*range(0x200C, 0x2010), *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF]
)


def _names_dot_git(part: str) -> bool:
    """Whether a file system may read the path part as `.git`: in any case (`.GIT` on a
    case-insensitive one), as HFS+ reads names (`.g\u200cit`: _HFS_IGNORED left out), and as
    Windows reads them, trailing dots and spaces dropped, a stream after a colon
    (`.git::$INDEX_ALLOCATION` is the folder), or the short name `GIT~1`: git's own rules for
    the names it refuses to check out (core.protectHFS, core.protectNTFS). A crafted HEAD can
    still list such a path."""
    name = part.translate(_HFS_IGNORED).partition(":")[0]
    return name.rstrip(". ").lower() in (".git", "git~1")


def relative_path(name: str, setting: str, fix: str) -> str:
    """`name` as a '/'-separated path relative to the work tree's top; ConfigError for an
    absolute path, `~`, `..`, or a part naming `.git` (_names_dot_git)."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
    if (
        not parts
        # With the drive test below, every path os.path.isabs takes, on Windows too (\\server).
        or name.startswith(("~", "/", "\\"))
        or (len(name) > 1 and name[1] == ":")  # C:... on Windows
        or ".." in parts
    ):
        raise ConfigError(
            f"{setting} {name[:100]!r} is not a path inside the repository; give it relative "
            f"to the repository's top, without '..'; {fix}"
        )
    if any(_names_dot_git(part) for part in parts):
        raise ConfigError(
            f"{setting} {name[:100]!r} is inside .git/, which git does not track; {fix}"
        )
    return "/".join(parts)


def _tracked_mode(args: list[str], root: str, path: str) -> bytes | None:
    """The mode git records for exactly `path` (from `ls-files -s` or `ls-tree`), if any."""
    code, out, _ = git.run(["--literal-pathspecs", *args, "--", path], root)
    if code != 0:
        return None
    wanted = os.fsencode(path)  # the bytes git was given: it prints the name back as is
    for entry in out.split(b"\0"):
        meta, tab, named = entry.partition(b"\t")
        if tab and named == wanted:
            return meta.partition(b" ")[0]
    return None


def is_tracked(root: str, path: str) -> bool:
    """Whether git tracks `path` (relative, '/'-separated) as a regular file, in the index or
    in HEAD, and no ignore rule matches it."""
    modes = (
        _tracked_mode(["ls-files", "--stage", "-z"], root, path),
        _tracked_mode(["ls-tree", "-z", "--full-tree", "HEAD"], root, path),
    )
    if not any(mode in _FILE_MODES for mode in modes):
        return False
    # check-ignore takes path names, not patterns (and refuses --literal-pathspecs).
    code, _, _ = git.run(["check-ignore", "-q", "--no-index", "--", path], root)
    return code == 1  # 0: ignored, 1: not ignored, 128: git failed (then: not proven)


def read_tracked(
    root: str, name: str, *, setting: str, fix: str, limit: int = MAX_NAMED_FILE
) -> bytes:
    """The bytes of the file `name` (the value of `setting`, from a repository's file) in the
    work tree at `root`, if git tracks it (is_tracked) and the work tree holds it as a regular
    file, reached through no symlink, of at most `limit` bytes; else ConfigError naming it."""
    path = relative_path(name, setting, fix)
    shown = path[:200]
    if not is_tracked(root, path):
        raise ConfigError(
            f"{setting} {shown!r} is not a file git tracks in this repository (it must be "
            f"committed or added, not ignored, a plain file); {fix}"
        )
    top = os.path.realpath(root)
    full = os.path.join(top, path)  # on Windows, normpath and realpath both turn '/' into '\\'
    if os.path.realpath(full) != os.path.normpath(full):
        raise ConfigError(f"{setting} {shown!r} goes through a symlink in the work tree; {fix}")
    try:
        return read_bounded(full, missing=fix, limit=limit, what=setting, follow=False)
    except ConfigError as exc:
        raise ConfigError(f"{setting} {shown!r}: {exc}") from None
