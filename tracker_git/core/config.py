"""Configuration: a declarative schema, layered sources, validated up front, then read-only.

Precedence, highest first (docs/configuration.md): command-line options, environment variables,
the repository's `.tracker-git.toml`, the user's `config.toml`, the defaults declared below
(in the format of core/schema.py, which the relay and notify files share).
Every mistake is reported with the file, the key and what was expected.

The hooks load this on every commit, so it avoids dataclasses, typing and platformdirs
(~10 ms together) and imports tomllib only when a file exists.
"""

from __future__ import annotations

import os

from tracker_git.core import output, paths, portable, version
from tracker_git.core.errors import ConfigError
from tracker_git.core.schema import (
    Section,
    choice,
    defaults,
    describe_kind,
    flag,
    keys_of,
    matches_kind,
    normal,
    number,
    queue_keys,
    shown,
    strings,
    text,
    url,
    validate,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any, TypeVar

    from tracker_git.core.schema import Key

    T = TypeVar("T")

REPO_FILE = ".tracker-git.toml"


class Top(Section, name=""):
    """The top level of the file."""

    queues = queue_keys(
        (),
        "the team's queue keys; empty: any (then DEV-123-2, DEV-123_fix are not read as keys)",
    )
    min_version = text(
        "", 'the oldest tracker-git this repository needs ("X.Y"); older ones say so, once'
    )


class Tracker(Section, name="tracker"):
    """Where Tracker is and how to talk to it."""

    api_url = url("https://api.tracker.yandex.net", "the API base (plain http:// only to loopback)")
    api_version = choice(("v2", "v3"), "v3", "the API version (the paths are the same)")
    org_id = text("", "Yandex 360 organization id (X-Org-ID)")
    cloud_org_id = text("", "Yandex Cloud organization id (X-Cloud-Org-ID)")
    token_kind = choice(("oauth", "iam"), "oauth", "iam: a Bearer token (Cloud organizations)")
    timeout = number(10, "seconds per request")


class Hooks(Section, name="hooks"):
    """The git hooks."""

    exempt_branches = strings(
        ("main", "master", "develop", "release/*"),
        "branches the branch-name check leaves alone (glob patterns)",
    )
    insert = choice(
        ("prefix", "conventional", "trailer", "none"),
        "prefix",
        "where prepare-commit-msg writes the key: DEV-1: msg, feat(DEV-1): msg, a trailer",
    )
    online = flag(False, "ask Tracker whether the issue exists (answers cached)")
    strict = flag(False, "block (instead of warn) when Tracker cannot be reached")
    timeout = number(2, "seconds for the keyring and the network inside a hook")
    allow_without_key = strings(
        (), 'no-issue markers: ["MINOR"] lets "MINOR: fix a typo" pass without a key'
    )
    since = text(
        "",
        "a commit or date (2026-01-31): pre-push, check range, check pr skip older commits; "
        "init sets HEAD",
    )


class Branch(Section, name="branch"):
    """Branches that `git tracker start` creates."""

    pattern = text("{key}-{slug}", "the new branch's name: {key}, {slug}, {queue}, {number}")


class Statuses(Section, name="statuses"):
    """Status keys (not display names) per event; "" moves nothing."""

    start = text("inProgress", "where git tracker start moves the issue")
    review = text("inReview", "where git tracker pr moves the issue")
    approved = text("", "the relay: a pull request approved")
    changes_requested = text("needsRework", "the relay: changes requested")
    merged = text("readyForTest", "the relay: merged")
    declined = text("needsRework", "the relay: declined")


class Stand(Section, name="stand"):
    """`git tracker stand`."""

    field = text("standLink", "the issue field for a stand's link (global id or local key)")


class Pr(Section, name="pr"):
    """`git tracker pr`."""

    title = text("{key}: {summary}", "the pull request's title")
    template = text("", "the repository's description template (a path); empty: built-in")
    key_in = choice(
        ("title", "title-or-description"),
        "title",
        "`check pr`: where the pull request's key must be (title-or-description: either will do)",
    )
    check = choice(
        ("all", "title"),
        "all",
        "`check pr`: all (title, branch, commits) or title only (for teams that squash-merge)",
    )
    drafts = choice(
        ("check", "skip"),
        "check",
        "`check pr`: check draft pull requests, or pass them with a note until ready",
    )
    exempt_authors = strings(
        ("dependabot[bot]", "renovate[bot]"),
        "`check pr`: authors whose pull requests pass unchecked (GitHub logins, GitLab users)",
    )


class Release(Section, name="release"):
    """`git tracker release`."""

    status = text("", "the status each released issue moves to; empty: statuses stay")
    resolution = text("", "the resolution that move needs, when it needs one (fixed)")
    comment = flag(False, "comment on each released issue with the version and its address")


def _forge_kinds() -> tuple[str, ...]:
    """The forges of core/forgekinds, imported only to validate or document [forge] kind
    (not by a hook that reads a cached copy of the file)."""
    from tracker_git.core import forgekinds

    return ("", *forgekinds.KINDS)


class Forge(Section, name="forge"):
    """Only where the remote URL does not tell."""

    kind = choice(_forge_kinds, "", "the forge's kind")
    api_url = url("", "the forge's API base")


SECTIONS: tuple[type[Section], ...] = (
    Top, Tracker, Hooks, Branch, Statuses, Stand, Pr, Release, Forge,
)  # fmt: skip
SCHEMA = keys_of(SECTIONS)
# What the validated copies in the cache were made with (a change makes them stale): the keys
# and their kinds, so a stricter kind (an address's) re-validates what was cached before it;
# the version too, as a copy holds what was said about min_version.
_SCHEMA_STAMP = (
    version.VERSION,
    *((*path, key.kind if isinstance(key.kind, str) else "choice") for path, key in SCHEMA.items()),
)

# Environment variables and the keys they set.
ENVIRONMENT: dict[str, Key[str]] = {
    "TRACKER_API_URL": Tracker.api_url,
    "TRACKER_ORG_ID": Tracker.org_id,
    "TRACKER_CLOUD_ORG_ID": Tracker.cloud_org_id,
}


class Config:
    """The effective configuration, read-only: one typed view per section
    (`config.hooks.insert`, `config.tracker.timeout`), `queues` in upper case, and where each
    value came from (`source`)."""

    __slots__ = (
        "_sources",
        "_values",
        "branch",
        "forge",
        "hooks",
        "notes",
        "pr",
        "queues",
        "release",
        "repo_file",
        "repo_root",
        "stand",
        "statuses",
        "top",
        "tracker",
    )
    top: Top
    tracker: Tracker
    hooks: Hooks
    branch: Branch
    statuses: Statuses
    stand: Stand
    pr: Pr
    release: Release
    forge: Forge
    queues: tuple[str, ...]
    notes: tuple[str, ...]
    repo_root: str | None
    # The repository's file as read: the work tree's .tracker-git.toml, or a copy of it (the
    # base commit's in CI, the relay's base_config); None when none was read. Whatever copy,
    # its values are a repository's (tracker_git.trust judges them).
    repo_file: str | None
    _values: dict[tuple[str, str], object]
    _sources: dict[tuple[str, str], str]

    def __init__(
        self,
        values: Mapping[tuple[str, str], object],
        sources: Mapping[tuple[str, str], str],
        repo_root: str | None,
        notes: tuple[str, ...] = (),
        repo_file: str | None = None,
    ) -> None:
        """`values`: valid values of every key (`load` makes them); `notes`: what the files
        hold that this version ignores (unknown keys, a newer `min_version`)."""
        values = {path: normal(SCHEMA[path], value) for path, value in values.items()}
        init = object.__setattr__
        init(self, "_values", values)
        init(self, "_sources", dict(sources))
        init(self, "repo_root", repo_root)
        init(self, "notes", notes)
        init(self, "repo_file", repo_file)
        for section in SECTIONS:
            init(self, section.NAME or "top", section(values))
        init(self, "queues", tuple(queue.upper() for queue in self.top.queues))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"the configuration is read-only ({name})")

    def value(self, key: Key[T]) -> T:
        """The value of `key` (for code that picks the key: the relay's defaults)."""
        return self._values[key.path]  # type: ignore[return-value]

    def source(self, key: Key[Any]) -> str:
        """Where the value of `key` came from: a file's path, "environment", "command line",
        "default", or what `replace` was told (`load` gives every key one: the defaults are
        its first layer)."""
        return self._sources[key.path]

    def files(self) -> list[str]:
        """The files the values came from."""
        return sorted({s for s in self._sources.values() if s not in _NOT_FILES})

    def replace(self, changes: Mapping[Key[Any], object], origin: str) -> Config:
        """A new configuration with `changes` (valid values) from `origin` ("prompt")."""
        values = dict(self._values)
        sources = dict(self._sources)
        for key, value in changes.items():
            values[key.path] = value
            sources[key.path] = origin
        return Config(values, sources, self.repo_root, self.notes, self.repo_file)


_NOT_FILES = ("default", "environment", "command line", "prompt")


def key(dotted_name: str) -> Key[Any]:
    """The key "hooks.online" (or "queues"): for tests and tools that name keys as text."""
    section, _, name = dotted_name.rpartition(".")
    return SCHEMA[(section, name)]


def _cache_file(path: str) -> str:
    return os.path.join(paths.user_cache_dir(), "config", path.replace(os.sep, "%") + ".marshal")


# A file's validated settings and its notes (see Config.notes).
_Layer = tuple[dict[tuple[str, str], object], list[str]]


def _cached(path: str, stamp: object) -> _Layer | None:
    import marshal  # built in: free to import, unlike tomllib (~6 ms on every commit)

    try:
        with open(_cache_file(path), "rb") as f:
            saved_stamp, settings, notes = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return (settings, notes) if saved_stamp == stamp else None


def _remember(path: str, stamp: object, layer: _Layer) -> None:
    import marshal

    try:
        paths.write_private(_cache_file(path), marshal.dumps((stamp, *layer)))  # type: ignore[arg-type]
    except OSError:
        return  # a read-only cache folder only costs the parse (and the notes again) next time


def read_file(path: str, tree: str | None = None) -> dict[tuple[str, str], object]:
    """A TOML file's settings, validated; {} when there is no such file."""
    return _read_layer(path, tree)[0][0]


def _read_layer(path: str, tree: str | None = None) -> tuple[_Layer, bool]:
    """A TOML file's settings, validated, and its notes; ({}, []) when there is no such file;
    and whether the file was parsed now (not taken from the cache): its notes are new.

    The hooks read the repository's file on every commit, so a validated copy is kept in the
    cache folder, used while the file's mtime and size and the schema are those it was made from.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ({}, []), False
    except OSError as exc:
        reason = exc.strerror
        raise ConfigError(f"{path}: cannot be read ({reason}); check its permissions") from None
    stamp = (info.st_mtime_ns, info.st_size, info.st_ino, _SCHEMA_STAMP)
    layer = _cached(path, stamp)
    if layer is not None:
        return layer, False
    layer = _parse(path, tree)
    _remember(path, stamp, layer)
    return layer, True


def _parse(path: str, tree: str | None) -> _Layer:
    """Unknown keys are notes, not errors (pre-commit's rule): a teammate who commits a newer
    version's setting must not stop everyone else's commits."""
    data = read_toml(path, missing="create it or remove the reference", tree=tree)
    notes: list[str] = []
    settings = validate(data, path, SECTIONS, unknown=notes)
    wanted = settings.get(Top.min_version.path)
    if isinstance(wanted, str) and wanted:
        if version.parse(wanted) is None:
            raise ConfigError(
                f"{path}: 'min_version' must be a version such as \"1.2\", not {wanted!r}"
            )
        if version.older_than(wanted):
            notes.append(
                f"{path}: this repository needs tracker-git {wanted} or later, this is "
                f"{version.VERSION}; upgrade it (pipx upgrade tracker-git, or pip install "
                "--upgrade tracker-git). Commits are not blocked"
            )
    return settings, notes


def read_toml(path: str, *, missing: str, tree: str | None = None) -> dict[str, object]:
    """A TOML file as a dict, or ConfigError naming the file: `missing` says what to do when
    there is no file. Every TOML file of tracker-git (config, relay, notify) is read here,
    through read_bounded (a regular file, at most 1 MiB, inside `tree` when given). Every
    parse failure, a nesting too deep for the parser included, is a ConfigError."""
    raw = read_bounded(path, missing=missing, tree=tree)
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read; fix the file") from None
    except Exception as exc:  # whatever else the parser may raise is still the file's fault
        raise ConfigError(
            f"{path}: cannot be parsed ({type(exc).__name__}); fix the file"
        ) from None


MAX_FILE_BYTES = 1024 * 1024


def read_bounded(
    path: str,
    *,
    missing: str,
    tree: str | None = None,
    limit: int = MAX_FILE_BYTES,
    what: str = "a configuration file",
    follow: bool = True,
) -> bytes:
    """The bytes of a file we were told to read, or ConfigError naming it. Only a regular
    file of at most `limit` bytes is read (a symlink to /dev/zero or a FIFO in a cloned
    repository must not hang or exhaust a hook); with `tree` (the work tree the file belongs
    to) the path, symlinks resolved, must stay inside it; without `follow`, a symlink as the
    last part is refused."""
    import stat

    if tree is not None and not inside(path, tree):
        raise ConfigError(f"{path}: points out of the work tree; {what} must be in the repository")
    try:
        nofollow = 0 if follow else getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | nofollow | portable.BINARY)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; {missing}") from None
    except OSError as exc:
        reason = exc.strerror
        raise ConfigError(f"{path}: cannot be read ({reason}); check its permissions") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{path}: not a regular file; {what} must be a plain file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise ConfigError(f"{path}: larger than {limit // 1024} KiB, too large for {what}")
    return b"".join(chunks)


def inside(path: str, tree: str) -> bool:
    """Whether `path`, symlinks resolved, is within the folder `tree` (symlinks resolved)."""
    real, top = os.path.realpath(path), os.path.realpath(tree)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def from_environment(environ: Mapping[str, str]) -> dict[tuple[str, str], object]:
    found = {name: key for name, key in ENVIRONMENT.items() if environ.get(name)}
    for name, key in found.items():
        if not matches_kind(key.kind, environ[name]):
            raise ConfigError(
                f"{name} must be {describe_kind(key.kind)}, not {shown(environ[name])}"
            )
    return {key.path: environ[name] for name, key in found.items()}


_DEFAULTS = defaults(SECTIONS)


def load(
    repo_root: str | None,
    overrides: Mapping[Key[Any], object] | None = None,
    environ: Mapping[str, str] | None = None,
    user_file: str | None = None,
    repo_file: str | None = None,
    warn: bool = True,
) -> Config:
    """The effective configuration for the repository at `repo_root` (None: outside one).
    `repo_file`: a file to read in place of the repository's (the relay's `base_config`).

    A file's notes (unknown keys, a newer `min_version`) are warned about once: when the file
    is first read (after each change to it); later runs take it from the cache, quietly.
    `warn=False` leaves that to the caller (doctor shows them as findings)."""
    environ = os.environ if environ is None else environ
    layers: list[tuple[str, Mapping[tuple[str, str], object]]] = [("default", _DEFAULTS)]
    files: list[tuple[str, str | None]] = [(user_file or paths.user_config_file(), None)]
    if repo_file:
        files.append((repo_file, None))
    elif repo_root:
        repo_file = os.path.join(repo_root, REPO_FILE)
        files.append((repo_file, repo_root))
    notes: list[str] = []
    for file, tree in files:
        (settings, said), fresh = _read_layer(file, tree)
        layers.append((file, settings))
        notes.extend(said)
        if fresh and warn:
            warn_notes(said)
    layers.append(("environment", from_environment(environ)))
    if overrides:
        layers.append(("command line", {key.path: value for key, value in overrides.items()}))
    values: dict[tuple[str, str], object] = {}
    sources: dict[tuple[str, str], str] = {}
    for origin, layer in layers:
        for path, value in layer.items():
            values[path] = value
            sources[path] = origin
    return Config(values, sources, repo_root, tuple(notes), repo_file)


_WARNED: set[str] = set()  # the notes this process has shown


def warn_notes(notes: Iterable[str]) -> None:
    """Warn about each of `notes` this process has not shown yet (`check` names them every
    run; a hook only when the file is new or changed)."""
    for note in notes:
        if note not in _WARNED:
            _WARNED.add(note)
            output.warn(note)
