"""The git settings a commit message is read with (core.commentChar, core.commentString,
commit.cleanup), without starting git where git would find none of them set.

`git config` costs a hook ~1.5 ms of CPU on every commit, and most repositories set none of
the three. A key is set only by a file that spells its name (git's section and key names
have no escapes), so when no file git reads contains "comment" or "cleanup", in any case,
none of the three is set. A file brings in others only by spelling `include` (`include.path`,
`includeIf.<condition>.path`); those are followed here as git follows them (a path relative to
the including file's folder, `~/` for HOME, at most 10 deep), every one of them whatever its
condition: reading more files than git would only makes git be asked, never the reverse. Git is
asked, as before, where one of the two words is in a file git may read, where an include
cannot be followed exactly (a value with escapes, a line continuation or a tab between words,
`~user/`, `%(prefix)/`, deeper than git goes), where a setting is given on git's command line (`git -c`,
which git hands to its hooks as GIT_CONFIG_PARAMETERS; GIT_CONFIG_COUNT), with GIT_CONFIG,
for a file that cannot be read, in an odd environment.

The files, as git reads them: the system file, the global ones, the repository's `config`
and the worktree's `config.worktree` (read here whether or not worktree config is on). The
system file's path is built into each git (`/etc/gitconfig`, `$prefix/etc/gitconfig`), so it
is asked once of the `git` that `git config` would run (the first on PATH) and kept in the
user cache folder, keyed by that program's path and file identity (a new git is asked anew).
"""

from __future__ import annotations

import marshal
import os

from tracker_git.core import git, paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from tracker_git.core.gitstate import RepoState

NAMES = ("core.commentChar", "core.commentString", "commit.cleanup")
# What a file must contain (lower-cased) to set one of NAMES.
_WORDS = (b"comment", b"cleanup")
_MAX_FILE = 1 << 20  # a larger config file is left to git: never read without bound
_MAX_DEPTH = 10  # git's own limit on nested includes
# A section header, maybe with a subsection and a key on the same line; a `key = value` line.
_SECTION = r'\[([A-Za-z0-9.-]+)(?:[ \t]+"([^"\\]*)")?\](.*)'
_ENTRY = r"([A-Za-z][A-Za-z0-9-]*)[ \t]*(?:=(.*))?"
_SPACE = " \t\r"  # what git's parser skips as white space (its own isspace, ASCII only)
_CACHE = "gitconfig.marshal"  # {git program: [[dev, ino, size, mtime_ns], system file]}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def message_settings(state: RepoState | None = None, cwd: str | None = None) -> dict[str, str]:
    """NAMES that are set, lower-cased, as `git config` gives them; {} without asking git
    where no config file of `state`'s repository can set them (no state: always asks)."""
    if state is not None and not _may_be_set(state):
        return {}
    return git.config_values(NAMES, cwd)


def _may_be_set(state: RepoState) -> bool:
    environ = os.environ
    if environ.get("GIT_CONFIG") or environ.get("GIT_CONFIG_PARAMETERS"):
        return True
    if environ.get("GIT_CONFIG_COUNT", "0") not in ("", "0"):
        return True
    files = _system_files(environ)
    if files is None:
        return True
    files += _global_files(environ)
    files += [
        os.path.join(state.common_dir, "config"),
        os.path.join(state.git_dir, "config.worktree"),
    ]
    return any(_mentions(path) for path in files)


def _system_files(environ: Mapping[str, str]) -> list[str] | None:
    """The system file(s) git may read; None where only git can tell."""
    nosystem = environ.get("GIT_CONFIG_NOSYSTEM")
    if nosystem is not None:
        if nosystem.lower() in _TRUE:
            return []
        if nosystem.lower() not in _FALSE:
            return None  # git's own verdict on such a value is left to git
    built_in = _built_in_system_file(environ)
    if built_in is None:
        return None
    given = environ.get("GIT_CONFIG_SYSTEM")
    if given == "":
        return None
    # Both: a git older than 2.32 reads its own file whatever GIT_CONFIG_SYSTEM says.
    return [built_in] + ([given] if given else [])


def _global_files(environ: Mapping[str, str]) -> list[str]:
    """GIT_CONFIG_GLOBAL and the default files (a git older than 2.32 reads those whatever
    GIT_CONFIG_GLOBAL says): reading one git would not read only makes git be asked."""
    found = []
    given = environ.get("GIT_CONFIG_GLOBAL")
    if given:
        found.append(given)
    home = environ.get("HOME")
    xdg = environ.get("XDG_CONFIG_HOME")
    if xdg:
        found.append(os.path.join(xdg, "git", "config"))
    if home:
        found.append(os.path.join(home, ".config", "git", "config"))
        found.append(os.path.join(home, ".gitconfig"))
    return found


def _mentions(path: str, depth: int = 0) -> bool:
    """Whether the file may set one of NAMES, itself or through a file it includes: True
    unless it is missing, or readable, free of _WORDS and including only such files."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_FILE + 1)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    if len(data) > _MAX_FILE:
        return True
    lowered = data.lower()
    if any(word in lowered for word in _WORDS):
        return True
    if b"include" not in lowered:
        return False
    included = _included(data.decode("utf-8", "surrogateescape"), path)
    if included is None or (included and depth >= _MAX_DEPTH):
        return True
    return any(_mentions(name, depth + 1) for name in included)


def _included(text: str, path: str) -> list[str] | None:
    """The files `text` (the config file at `path`) includes, all of them whatever
    their conditions; None where only git can tell."""
    import re  # only for a file that spells "include"

    found = []
    section: tuple[str, bool] = ("", False)
    for raw in text.removeprefix("\ufeff").split("\n"):  # git skips a leading BOM
        line = raw.strip(_SPACE)
        if line.endswith("\\"):
            return None  # a continued line
        while line.startswith("["):  # git reads on after a header: `[a] [include] path = x`
            header = re.fullmatch(_SECTION, line)
            if header is None:
                return None
            section = (header[1].lower(), header[2] is not None)
            line = header[3].strip(_SPACE)
        if not line or line[0] in "#;" or section not in (("include", False), ("includeif", True)):
            continue
        entry = re.fullmatch(_ENTRY, line)
        if entry is None or entry[2] is None:
            return None  # not a line this reader knows (git may refuse it, or read it)
        if entry[1].lower() != "path":
            continue
        value = _value(entry[2])
        if value is None:
            return None
        name = _include_path(value, path)
        if name is None:
            return None
        found.append(name)
    return found


def _value(raw: str) -> str | None:
    """A config value as git reads it: white space outside quotes dropped at its ends, its
    comment and quotes removed; None where it has escapes, or a tab or CR between words
    outside quotes (older gits read it as a space, newer ones keep it as written)."""
    if "\\" in raw:
        return None
    out: list[str] = []
    pending = ""  # unquoted white space after a character of the value: kept if more follows
    quoted = False
    for char in raw:
        if not quoted and char in _SPACE:
            pending += char if out else ""
            continue
        if not quoted and char in "#;":
            break
        if pending.strip(" "):
            return None
        out.extend(pending)
        pending = ""
        if char == '"':
            quoted = not quoted
        else:
            out.append(char)
    return None if quoted else "".join(out)


def _include_path(value: str, including: str) -> str | None:
    """Where git looks for an included file: `~/` is HOME, a relative path is relative to the
    including file's folder; `~user/` and `%(prefix)/` are left to git."""
    if not value or value.startswith("%(") or (value.startswith("~") and value[:2] != "~/"):
        return None
    if value.startswith("~/"):
        home = os.environ.get("HOME")
        return os.path.join(home, value[2:]) if home else None
    return os.path.join(os.path.dirname(including), value)


def _git_program(environ: Mapping[str, str]) -> str | None:
    """The `git` that `git.run` starts (the first on PATH); None without a PATH."""
    search = environ.get("PATH")
    if not search:
        return None
    for folder in search.split(os.pathsep):
        candidate = os.path.join(folder or os.curdir, "git")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


def _built_in_system_file(environ: Mapping[str, str]) -> str | None:
    """The system config file of the git on PATH: from the cache, else asked of that git
    (`git config --system --edit` with an editor that prints the file's name) and kept."""
    program = _git_program(environ)
    if program is None:
        return None
    try:
        st = os.stat(program)
    except OSError:
        return None
    identity = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
    cache = os.path.join(paths.user_cache_dir(), _CACHE)
    known = _read_cache(cache)
    entry = known.get(program)
    if isinstance(entry, list) and len(entry) == 2 and entry[0] == identity:
        return entry[1] if isinstance(entry[1], str) else None
    system = _ask_system_file(environ)
    if system is None:
        return None
    known[program] = [identity, system]
    try:
        paths.write_private(cache, marshal.dumps(known))
    except OSError:
        return system  # best effort: git is asked again next time
    return system


def _read_cache(path: str) -> dict[str, object]:
    try:
        with open(path, "rb") as f:
            data = marshal.load(f)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def _ask_system_file(environ: Mapping[str, str]) -> str | None:
    env = {k: v for k, v in environ.items() if k != "GIT_CONFIG_SYSTEM"}
    env["GIT_EDITOR"] = "printf %s"
    code, out, _ = git.run(["config", "--system", "--edit"], env=env)
    name = git.text(out)
    if code != 0 or not os.path.isabs(name) or "\n" in name:
        return None
    return os.path.normpath(name)
