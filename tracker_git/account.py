"""Login, logout and whoami: the plain functions behind those commands (their options and
prompts are the commands': commands/_account.py, commands/login.py). Also the client for the
configuration with the stored token (`connect`). The token is checked with `GET /myself`
before it is stored, and is never printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker_git import secrets
from tracker_git.core import config, forgekinds, gitstate
from tracker_git.core.config import Config, Tracker
from tracker_git.core.errors import TrackerGitError, UsageError
from tracker_git.core.schema import Key

if TYPE_CHECKING:
    from tracker_git.tracker.client import TrackerClient

# Storing may raise a desktop unlock prompt a person has to answer.
STORE_TIMEOUT = 60.0


def repo_root() -> str | None:
    try:
        return gitstate.read_state().toplevel
    except TrackerGitError:
        return None


def load_config(
    *,
    api_url: str | None = None,
    org_id: str | None = None,
    cloud_org_id: str | None = None,
    token_kind: str | None = None,
) -> Config:
    """The configuration with a command's choices on top (docs/configuration.md); naming one
    organization clears the other."""
    overrides: dict[Key[str], str] = {}
    if api_url:
        overrides[Tracker.api_url] = api_url
    if org_id:
        overrides[Tracker.org_id] = org_id
        overrides[Tracker.cloud_org_id] = ""
    if cloud_org_id:
        overrides[Tracker.cloud_org_id] = cloud_org_id
        overrides[Tracker.org_id] = ""
    if token_kind:
        overrides[Tracker.token_kind] = token_kind
    return config.load(repo_root(), overrides)


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


def with_organization(cfg: Config, answer: str) -> Config:
    """`cfg` with the organization a person typed: digits are a Yandex 360 id, anything else
    a Yandex Cloud id."""
    if answer.isdigit():
        return cfg.replace({Tracker.org_id: answer, Tracker.cloud_org_id: ""}, "prompt")
    return cfg.replace({Tracker.cloud_org_id: answer, Tracker.org_id: ""}, "prompt")


def token_kind_unchosen(cfg: Config) -> bool:
    """A Yandex Cloud organization whose token kind nobody chose (option or file): OAuth or
    IAM is worth asking; a Yandex 360 organization takes OAuth tokens only."""
    if cfg.tracker.org_id or not cfg.tracker.cloud_org_id:
        return False
    return cfg.source(Tracker.token_kind) == "default"


def with_token_kind(cfg: Config, answer: str) -> Config:
    if answer not in ("oauth", "iam"):
        raise UsageError(f"'{answer}' is not a token kind; answer oauth or iam")
    return cfg.replace({Tracker.token_kind: answer}, "prompt")


def check_kind(cfg: Config) -> None:
    if cfg.tracker.token_kind == "iam" and not cfg.tracker.cloud_org_id:
        raise UsageError(
            "an IAM token works only with a Yandex Cloud organization; pass --cloud-org-id ID, "
            "or use an OAuth token (--token-kind oauth)"
        )


def connect(
    config: Config,
    *,
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> TrackerClient:
    """The client for `config`'s [tracker] section; the token from TRACKER_TOKEN or the keyring
    (tracker_git.secrets). `timeout` overrides tracker.timeout; `sleep` waits between attempts.
    A [tracker] api_url the user has not chosen or trusted raises trust.Untrusted first."""
    from tracker_git import trust
    from tracker_git.tracker import connect

    trust.check_tracker(config)  # before the token is even read
    token = secrets.tracker_token(config, timeout=timeout)
    return connect.client(config.tracker, token, timeout=timeout, sleep=sleep)


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
