"""The relay's configuration file (TOML), validated up front.

Every mistake names the file, the key and what was expected, like tracker_git.core.config.
Secrets are not written into this file: each forge names an environment variable or a file
that holds its secret, and the Tracker token comes from TRACKER_TOKEN or a file named here.

Where the file is silent, `[statuses]`, `queues` and `[tracker]` come from the main
configuration (built-in defaults, the service user's config.toml, TRACKER_* variables), with
the repository-style file named by `base_config` layered in, so a relay can share a team's
`.tracker-git.toml`.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker_git.core import config as core_config
from tracker_git.core import forgekinds
from tracker_git.core.config import describe_kind, matches_kind, read_toml
from tracker_git.core.errors import ConfigError
from tracker_git.relay.queue import is_postgres

FORGES = forgekinds.KINDS
KINDS = ("opened", "draft", "approved", "changes_requested", "merged", "declined")
# The main config's [statuses] key each relay event defaults to.
STATUS_DEFAULTS = {
    "opened": "review",
    "draft": "",  # no main-config key: a draft pull request moves nothing unless set here
    "approved": "approved",
    "changes_requested": "changes_requested",
    "merged": "merged",
    "declined": "declined",
}
TRACKER_KEYS = ("api_url", "api_version", "org_id", "cloud_org_id", "token_kind", "timeout")

# (section, key) -> kind: "str", "bool", "number" (> 0), "count" (>= 0), "strings", or a tuple of
# allowed strings. Forge sections are "forges.<name>".
_FORGE_KEYS: dict[str, object] = {
    "secret_env": "str",
    "secret_file": "str",
    "allow_unsigned": "bool",
}
_SIGNING_KEYS: dict[str, object] = {
    "signing_token_env": "str",
    "signing_token_file": "str",
    "max_age": "count",
}
SCHEMA: dict[tuple[str, str], object] = {
    ("", "queues"): "strings",
    ("", "base_config"): "str",
    ("", "branch_keys"): "bool",
    ("server", "database"): "str",
    ("server", "max_body"): "number",
    ("server", "max_keys"): "number",
    ("server", "read_timeout"): "number",
    ("server", "max_connections"): "number",
    ("server", "log_format"): ("text", "json"),
    ("tracker", "api_url"): "str",
    ("tracker", "api_version"): ("v2", "v3"),
    ("tracker", "org_id"): "str",
    ("tracker", "cloud_org_id"): "str",
    ("tracker", "token_kind"): ("oauth", "iam"),
    ("tracker", "timeout"): "number",
    ("tracker", "token_file"): "str",
    **{("statuses", kind): "str" for kind in KINDS},
    ("retry", "first"): "number",
    ("retry", "cap"): "number",
    ("retry", "give_up"): "number",
    ("retry", "poll"): "number",
    ("retry", "lease"): "number",
    **{(f"forges.{forge}", key): kind for forge in FORGES for key, kind in _FORGE_KEYS.items()},
    **{
        (f"forges.{row.kind}", key): kind
        for row in forgekinds.FORGES
        if row.signing_token
        for key, kind in _SIGNING_KEYS.items()
    },
}
DEFAULTS: dict[tuple[str, str], object] = {
    ("server", "database"): "relay.sqlite3",
    ("server", "max_body"): 1024 * 1024,
    ("server", "max_keys"): 20,
    ("server", "read_timeout"): 10,
    ("server", "max_connections"): 64,
    ("server", "log_format"): "text",
    ("retry", "first"): 2,
    ("retry", "cap"): 300,
    ("retry", "give_up"): 86400,
    ("retry", "poll"): 1,
    ("retry", "lease"): 5,
}


@dataclass(frozen=True)
class ForgeConfig:
    name: str
    # Never printed: repr=False keeps them out of tracebacks and logs of the dataclass.
    secret: str = field(default="", repr=False)
    signing_key: bytes = field(default=b"", repr=False)
    allow_unsigned: bool = False
    max_age: float = 300.0


@dataclass(frozen=True)
class TrackerSettings:
    api_url: str
    api_version: str
    org_id: str
    cloud_org_id: str
    token_kind: str
    timeout: float
    token: str = field(repr=False)


@dataclass(frozen=True)
class RetrySettings:
    first: float  # seconds before the second try
    cap: float  # the longest pause between tries
    give_up: float  # an event older than this is dropped (logged, counted as failed)
    poll: float  # how often an idle worker looks for due events
    lease: float  # how long a claim lives without a heartbeat (renewed every lease/5 s)


@dataclass(frozen=True)
class RelayConfig:
    path: str
    database: str  # a SQLite file path or a postgresql:// URL
    max_body: int
    queues: tuple[str, ...]
    statuses: Mapping[str, str]
    forges: Mapping[str, ForgeConfig]
    tracker: TrackerSettings
    retry: RetrySettings
    max_keys: int = 20  # issue keys acted on per delivery; the rest are logged
    read_timeout: float = 10.0  # seconds to receive a request's body (408 after)
    max_connections: int = 64  # the built-in server's concurrent connections
    log_format: str = "text"  # or "json": one object per line
    branch_keys: bool = True  # take a key from the source branch's name


def _flatten(data: Mapping[str, object], origin: str) -> dict[tuple[str, str], object]:
    """The file's settings as (section, key) -> value, or ConfigError naming the key."""
    sections = {s for s, _ in SCHEMA if s and not s.startswith("forges.")}
    items: list[tuple[str, str, object]] = []
    for name, value in data.items():
        if name == "forges":
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: [forges] must be a table of forge tables")
            for forge, table in value.items():
                if forge not in FORGES:
                    raise ConfigError(
                        f"{origin}: unknown forge 'forges.{forge}'; "
                        f"the forges are: {', '.join(FORGES)}"
                    )
                if not isinstance(table, dict):
                    raise ConfigError(f"{origin}: [forges.{forge}] must be a table")
                items.extend((f"forges.{forge}", k, v) for k, v in table.items())
                if not table:  # an empty table still turns the forge on
                    items.append((f"forges.{forge}", "", None))
        elif name in sections:
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: [{name}] must be a table, not {value!r}")
            items.extend((name, k, v) for k, v in value.items())
        else:
            items.append(("", name, value))
    flat: dict[tuple[str, str], object] = {}
    for section, key, value in items:
        if key == "" and section.startswith("forges."):
            flat[(section, "")] = None
            continue
        dotted = f"{section}.{key}" if section else key
        if (section, key) not in SCHEMA:
            if key == "secret" or key == "signing_token":
                raise ConfigError(
                    f"{origin}: '{dotted}' would put a secret in this file; name an "
                    f"environment variable ({key}_env) or a file ({key}_file) instead"
                )
            known = sorted(f"{s}.{k}" if s else k for s, k in SCHEMA if s == section)
            raise ConfigError(
                f"{origin}: unknown key '{dotted}'; the keys here are: {', '.join(known)}"
            )
        kind = SCHEMA[(section, key)]
        if not matches_kind(kind, value):
            raise ConfigError(f"{origin}: '{dotted}' must be {describe_kind(kind)}, not {value!r}")
        flat[(section, key)] = value
    return flat


def _resolve(base_dir: str, path: str) -> str:
    return os.path.normpath(os.path.join(base_dir, os.path.expanduser(path)))


def _read_secret(
    flat: dict[tuple[str, str], object],
    section: str,
    stem: str,
    origin: str,
    base_dir: str,
    environ: Mapping[str, str],
) -> str:
    """A secret from the environment variable or the file the config names ("" if neither)."""
    env_name = str(flat.get((section, f"{stem}_env"), ""))
    file_name = str(flat.get((section, f"{stem}_file"), ""))
    if env_name and file_name:
        raise ConfigError(
            f"{origin}: '{section}' names both {stem}_env and {stem}_file; keep one of them"
        )
    if env_name:
        value = environ.get(env_name, "")
        if not value:
            raise ConfigError(
                f"{origin}: '{section}.{stem}_env' names ${env_name}, which is not set "
                f"(or empty); set it in the service's environment"
            )
        return value
    if file_name:
        return _read_secret_file(origin, f"{section}.{stem}_file", _resolve(base_dir, file_name))
    return ""


def _read_secret_file(origin: str, key: str, path: str) -> str:
    """The stripped text of the file config key `key` names; ConfigError if unreadable or empty."""
    try:
        with open(path, encoding="utf-8") as f:
            value = f.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ConfigError(
            f"{origin}: '{key}': cannot read {path} ({reason}); check the path and its permissions"
        ) from None
    if not value:
        raise ConfigError(f"{origin}: '{key}': {path} is empty")
    return value


def _signing_key(token: str, origin: str) -> bytes:
    """GitLab's Standard Webhooks signing token `whsec_<base64>` as the HMAC key."""
    try:
        key = base64.b64decode(token.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ConfigError(
            f"{origin}: the GitLab signing token is not 'whsec_' followed by base64; "
            f"copy it again from the webhook's settings"
        )
    return key


def _forges(
    flat: dict[tuple[str, str], object], origin: str, base_dir: str, environ: Mapping[str, str]
) -> dict[str, ForgeConfig]:
    forges: dict[str, ForgeConfig] = {}
    for name in FORGES:
        section = f"forges.{name}"
        if not any(s == section for s, _ in flat):
            continue
        secret = _read_secret(flat, section, "secret", origin, base_dir, environ)
        signing = ""
        if forgekinds.forge_kind(name).signing_token:
            signing = _read_secret(flat, section, "signing_token", origin, base_dir, environ)
        allow_unsigned = bool(flat.get((section, "allow_unsigned"), False))
        if not secret and not signing and not allow_unsigned:
            raise ConfigError(
                f"{origin}: [{section}] has no secret; set secret_env or secret_file "
                f"(and the same secret in the forge's webhook), or allow_unsigned = true"
            )
        max_age = flat.get((section, "max_age"), 300)
        assert isinstance(max_age, (int, float))
        forges[name] = ForgeConfig(
            name=name,
            secret=secret,
            signing_key=_signing_key(signing, origin) if signing else b"",
            allow_unsigned=allow_unsigned,
            max_age=float(max_age),
        )
    if not forges:
        raise ConfigError(
            f"{origin}: no forge is enabled; add a [forges.NAME] table "
            f"(NAME: {', '.join(FORGES)}) with its secret"
        )
    return forges


def _main_config(
    flat: dict[tuple[str, str], object], origin: str, base_dir: str, environ: Mapping[str, str]
) -> core_config.Config:
    """The main configuration, with `base_config` (a .tracker-git.toml) as the repository file."""
    main = core_config.load(None, environ=environ)
    base = str(flat.get(("", "base_config"), ""))
    if base:
        path = _resolve(base_dir, base)
        if not os.path.isfile(path):
            raise ConfigError(f"{origin}: 'base_config' names {path}, which is not a file")
        for key, value in core_config.read_file(path).items():
            if main.sources.get(key) != "environment":
                main.values[key] = value
                main.sources[key] = path
    return main


def _token(
    flat: dict[tuple[str, str], object], origin: str, base_dir: str, environ: Mapping[str, str]
) -> str:
    name = str(flat.get(("tracker", "token_file"), ""))
    if name:
        return _read_secret_file(origin, "tracker.token_file", _resolve(base_dir, name))
    token = environ.get("TRACKER_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            f"{origin}: no Tracker token; set TRACKER_TOKEN in the service's environment "
            f"or name a file holding the service account's token in [tracker] token_file"
        )
    return token


def parse(data: Mapping[str, object], origin: str, environ: Mapping[str, str]) -> RelayConfig:
    """A parsed TOML document as a RelayConfig; relative paths are relative to `origin`."""
    flat = _flatten(data, origin)
    base_dir = os.path.dirname(os.path.abspath(origin))
    main = _main_config(flat, origin, base_dir, environ)

    def value(section: str, key: str) -> object:
        return flat.get((section, key), DEFAULTS.get((section, key)))

    def main_or_file(section: str, key: str) -> object:
        return flat[(section, key)] if (section, key) in flat else main.get(section, key)

    listed = flat.get(("", "queues"))
    queues = [str(q).upper() for q in listed] if isinstance(listed, list) else main.queues
    branch_keys = flat.get(("", "branch_keys"))
    if not queues and branch_keys is None:
        raise ConfigError(
            f"{origin}: no 'queues': any WORD-123 would be an issue key, and a branch such as "
            f"GitHub's 'patch-2' would move issue PATCH-2; list your queues "
            f'(queues = ["DEV"]), or set branch_keys = true to take keys from branch names '
            f"anyway (false: from titles and descriptions only)"
        )
    for queue in queues:
        if not queue.isascii() or not queue.isalpha():
            raise ConfigError(
                f"{origin}: 'queues' must hold queue keys (Latin letters), not {queue!r}"
            )
    statuses = {
        kind: str(
            flat[("statuses", kind)]
            if ("statuses", kind) in flat
            else main.get("statuses", STATUS_DEFAULTS[kind])
            if STATUS_DEFAULTS[kind]
            else ""
        )
        for kind in KINDS
    }
    tracker = {key: main_or_file("tracker", key) for key in TRACKER_KEYS}
    api_url = str(tracker["api_url"]).rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"{origin}: 'tracker.api_url' must be an http(s) URL, not {api_url!r}")
    if not tracker["org_id"] and not tracker["cloud_org_id"]:
        raise ConfigError(
            f"{origin}: no Tracker organization; set [tracker] org_id (Yandex 360) or "
            f"cloud_org_id (Yandex Cloud), or TRACKER_ORG_ID / TRACKER_CLOUD_ORG_ID"
        )
    timeout = tracker["timeout"]
    assert isinstance(timeout, (int, float))
    number = {
        k: float(str(value("retry", k))) for k in ("first", "cap", "give_up", "poll", "lease")
    }
    server = {
        k: float(str(value("server", k)))
        for k in ("max_body", "max_keys", "read_timeout", "max_connections")
    }
    database = str(value("server", "database"))
    if not is_postgres(database):
        database = _resolve(base_dir, database)
    return RelayConfig(
        path=origin,
        database=database,
        max_body=int(server["max_body"]),
        max_keys=max(1, int(server["max_keys"])),
        read_timeout=server["read_timeout"],
        max_connections=max(1, int(server["max_connections"])),
        log_format=str(value("server", "log_format")),
        branch_keys=branch_keys is not False,
        queues=tuple(queues),
        statuses=statuses,
        forges=_forges(flat, origin, base_dir, environ),
        tracker=TrackerSettings(
            api_url=api_url,
            api_version=str(tracker["api_version"]),
            org_id=str(tracker["org_id"]),
            cloud_org_id=str(tracker["cloud_org_id"]),
            token_kind=str(tracker["token_kind"]),
            timeout=float(timeout),
            token=_token(flat, origin, base_dir, environ),
        ),
        retry=RetrySettings(**number),
    )


def load(path: str, environ: Mapping[str, str] | None = None) -> RelayConfig:
    """Read and validate the relay config file; ConfigError says what to fix."""
    if environ is None:
        from tracker_git import secrets

        # The CLI has moved TRACKER_TOKEN out of os.environ (secrets.scrub_environment).
        environ = {**os.environ, "TRACKER_TOKEN": secrets.environment_token()}
    data = read_toml(path, missing="check --config (or TRACKER_GIT_RELAY_CONFIG)")
    return parse(data, path, environ)
