"""Login, logout and whoami: the plain functions behind those commands.

The organization and API options of the three commands are the same, so they are added and
read here. The token is checked with `GET /myself` before it is stored, and is never printed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker_git import secrets
from tracker_git.core import config, forgekinds, gitstate, output
from tracker_git.core.config import Config, Tracker
from tracker_git.core.errors import TrackerGitError, UsageError
from tracker_git.core.schema import Key

if TYPE_CHECKING:
    from tracker_git.tracker.client import TrackerClient

# Storing may raise a desktop unlock prompt a person has to answer.
STORE_TIMEOUT = 60.0


def add_tracker_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--org-id", metavar="ID", help="Yandex 360 organization id (X-Org-ID)")
    group.add_argument(
        "--cloud-org-id", metavar="ID", help="Yandex Cloud organization id (X-Cloud-Org-ID)"
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help="Tracker API base (default: [tracker] api_url); with --forge, the forge's API "
        "base (default: the one its host serves)",
    )


def add_forge_options(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--forge",
        choices=forgekinds.KINDS,
        help=f"{verb} a forge token (for 'git tracker pr') instead of the Tracker token",
    )
    parser.add_argument(
        "--host",
        metavar="HOST",
        help="the forge's web host (default: "
        + ", ".join(row.web_host for row in forgekinds.FORGES if row.web_host)
        + "; required for "
        + ", ".join(row.kind for row in forgekinds.FORGES if not row.web_host)
        + ")",
    )


def repo_root() -> str | None:
    try:
        return gitstate.read_state().toplevel
    except TrackerGitError:
        return None


def load_config(args: argparse.Namespace) -> Config:
    """The configuration with this command's options on top (SPEC precedence)."""
    overrides: dict[Key[str], str] = {}
    if getattr(args, "api_url", None):
        overrides[Tracker.api_url] = args.api_url
    if getattr(args, "org_id", None):
        overrides[Tracker.org_id] = args.org_id
        overrides[Tracker.cloud_org_id] = ""
    if getattr(args, "cloud_org_id", None):
        overrides[Tracker.cloud_org_id] = args.cloud_org_id
        overrides[Tracker.org_id] = ""
    if getattr(args, "token_kind", None):
        overrides[Tracker.token_kind] = args.token_kind
    return config.load(repo_root(), overrides)


def with_overrides(cfg: Config, **values: str) -> Config:
    """`cfg` with [tracker] values replaced (an organization typed at the prompt)."""
    changes = {Tracker.BY_NAME[name]: value for name, value in values.items()}
    return cfg.replace(changes, "prompt")


def forge_host(kind: str, host: str | None) -> str:
    if host:
        return host.strip().lower()
    row = forgekinds.forge_kind(kind)
    if row.web_host:
        return row.web_host
    raise UsageError(f"--forge {kind} needs --host HOST (your {row.name}'s host)")


def forge_api(kind: str, host: str | None, api_url: str | None = None) -> str:
    """The API a forge token is for, and the only place it is sent: --api-url, else what
    the forge serves for its web host (forges.detect.default_api_url). Its host names the
    keyring entry."""
    from tracker_git.forges.detect import check_api_url, default_api_url

    if api_url:
        return check_api_url(api_url, "--api-url", kind)
    return default_api_url(kind, f"https://{forge_host(kind, host)}")


def read_token(with_token: bool, what: str) -> str:
    """The token from stdin (--with-token) or a hidden prompt on the terminal."""
    if with_token:
        return secrets.check_token_text(sys.stdin.read())
    if not sys.stdin.isatty():
        raise UsageError(
            f"no terminal to ask for the {what} token; pipe it in: "
            "... | git tracker login --with-token"
        )
    import getpass

    return secrets.check_token_text(getpass.getpass(f"Paste your {what} token (hidden): "))


def ask_organization(cfg: Config, interactive: bool) -> Config:
    """Make sure an organization is known: from the options, environment and files, else
    asked on the terminal. Digits are a Yandex 360 id, anything else a Yandex Cloud id."""
    if secrets.organization(cfg):
        return cfg
    if not interactive:
        raise UsageError(
            "no organization: pass --org-id ID (Yandex 360) or --cloud-org-id ID "
            "(Yandex Cloud), or set TRACKER_ORG_ID; it is shown in Tracker under "
            "Administration > Organizations"
        )
    answer = input("Organization id (Tracker > Administration > Organizations): ").strip()
    if not answer:
        raise UsageError("no organization given; pass --org-id or --cloud-org-id")
    if answer.isdigit():
        return with_overrides(cfg, org_id=answer, cloud_org_id="")
    return with_overrides(cfg, cloud_org_id=answer, org_id="")


def ask_token_kind(cfg: Config, interactive: bool) -> Config:
    """For a Yandex Cloud organization, on a terminal, ask OAuth or IAM unless the kind was
    given (option or file); a Yandex 360 organization takes OAuth tokens only."""
    if not interactive or cfg.tracker.org_id or not cfg.tracker.cloud_org_id:
        return cfg
    if cfg.source(Tracker.token_kind) != "default":
        return cfg
    answer = input("Token kind, oauth or iam [oauth]: ").strip().lower() or "oauth"
    if answer not in ("oauth", "iam"):
        raise UsageError(f"'{answer}' is not a token kind; answer oauth or iam")
    return with_overrides(cfg, token_kind=answer)


def check_kind(cfg: Config) -> None:
    if cfg.tracker.token_kind == "iam" and not cfg.tracker.cloud_org_id:
        raise UsageError(
            "an IAM token works only with a Yandex Cloud organization; pass --cloud-org-id ID, "
            "or use an OAuth token (--token-kind oauth)"
        )


def connect(config: Config, *, timeout: float | None = None) -> TrackerClient:
    """The client for `config`'s [tracker] section; the token from TRACKER_TOKEN or the keyring
    (tracker_git.secrets). `timeout` overrides tracker.timeout.
    A [tracker] api_url the user has not chosen or trusted raises trust.Untrusted first."""
    from tracker_git import trust
    from tracker_git.tracker import connect

    trust.check_tracker(config)  # before the token is even read
    token = secrets.tracker_token(config, timeout=timeout)
    return connect.client(config.tracker, token, timeout=timeout)


def myself(cfg: Config, token: str) -> dict[str, Any]:
    """Who Tracker says the token belongs to (GET /myself); OperationFailed on 401/403."""
    from tracker_git import trust
    from tracker_git.tracker import connect

    trust.check_tracker(cfg)
    client = connect.client(cfg.tracker, token)
    return client.myself()


def describe_user(me: dict[str, Any]) -> str:
    display, login = me.get("display") or "", me.get("login") or ""
    if display and login and display != login:
        return f"{display} ({login})"
    return str(display or login or me.get("uid") or "an unnamed user")


def where(cfg: Config) -> str:
    """ "api.tracker.yandex.net, organization 123 (X-Org-ID)"."""
    host = secrets.api_host(cfg.tracker.api_url)
    org = cfg.tracker.org_id
    cloud = cfg.tracker.cloud_org_id
    if org:
        return f"{host}, organization {org} (X-Org-ID)"
    if cloud:
        return f"{host}, organization {cloud} (X-Cloud-Org-ID)"
    return f"{host}, no organization"


def org_saved(cfg: Config) -> bool:
    """Whether the organization comes from a file, so later commands will find it."""
    key = Tracker.org_id if cfg.tracker.org_id else Tracker.cloud_org_id
    return cfg.source(key) not in ("command line", "prompt", "default")


@dataclass(frozen=True)
class Login:
    user: str
    account: str
    backend: str


def login(cfg: Config, token: str) -> Login:
    me = myself(cfg, token)
    account = secrets.store_token(cfg, token, timeout=STORE_TIMEOUT)
    return Login(describe_user(me), account, secrets.backend_name())


def save_organization(cfg: Config) -> str:
    """Write the organization (and token kind, and a non-default API) to the user config."""
    from tracker_git import userconfig

    values = {
        "org_id": cfg.tracker.org_id,
        "cloud_org_id": cfg.tracker.cloud_org_id if not cfg.tracker.org_id else "",
        "token_kind": "iam" if cfg.tracker.token_kind == "iam" else "",
    }
    if cfg.source(Tracker.api_url) == "command line":
        values["api_url"] = cfg.tracker.api_url
    return userconfig.set_values("tracker", values)


def warn_environment_token() -> None:
    if secrets.environment_token():
        output.warn("TRACKER_TOKEN is set in this shell; it takes precedence over the keyring")
