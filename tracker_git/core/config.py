"""Configuration: a declarative schema, layered sources, validated up front, then read-only.

Precedence, highest first (SPEC "Configuration"): command-line options, environment variables,
the repository's `.tracker-git.toml`, the user's `config.toml`, the defaults in SCHEMA.
Every mistake is reported with the file, the key and what was expected.

The hooks load this on every commit, so it avoids dataclasses, typing and platformdirs
(~10 ms together) and imports tomllib only when a file exists.
"""

from __future__ import annotations

import os

from tracker_git.core import forgekinds, paths
from tracker_git.core.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

REPO_FILE = ".tracker-git.toml"

# kind: "str", "bool", "number", "strings" (a list of strings), or a tuple of allowed strings.
# (section, key) -> (kind, default). Section "" is the top level.
SCHEMA: dict[tuple[str, str], tuple[object, object]] = {
    ("", "queues"): ("strings", []),
    ("tracker", "api_url"): ("str", "https://api.tracker.yandex.net"),
    ("tracker", "api_version"): (("v2", "v3"), "v3"),
    ("tracker", "org_id"): ("str", ""),
    ("tracker", "cloud_org_id"): ("str", ""),
    ("tracker", "token_kind"): (("oauth", "iam"), "oauth"),
    ("tracker", "timeout"): ("number", 10),
    ("hooks", "exempt_branches"): ("strings", ["main", "master", "develop", "release/*"]),
    ("hooks", "insert"): (("prefix", "conventional", "trailer", "none"), "prefix"),
    ("hooks", "online"): ("bool", False),
    ("hooks", "strict"): ("bool", False),
    ("hooks", "timeout"): ("number", 2),
    ("hooks", "allow_without_key"): ("strings", []),
    ("hooks", "since"): ("str", ""),
    ("branch", "pattern"): ("str", "{key}-{slug}"),
    ("statuses", "start"): ("str", "inProgress"),
    ("statuses", "review"): ("str", "inReview"),
    ("statuses", "approved"): ("str", ""),
    ("statuses", "changes_requested"): ("str", "needsRework"),
    ("statuses", "merged"): ("str", "readyForTest"),
    ("statuses", "declined"): ("str", "needsRework"),
    ("stand", "field"): ("str", "standLink"),
    ("pr", "title"): ("str", "{key}: {summary}"),
    ("pr", "template"): ("str", ""),
    ("forge", "kind"): (("", *forgekinds.KINDS), ""),
    ("forge", "api_url"): ("str", ""),
}

# Environment variables and the keys they set.
ENVIRONMENT = {
    "TRACKER_API_URL": ("tracker", "api_url"),
    "TRACKER_ORG_ID": ("tracker", "org_id"),
    "TRACKER_CLOUD_ORG_ID": ("tracker", "cloud_org_id"),
}


class Config:
    """The effective configuration. Read values as `config.text("hooks", "insert")` or through
    the typed helpers; `sources` says where each non-default value came from."""

    __slots__ = ("repo_root", "sources", "values")

    def __init__(
        self,
        values: dict[tuple[str, str], object],
        sources: dict[tuple[str, str], str],
        repo_root: str | None,
    ) -> None:
        self.values = values
        self.sources = sources
        self.repo_root = repo_root

    def get(self, section: str, key: str) -> object:
        return self.values[(section, key)]

    def text(self, section: str, key: str) -> str:
        value = self.values[(section, key)]
        assert isinstance(value, str)
        return value

    def flag(self, section: str, key: str) -> bool:
        value = self.values[(section, key)]
        assert isinstance(value, bool)
        return value

    def number(self, section: str, key: str) -> float:
        value = self.values[(section, key)]
        assert isinstance(value, (int, float))
        return float(value)

    def strings(self, section: str, key: str) -> list[str]:
        value = self.values[(section, key)]
        assert isinstance(value, list)
        return list(value)

    @property
    def queues(self) -> list[str]:
        return [q.upper() for q in self.strings("", "queues")]


def describe_kind(kind: object) -> str:
    """What a value of `kind` must be, for an error message ("one of ...", "a string")."""
    if isinstance(kind, tuple):
        return "one of " + ", ".join(f'"{choice}"' for choice in kind)
    return {
        "str": "a string",
        "bool": "true or false",
        "number": "a positive number",
        "count": "a number, 0 or more",
        "strings": "a list of strings",
    }[str(kind)]


def matches_kind(kind: object, value: object) -> bool:
    """Whether a TOML value is of `kind`: "str", "bool", "number" (> 0), "count" (>= 0),
    "strings", or a tuple of allowed strings."""
    if isinstance(kind, tuple):
        return value in kind
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("number", "count"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        return value > 0 if kind == "number" else value >= 0
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def shown(value: object, limit: int = 80) -> str:
    """A value from a file, for a message: its repr, cut to `limit` characters (a nested or
    huge value must not make the message itself fail or flood the terminal)."""
    try:
        text = repr(value)
    except RecursionError:
        text = f"a nested {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dotted(section: str, key: str) -> str:
    return f"{section}.{key}" if section else key


def validate(data: Mapping[str, object], origin: str) -> dict[tuple[str, str], object]:
    """Flatten a parsed TOML document into schema keys, or raise ConfigError naming the key."""
    sections = {section for section, _ in SCHEMA if section}
    flat: dict[tuple[str, str], object] = {}
    for name, value in data.items():
        if name in sections:
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: [{name}] must be a table, not {shown(value)}")
            items = [(name, key, item) for key, item in value.items()]
        else:
            items = [("", name, value)]
        for section, key, item in items:
            if (section, key) not in SCHEMA:
                known = ", ".join(sorted(_dotted(s, k) for s, k in SCHEMA if s == section))
                raise ConfigError(
                    f"{origin}: unknown key '{_dotted(section, key)}'; "
                    f"the keys here are: {known or ', '.join(sorted(sections))}"
                )
            kind, _ = SCHEMA[(section, key)]
            if not matches_kind(kind, item):
                raise ConfigError(
                    f"{origin}: '{_dotted(section, key)}' must be {describe_kind(kind)}, "
                    f"not {shown(item)}"
                )
            flat[(section, key)] = item
    return flat


def _cache_file(path: str) -> str:
    return os.path.join(paths.user_cache_dir(), "config", path.replace(os.sep, "%") + ".marshal")


def _cached(path: str, stamp: object) -> dict[tuple[str, str], object] | None:
    import marshal  # built in: free to import, unlike tomllib (~6 ms on every commit)

    try:
        with open(_cache_file(path), "rb") as f:
            saved_stamp, settings = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return settings if saved_stamp == stamp else None


def _remember(path: str, stamp: object, settings: dict[tuple[str, str], object]) -> None:
    import marshal

    try:
        paths.write_private(_cache_file(path), marshal.dumps((stamp, settings)))  # type: ignore[arg-type]
    except OSError:
        return  # a read-only cache folder only costs the parse next time


def read_file(path: str, tree: str | None = None) -> dict[tuple[str, str], object]:
    """A TOML file's settings, validated; {} when there is no such file.

    The hooks read the repository's file on every commit, so a validated copy is kept in the
    cache folder, used while the file's mtime and size and the schema are those it was made from.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        reason = exc.strerror
        raise ConfigError(f"{path}: cannot be read ({reason}); check its permissions") from None
    stamp = (info.st_mtime_ns, info.st_size, info.st_ino, tuple(SCHEMA))
    settings = _cached(path, stamp)
    if settings is None:
        settings = _parse(path, tree)
        _remember(path, stamp, settings)
    return settings


def _parse(path: str, tree: str | None) -> dict[tuple[str, str], object]:
    return validate(read_toml(path, missing="create it or remove the reference", tree=tree), path)


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
) -> bytes:
    """The bytes of a file we were told to read, or ConfigError naming it. Only a regular
    file of at most `limit` bytes is read (a symlink to /dev/zero or a FIFO in a cloned
    repository must not hang or exhaust a hook); with `tree` (the work tree the file belongs
    to) the path, symlinks resolved, must stay inside it."""
    import stat

    if tree is not None and not inside(path, tree):
        raise ConfigError(f"{path}: points out of the work tree; {what} must be in the repository")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
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
    return {
        schema_key: environ[variable]
        for variable, schema_key in ENVIRONMENT.items()
        if environ.get(variable)
    }


def load(
    repo_root: str | None,
    overrides: Mapping[tuple[str, str], object] | None = None,
    environ: Mapping[str, str] | None = None,
    user_file: str | None = None,
) -> Config:
    """The effective configuration for the repository at `repo_root` (None: outside one)."""
    environ = os.environ if environ is None else environ
    layers: list[tuple[str, dict[tuple[str, str], object]]] = [
        ("default", {key: default for key, (_, default) in SCHEMA.items()}),
    ]
    user_path = user_file or paths.user_config_file()
    layers.append((user_path, read_file(user_path)))
    if repo_root:
        repo_path = os.path.join(repo_root, REPO_FILE)
        layers.append((repo_path, read_file(repo_path, tree=repo_root)))
    layers.append(("environment", from_environment(environ)))
    if overrides:
        layers.append(("command line", dict(overrides)))
    values: dict[tuple[str, str], object] = {}
    sources: dict[tuple[str, str], str] = {}
    for origin, layer in layers:
        for key, value in layer.items():
            values[key] = value
            sources[key] = origin
    return Config(values, sources, repo_root)
