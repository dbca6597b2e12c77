"""Which host may receive which token: the one rule, asked by everything that sends a secret.

A token (the Tracker token, a forge token, a messenger secret) goes only to a destination the
user chose (docs/configuration.md; git itself never takes credentials or transport settings from a
cloned tree):

- the service's default API (https://api.tracker.yandex.net, https://api.telegram.org,
  Slack's incoming webhooks on https://hooks.slack.com);
- for a forge token, the API of the git remote's own host (forges.detect.default_api_url);
- an address named outside the repository: the environment, the user config file, the
  command line;
- an address a repository file names (`.tracker-git.toml`, `.tracker-notify.toml`) that the
  user has trusted with `git tracker trust`, for this repository and this exact value.

A Slack webhook URL is itself the secret, kept in a variable the alerts file names: the file
chooses which variable's value goes out, so the URL's server must be hooks.slack.com (https) or
one the user trusted; trust records only the server (scheme://host[:port]), never the URL.

Loopback addresses are no exception: a repository file that points at 127.0.0.1 needs trust
like any other. A destination that fails the rule raises Untrusted (exit 2) before any token is
read or any request is made; the hooks turn that into a one-line note instead.

Consent is kept in `trust.json` in the user config folder (next to config.toml): per
repository (its absolute top folder), the trusted values of each setting. A changed value is a
new destination and needs trust again. Stdlib only: the hooks' online check asks here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tracker_git.core import config as configuration
from tracker_git.core import paths
from tracker_git.core.errors import ConfigError, OperationFailed
from tracker_git.core.loopback import readable, same_origin, server

if TYPE_CHECKING:
    from tracker_git.core.config import Config
    from tracker_git.core.schema import Key
    from tracker_git.forges.detect import ForgeRemote
    from tracker_git.notify.spec import Spec

TRUST_FILE = "trust.json"
TRACKER_DEFAULT = "https://api.tracker.yandex.net"
TELEGRAM_DEFAULT = "https://api.telegram.org"
SLACK_DEFAULT = "https://hooks.slack.com"
FIX = "git tracker trust"


@dataclass(frozen=True)
class Destination:
    """An address a repository file asks a token to be sent to."""

    setting: str  # "tracker.api_url", "forge.api_url", "telegram.api_url", "slack.webhook"
    url: str  # the exact value, as the file has it (a trailing slash dropped); slack: the server
    file: str  # the file that names it
    token: str  # whose token would go there: "Tracker", "forge", "Telegram bot", "Slack webhook"
    variable: str = ""  # the variable holding the secret, where the file names it

    @property
    def host(self) -> str:
        if not readable(self.url):
            return ascii(self.url)
        return urlsplit(self.url).netloc.rpartition("@")[2] or self.url


class Untrusted(ConfigError):
    """A repository file names a destination the user has not trusted (exit 2)."""

    def __init__(self, destination: Destination, root: str, options: str = "") -> None:
        self.destination = destination
        held = f" (${destination.variable})" if destination.variable else ""
        super().__init__(
            f"{destination.file} sends the {destination.token} token{held} to {destination.host} "
            f"({destination.setting}), which you have not trusted for this repository; "
            f"check the address, then run '{FIX}{options}' in {root} (nothing was sent)"
        )


def _same(url: str, other: str) -> bool:
    return url.strip().rstrip("/") == other.strip().rstrip("/")


def repository_file(config: Config, key: Key[Any]) -> str | None:
    """The repository's file (whatever copy was read: the work tree's, the base commit's
    in CI) when it set the value of `key`; None when the user did (environment, user config,
    command line) or nothing did. The one question every reader of an address asks, before
    any token goes there (a structure test keeps others from asking it their own way)."""
    repo_file = config.repo_file
    return repo_file if repo_file and config.source(key) == repo_file else None


# --- what the repository's files ask for ----------------------------------------------------


def tracker_destination(config: Config) -> Destination | None:
    """`[tracker] api_url` when the repository's file sets it to other than the default."""
    repo_file = repository_file(config, configuration.Tracker.api_url)
    if repo_file is None:
        return None  # the default, or the user's: environment, user config, command line
    url = config.tracker.api_url.strip().rstrip("/")
    if _same(url, TRACKER_DEFAULT):
        return None
    return Destination("tracker.api_url", url, repo_file, "Tracker")


def forge_destination(remote: ForgeRemote, config: Config) -> Destination | None:
    """`[forge] api_url` when the repository's file sets it to another server than the one
    the remote's own host serves its API on."""
    repo_file = repository_file(config, configuration.Forge.api_url)
    if repo_file is None or remote.api_source != repo_file:
        return None  # what the remote implies, TRACKER_GIT_FORGE_API_URL, the user config
    if remote.own_api_url and same_origin(remote.api_url, remote.own_api_url):
        return None
    return Destination("forge.api_url", remote.api_url, repo_file, "forge")


def messenger_destinations(spec: Spec) -> list[Destination]:
    """Each Telegram `api_url` of the alerts file other than the Bot API's own."""
    from tracker_git.notify.spec import Telegram

    found: dict[str, Destination] = {}
    for alert in spec.alerts:
        target = alert.target
        if isinstance(target, Telegram) and not _same(target.api_url, TELEGRAM_DEFAULT):
            url = target.api_url.rstrip("/")
            found[url] = Destination("telegram.api_url", url, spec.path, "Telegram bot")
    return list(found.values())


def slack_destinations(spec: Spec, secrets: Mapping[str, str]) -> list[Destination]:
    """The server of each Slack webhook URL (the value of the variable an alert names, from
    `secrets`; alerts whose value is not there are left out) other than Slack's own."""
    from tracker_git.notify.spec import Slack

    found: dict[str, Destination] = {}
    for alert in spec.alerts:
        target = alert.target
        if not isinstance(target, Slack):
            continue
        url = secrets.get(target.webhook, "")
        if url and not same_origin(url, SLACK_DEFAULT):
            where = server(url)
            slack = Destination("slack.webhook", where, spec.path, "Slack webhook", target.webhook)
            found.setdefault(where, slack)
    return list(found.values())


# --- the records --------------------------------------------------------------------------


def trust_file() -> str:
    return os.path.join(paths.user_config_dir(), TRUST_FILE)


Records = dict[str, dict[str, list[str]]]


def _key(root: str) -> str:
    return os.path.realpath(root)


def load_records() -> Records:
    """root -> setting -> trusted values; {} when nothing was trusted yet."""
    path = trust_file()
    if not os.path.lexists(path):
        return {}
    raw = configuration.read_bounded(path, missing=f"run '{FIX}'", what="the trust file")
    try:
        data = json.loads(raw.decode("utf-8"))
        repositories = data["repositories"]
        return {
            str(root): {str(k): [str(v) for v in values] for k, values in settings.items()}
            for root, settings in repositories.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ConfigError(
            f"{path}: not a trust file tracker-git wrote; remove it and run '{FIX}' again"
        ) from None


def _save(records: Records) -> str:
    path = trust_file()
    text = json.dumps({"version": 1, "repositories": records}, indent=2, sort_keys=True)
    try:
        paths.write_private(path, (text + "\n").encode("utf-8"))
    except OSError as exc:
        raise OperationFailed(f"{path}: cannot be written ({exc.strerror})") from None
    return path


def is_trusted(root: str, destination: Destination, records: Records | None = None) -> bool:
    records = load_records() if records is None else records
    values = records.get(_key(root), {}).get(destination.setting, [])
    return any(_same(value, destination.url) for value in values)


def record(root: str, destinations: list[Destination]) -> str:
    """Trust `destinations` for the repository at `root`; returns the trust file's path."""
    records = load_records()
    settings = records.setdefault(_key(root), {})
    for destination in destinations:
        values = settings.setdefault(destination.setting, [])
        if not any(_same(value, destination.url) for value in values):
            values.append(destination.url)
    return _save(records)


def revoke(root: str) -> bool:
    """Forget everything trusted for the repository at `root`; False when there was nothing."""
    records = load_records()
    if records.pop(_key(root), None) is None:
        return False
    _save(records)
    return True


# --- the checks ---------------------------------------------------------------------------


def untrusted(root: str, destinations: list[Destination | None]) -> list[Destination]:
    """Those of `destinations` the user has not trusted for the repository at `root`."""
    wanted = [d for d in destinations if d is not None]
    if not wanted:
        return []
    records = load_records()
    return [d for d in wanted if not is_trusted(root, d, records)]


def require(root: str, destinations: list[Destination | None]) -> None:
    """Untrusted for the first destination not trusted; nothing when all are allowed. An
    address Python cannot read (a fullwidth slash) is a ConfigError first, in one line."""
    for destination in destinations:
        if destination is not None and not readable(destination.url):
            raise ConfigError(
                f"{destination.file}: {destination.setting} {ascii(destination.url)[:120]} is "
                "not an address (it holds characters no URL may); fix it (nothing was sent)"
            )
    missing = untrusted(root, destinations)
    if missing:
        raise Untrusted(missing[0], root)


def check_tracker(config: Config) -> None:
    """Before the Tracker token is read or sent: its destination is allowed."""
    destination = tracker_destination(config)
    if destination is not None and config.repo_root:
        require(config.repo_root, [destination])


def check_forge(remote: ForgeRemote, config: Config) -> None:
    """Before a forge token is read or sent: its destination is allowed."""
    destination = forge_destination(remote, config)
    if destination is not None and config.repo_root:
        require(config.repo_root, [destination])


def notify_root(path: str) -> str:
    """The repository an alerts file belongs to (trust is bound to it): the work tree holding
    the file, else its folder."""
    folder = os.path.dirname(os.path.abspath(path))
    return paths.work_tree(folder) or folder


def check_messengers(
    spec: Spec, file_option: str | None = None, secrets: Mapping[str, str] | None = None
) -> None:
    """Before a messenger secret is read or sent: each Telegram api_url is allowed; with the
    `secrets` read (before any is sent), each Slack webhook URL's server too.
    `file_option`: the --file the alerts came from, if given (said in the fix)."""
    root = notify_root(spec.path)
    asked = messenger_destinations(spec) + slack_destinations(spec, secrets or {})
    missing = untrusted(root, list(asked))
    if missing:
        raise Untrusted(missing[0], root, f" --file {file_option}" if file_option else "")
