"""The relay's configuration file (TOML), validated up front.

Every mistake names the file, the key and what was expected, like tracker_git.core.config.
Secrets are not written into this file: each forge names an environment variable or a file
that holds its secret, and the Tracker token comes from TRACKER_TOKEN or a file named here.

Where the file is silent, `[statuses]`, `queues` and `[tracker]` come from the main
configuration (built-in defaults, the service user's config.toml, TRACKER_* variables), with
the repository-style file named by `base_config` layered in, so a relay can share a team's
`.tracker-git.toml`; but never its `[tracker] api_url`: where the relay's own token goes is
said by the relay's file or the service's environment only (`_service_api_url`).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tracker_git.core import config as core_config
from tracker_git.core import forgekinds
from tracker_git.core.config import read_toml
from tracker_git.core.errors import ConfigError
from tracker_git.core.schema import (
    Key,
    Section,
    choice,
    count,
    flag,
    normal,
    number,
    queue_keys,
    text,
    url,
    validate,
)
from tracker_git.relay.queue import is_postgres

FORGES = forgekinds.KINDS
KINDS = ("opened", "draft", "approved", "changes_requested", "merged", "declined")
# Longer than any forge lets a delivery be sent again: GitHub.com 3 days, GitHub Enterprise
# Server 7, GitLab's webhook log up to a month, Bitbucket Cloud's request history 12 hours.
REPLAY_WINDOW = 30 * 86400
_MAIN = "the main configuration's"
T = TypeVar("T")


class Top(Section, name=""):
    """The top level of the file."""

    queues = queue_keys((), "the queues whose keys the relay acts on", f"{_MAIN} queues")
    base_config = text("", "a .tracker-git.toml layered over the service user's config.toml")
    branch_keys = flag(
        True,
        "take a key from the source branch's name (false: titles and descriptions only)",
        "true; without queues it must be set",
    )


class Server(Section, name="server"):
    """The HTTP side."""

    database = text("relay.sqlite3", "a SQLite file (relative to this file) or a postgresql:// URL")
    max_body = number(1024 * 1024, "the largest request body, in bytes (413 above)")
    max_keys = number(20, "issue keys acted on per delivery; the rest are logged")
    read_timeout = number(10, "seconds to receive a request's body (408 after)")
    max_connections = number(64, "the built-in server's concurrent connections")
    max_per_client = number(
        16, "the built-in server's concurrent connections from one address (503 beyond)"
    )
    metrics_listen = text(
        "", "HOST:PORT: the built-in server answers /metrics there only", "the main address"
    )
    replay_window = count(
        REPLAY_WINDOW,
        "seconds a delivery is remembered; one whose body is older is refused (0: no age check)",
        "30 days",
    )
    log_format = choice(("text", "json"), "text", "json: one object per line")
    worker = flag(
        True,
        "run the queue's worker here; false: intake only (`git tracker relay --worker-only` applies)",
    )
    concurrency = count(
        16, "issue moves a worker process applies at once (each issue's still one at a time)"
    )


class Tracker(Section, name="tracker"):
    """Tracker, as in the main configuration; the token from TRACKER_TOKEN or token_file."""

    api_url = url("", core_config.Tracker.api_url.doc, f"{_MAIN} [tracker] api_url")
    api_version = choice(("v2", "v3"), "", "the API version", f"{_MAIN} [tracker] api_version")
    org_id = text("", core_config.Tracker.org_id.doc, f"{_MAIN} [tracker] org_id")
    cloud_org_id = text("", core_config.Tracker.cloud_org_id.doc, f"{_MAIN} [tracker] cloud_org_id")
    token_kind = choice(("oauth", "iam"), "", "the token's kind", f"{_MAIN} [tracker] token_kind")
    timeout = number(10, "seconds per request", f"{_MAIN} [tracker] timeout")
    token_file = text("", "a file holding the service account's token", "TRACKER_TOKEN")


class Statuses(Section, name="statuses"):
    """The status (key) each pull request event moves its issues to; "" moves nothing."""

    opened = text("", "a pull request opened or ready", f"{_MAIN} [statuses] review")
    draft = text("", "a draft pull request opened")
    approved = text("", "approved", f"{_MAIN} [statuses] approved")
    changes_requested = text("", "changes requested", f"{_MAIN} [statuses] changes_requested")
    merged = text("", "merged", f"{_MAIN} [statuses] merged")
    declined = text("", "declined or closed", f"{_MAIN} [statuses] declined")


class Resolutions(Section, name="resolutions"):
    """The resolution (key) a move on each event sets, for statuses whose transition requires
    one (closing ones do); "" sets none. E.g. merged = "fixed"."""

    opened = text("", "a pull request opened or ready")
    draft = text("", "a draft pull request opened")
    approved = text("", "approved")
    changes_requested = text("", "changes requested")
    merged = text("", "merged")
    declined = text("", "declined or closed")


# The main configuration's key each relay event defaults to (a draft: none, it moves nothing).
STATUS_DEFAULTS: dict[str, Key[str] | None] = {
    "opened": core_config.Statuses.review,
    "draft": None,
    "approved": core_config.Statuses.approved,
    "changes_requested": core_config.Statuses.changes_requested,
    "merged": core_config.Statuses.merged,
    "declined": core_config.Statuses.declined,
}


class Retry(Section, name="retry"):
    """Tries of a delivery's Tracker calls."""

    first = number(2, "seconds before the second try")
    cap = number(300, "the longest pause between tries")
    give_up = number(86400, "an event older than this many seconds is dropped (logged)")
    poll = number(1, "how often an idle worker looks for due events, seconds")
    lease = number(5, "seconds a claim lives without a heartbeat (renewed every lease/5)")


class ForgeKeys(Section, name="forges.NAME"):
    """One table per forge that sends webhooks (NAME: a forge kind); an empty table still
    turns the forge on."""

    secret_env = text("", "the environment variable holding the webhook's secret")
    secret_file = text("", "a file holding the webhook's secret")
    allow_unsigned = flag(False, "accept deliveries without a signature")
    token_env = text(
        "", "the environment variable holding a forge token: then the relay sets commit statuses"
    )
    token_file = text("", "a file holding that forge token")
    api_url = url(
        "", "the forge's API (for the token); default: the public service's", "the public API"
    )
    allow_forks = flag(
        False, "act on pull requests from forks too (how each forge tells: the relay docs)"
    )
    status_summary = flag(
        False, "commit statuses show the issue's summary: for private repositories only"
    )


_SIGNING = ", ".join(row.kind for row in forgekinds.FORGES if row.signing_token)


class SigningKeys(Section, name="forges.NAME"):
    """The forges that sign their webhooks with a token of their own (Standard Webhooks)."""

    signing_token_env = text(
        "", f"{_SIGNING}: the environment variable holding the signing token (whsec_...)"
    )
    signing_token_file = text("", f"{_SIGNING}: a file holding the signing token")
    max_age = count(300, "seconds a signed delivery may be old; 0: no check")


def _forge_section(forge: str) -> type[Section]:
    signs = forgekinds.forge_kind(forge).signing_token
    bases = (SigningKeys, ForgeKeys) if signs else (ForgeKeys,)
    return type(f"Forge_{forge}", bases, {}, name=f"forges.{forge}")


FORGE_SECTIONS = {forge: _forge_section(forge) for forge in FORGES}
SECTIONS: tuple[type[Section], ...] = (Top, Server, Tracker, Statuses, Resolutions, Retry)
# What the reference lists: the forge tables once, as their template.
DOCUMENTED: tuple[type[Section], ...] = (*SECTIONS, ForgeKeys, SigningKeys)


@dataclass(frozen=True)
class ForgeConfig:
    name: str
    # Never printed: repr=False keeps them out of tracebacks and logs of the dataclass.
    secret: str = field(default="", repr=False)
    signing_key: bytes = field(default=b"", repr=False)
    allow_unsigned: bool = False
    max_age: float = 300.0
    # The forge API token the relay sets commit statuses with ("": it sets none), and where.
    token: str = field(default="", repr=False)
    api_url: str = ""
    allow_forks: bool = False  # act on pull requests from forks
    status_summary: bool = False  # commit statuses carry the summary


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
    max_per_client: int = 16  # the built-in server's concurrent connections from one address
    metrics_listen: str = ""  # HOST:PORT where the built-in server answers /metrics
    log_format: str = "text"  # or "json": one object per line
    branch_keys: bool = True  # take a key from the source branch's name
    worker: bool = True  # run the queue's worker in the serving process
    concurrency: int = 16  # moves a worker process applies at once
    resolutions: Mapping[str, str] = field(default_factory=dict)  # event kind -> resolution
    replay_window: float = REPLAY_WINDOW  # a delivery older than this is refused (0: no check)


def _flatten(data: Mapping[str, object], origin: str) -> dict[tuple[str, str], object]:
    """The file's settings as (section, key) -> value, or ConfigError naming the key. A forge's
    table, even empty, leaves (section, "") -> None: it turns the forge on."""
    tables: dict[str, object] = {}
    enabled: list[str] = []
    for name, value in data.items():
        if name != "forges":
            tables[name] = value
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: [forges] must be a table of forge tables")
        for forge, table in value.items():
            if forge not in FORGES:
                raise ConfigError(
                    f"{origin}: unknown forge 'forges.{forge}'; the forges are: {', '.join(FORGES)}"
                )
            if not isinstance(table, dict):
                raise ConfigError(f"{origin}: [forges.{forge}] must be a table")
            for key in ("secret", "signing_token"):
                if key in table:
                    raise ConfigError(
                        f"{origin}: 'forges.{forge}.{key}' would put a secret in this file; name "
                        f"an environment variable ({key}_env) or a file ({key}_file) instead"
                    )
            tables[f"forges.{forge}"] = table
            enabled.append(f"forges.{forge}")
    flat = validate(tables, origin, (*SECTIONS, *FORGE_SECTIONS.values()))
    flat.update({(section, ""): None for section in enabled})
    return flat


def _value(flat: Mapping[tuple[str, str], object], key: Key[T]) -> T:
    """The file's value of `key` (as the accessors give it), else the key's default."""
    return normal(key, flat.get(key.path, key.default))  # type: ignore[return-value]


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
        allow_unsigned = _value(flat, ForgeKeys.allow_unsigned.bound(section, "allow_unsigned"))
        if not secret and not signing and not allow_unsigned:
            raise ConfigError(
                f"{origin}: [{section}] has no secret; set secret_env or secret_file "
                f"(and the same secret in the forge's webhook), or allow_unsigned = true"
            )
        max_age = _value(flat, SigningKeys.max_age.bound(section, "max_age"))
        token = _read_secret(flat, section, "token", origin, base_dir, environ)
        api_url = _value(flat, ForgeKeys.api_url.bound(section, "api_url")).rstrip("/")
        row = forgekinds.forge_kind(name)
        if token and not api_url:
            if not row.web_host:
                raise ConfigError(
                    f"{origin}: [{section}] has a token but no api_url; name the server's API "
                    f"(such as https://bitbucket.example.com/rest/api/latest)"
                )
            from tracker_git.forges.registry import parts

            api_url = parts(name).default_api_url(f"https://{row.web_host}")
        forges[name] = ForgeConfig(
            name=name,
            secret=secret,
            signing_key=_signing_key(signing, origin) if signing else b"",
            allow_unsigned=allow_unsigned,
            max_age=max_age,
            token=token,
            api_url=api_url,
            allow_forks=_value(flat, ForgeKeys.allow_forks.bound(section, "allow_forks")),
            status_summary=_value(flat, ForgeKeys.status_summary.bound(section, "status_summary")),
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
    base = _value(flat, Top.base_config)
    if not base:
        return core_config.load(None, environ=environ)
    path = _resolve(base_dir, base)
    if not os.path.isfile(path):
        raise ConfigError(f"{origin}: 'base_config' names {path}, which is not a file")
    return core_config.load(None, environ=environ, repo_file=path)


def _service_api_url(
    flat: dict[tuple[str, str], object], main: core_config.Config, environ: Mapping[str, str]
) -> str:
    """Where the relay's own Tracker token goes: the relay's file, else the service user's
    config.toml, TRACKER_API_URL or the public API; never `base_config`, a repository's file
    whoever can commit to it may change (its api_url is left unread)."""
    if Tracker.api_url.path in flat:
        return _value(flat, Tracker.api_url)
    key = core_config.Tracker.api_url
    if main.source(key) != "environment" and _value(flat, Top.base_config):
        return core_config.load(None, environ=environ).value(key)
    return main.value(key)


def _token(
    flat: dict[tuple[str, str], object], origin: str, base_dir: str, environ: Mapping[str, str]
) -> str:
    name = _value(flat, Tracker.token_file)
    if name:
        return _read_secret_file(origin, "tracker.token_file", _resolve(base_dir, name))
    token = environ.get("TRACKER_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            f"{origin}: no Tracker token; set TRACKER_TOKEN in the service's environment "
            f"or name a file holding the service account's token in [tracker] token_file"
        )
    return token


def _metrics_listen(value: str, origin: str) -> str:
    """HOST:PORT ([HOST]:PORT for IPv6), or ""."""
    if not value:
        return ""
    host, colon, port = value.rpartition(":")
    if not colon or not host or not port.isascii() or not port.isdigit() or int(port) > 65535:
        raise ConfigError(
            f"{origin}: 'server.metrics_listen' must be HOST:PORT (such as 127.0.0.1:9101), "
            f"not {value!r}"
        )
    return value


def parse(data: Mapping[str, object], origin: str, environ: Mapping[str, str]) -> RelayConfig:
    """A parsed TOML document as a RelayConfig; relative paths are relative to `origin`."""
    flat = _flatten(data, origin)
    base_dir = os.path.dirname(os.path.abspath(origin))
    main = _main_config(flat, origin, base_dir, environ)

    def main_or_file(key: Key[T], main_key: Key[T]) -> T:
        return _value(flat, key) if key.path in flat else main.value(main_key)

    queues = (
        [queue.upper() for queue in _value(flat, Top.queues)]
        if Top.queues.path in flat
        else list(main.queues)
    )
    branch_keys = flat.get(Top.branch_keys.path)
    if not queues and branch_keys is None:
        raise ConfigError(
            f"{origin}: no 'queues': any WORD-123 would be an issue key, and a branch such as "
            f"GitHub's 'patch-2' would move issue PATCH-2; list your queues "
            f'(queues = ["DEV"]), or set branch_keys = true to take keys from branch names '
            f"anyway (false: from titles and descriptions only)"
        )
    statuses = {}
    for kind in KINDS:
        key, main_key = Statuses.BY_NAME[kind], STATUS_DEFAULTS[kind]
        statuses[kind] = main_or_file(key, main_key) if main_key else _value(flat, key)
    main_tracker = core_config.Tracker
    api_url = _service_api_url(flat, main, environ).rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"{origin}: 'tracker.api_url' must be an http(s) URL, not {api_url!r}")
    org_id = main_or_file(Tracker.org_id, main_tracker.org_id)
    cloud_org_id = main_or_file(Tracker.cloud_org_id, main_tracker.cloud_org_id)
    if not org_id and not cloud_org_id:
        raise ConfigError(
            f"{origin}: no Tracker organization; set [tracker] org_id (Yandex 360) or "
            f"cloud_org_id (Yandex Cloud), or TRACKER_ORG_ID / TRACKER_CLOUD_ORG_ID"
        )
    database = _value(flat, Server.database)
    if not is_postgres(database):
        database = _resolve(base_dir, database)
    return RelayConfig(
        path=origin,
        database=database,
        max_body=int(_value(flat, Server.max_body)),
        max_keys=max(1, int(_value(flat, Server.max_keys))),
        read_timeout=_value(flat, Server.read_timeout),
        max_connections=max(1, int(_value(flat, Server.max_connections))),
        max_per_client=max(1, int(_value(flat, Server.max_per_client))),
        metrics_listen=_metrics_listen(_value(flat, Server.metrics_listen), origin),
        log_format=_value(flat, Server.log_format),
        worker=_value(flat, Server.worker),
        concurrency=max(1, int(_value(flat, Server.concurrency))),
        resolutions={
            kind: value for kind in KINDS if (value := _value(flat, Resolutions.BY_NAME[kind]))
        },
        replay_window=_value(flat, Server.replay_window),
        branch_keys=branch_keys is not False,
        queues=tuple(queues),
        statuses=statuses,
        forges=_forges(flat, origin, base_dir, environ),
        tracker=TrackerSettings(
            api_url=api_url,
            api_version=main_or_file(Tracker.api_version, main_tracker.api_version),
            org_id=org_id,
            cloud_org_id=cloud_org_id,
            token_kind=main_or_file(Tracker.token_kind, main_tracker.token_kind),
            timeout=main_or_file(Tracker.timeout, main_tracker.timeout),
            token=_token(flat, origin, base_dir, environ),
        ),
        retry=RetrySettings(
            first=_value(flat, Retry.first),
            cap=_value(flat, Retry.cap),
            give_up=_value(flat, Retry.give_up),
            poll=_value(flat, Retry.poll),
            lease=_value(flat, Retry.lease),
        ),
    )


def load(path: str, environ: Mapping[str, str] | None = None) -> RelayConfig:
    """Read and validate the relay config file; ConfigError says what to fix."""
    if environ is None:
        from tracker_git import secrets

        # The CLI has moved TRACKER_TOKEN out of os.environ (secrets.scrub_environment).
        environ = {**os.environ, "TRACKER_TOKEN": secrets.environment_token()}
    data = read_toml(path, missing="check --config (or TRACKER_GIT_RELAY_CONFIG)")
    return parse(data, path, environ)
