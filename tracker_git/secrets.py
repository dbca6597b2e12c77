"""Tokens: the Tracker token and the forge tokens, from the environment or the OS keyring;
and the named secrets of `git tracker notify` (entries `secret:<NAME>`).

The environment wins (CI, the relay); otherwise the keyring holds one entry per API host and
organization under the service `tracker-git` (docs/commands.md "The keyring"), and one per forge host.

Every keyring call runs in a daemon thread joined with a time limit: a Secret Service that
never answers (a hung D-Bus peer, a prompt nobody sees) must not hang a commit. `keyring` is
imported inside that thread, because its import and backend discovery are part of what can
hang and cost ~100 ms. A token never appears in a message raised from here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from tracker_git.core import deadline, git
from tracker_git.core.config import Config
from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.core.forgekinds import FORGES, KINDS, public_service
from tracker_git.core.forgekinds import HOST_TOKEN as HOST_TOKEN  # the token variables' home
from tracker_git.core.forgekinds import TOKEN_HOST as TOKEN_HOST

SERVICE = "tracker-git"
# Outside hooks: long enough for a cold D-Bus activation on a loaded machine.
DEFAULT_TIMEOUT = 5.0
ENV_TOKEN = "TRACKER_TOKEN"

_FIX = "or set TRACKER_TOKEN for this shell"

# Every environment variable holding a token that tracker-git reads or that the forges' own
# tools read (gh's enterprise variables): the one list of what no child process inherits.
TOKEN_VARIABLES = tuple(
    dict.fromkeys(
        [
            ENV_TOKEN,
            HOST_TOKEN,
            *(name for row in FORGES for name in row.token_variables + row.tool_variables),
        ]
    )
)
# Secret variables moved out of os.environ (scrub_environment, hold), still readable here.
_held: dict[str, str] = {}
# Every token this process read (environment or keyring): what a crash report must hide.
_handed_out: set[str] = set()

T = TypeVar("T")


def scrub_environment() -> None:
    """Move the token variables out of os.environ, so that no process we spawn (git, the
    editor, hooks git runs) inherits a token (docs/configuration.md). The tokens stay readable through
    this module. Call it first thing in a process that may spawn others."""
    hold(TOKEN_VARIABLES)


def hold(names: tuple[str, ...] | list[str]) -> None:
    """Move the variables `names` (secrets read from the environment, such as the messenger
    secrets .tracker-notify.toml names) out of os.environ; they stay readable here, and no
    child we start gets them, even from an environment of its own (core.git.withhold)."""
    git.withhold(names)
    for name in names:
        value = os.environ.pop(name, None)
        if value is not None:
            _held[name] = value


def forget_held() -> None:
    """Drop the held variables (a test that ran the CLI in-process cleans up with this)."""
    _held.clear()
    _handed_out.clear()
    git.forget_withheld()


def known_values() -> list[str]:
    """Every secret value this process holds or has read: a crash report hides them."""
    return [*_held.values(), *_handed_out]


def _variable(name: str) -> str:
    return (os.environ.get(name) or _held.get(name) or "").strip()


# --- entry names -------------------------------------------------------------------------


def api_host(api_url: str) -> str:
    """`host[:port]` of the API base, lower case: the part of an entry name that says where."""
    host = urlsplit(api_url.strip()).netloc.lower()
    if not host:
        raise UsageError(
            f"'{api_url}' is not an API address; give one like https://api.tracker.yandex.net"
        )
    return host


def organization(config: Config) -> str:
    """The configured organization id (Yandex 360 first, as Tracker does when both are linked)."""
    return config.tracker.org_id or config.tracker.cloud_org_id


def tracker_account(config: Config) -> str:
    """The keyring user name of the Tracker token for this API host and organization."""
    org = organization(config)
    if not org:
        raise ConfigError(
            "no Tracker organization is configured, so no stored token can be chosen; "
            "run 'git tracker login --org-id ID --save-org' (or --cloud-org-id), "
            "or set TRACKER_ORG_ID / TRACKER_CLOUD_ORG_ID"
        )
    return f"{api_host(config.tracker.api_url)}/{org}"


def forge_account(kind: str, host: str) -> str:
    if kind not in KINDS:
        raise UsageError(f"unknown forge '{kind}'; use one of: {', '.join(KINDS)}")
    return f"forge:{kind}:{host.lower()}"


# --- the keyring, behind a time limit ------------------------------------------------------


def _explain(exc: BaseException, fix: str = _FIX) -> str:
    """One line for a keyring failure: what happened and what to do. Never includes secrets
    (the keyring's own messages carry none)."""
    name = type(exc).__name__
    if name == "KeyringLocked":
        return (
            "the keyring is locked; unlock it (log in to the desktop, or on a headless machine "
            f"start 'gnome-keyring-daemon --unlock' with its password on stdin), {fix}"
        )
    if name == "NoKeyringError":
        return (
            "no OS keyring is available; on a headless Linux install gnome-keyring and run it "
            f"unlocked in a D-Bus session (see 'git tracker login -h'), {fix}"
        )
    if name == "InitError":
        return f"the keyring could not be opened ({exc}); unlock or set it up, {fix}"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else name
    return f"the keyring failed ({name}: {detail}); check it with 'git tracker doctor', {fix}"


def _in_thread(job: Callable[[], T], timeout: float | None, action: str, fix: str = _FIX) -> T:
    """`job` under a hard time limit (core/deadline.py); its result, or OperationFailed on an
    error or a timeout."""
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    try:
        return deadline.within(job, limit, "tracker-git-keyring")
    except deadline.TimedOut:
        raise OperationFailed(
            f"cannot {action}: the keyring did not answer within {limit:g} s (waiting for an "
            f"unlock prompt, or hung); unlock or restart it, {fix}"
        ) from None
    except Exception as error:
        raise OperationFailed(f"cannot {action}: {_explain(error, fix)}") from None


def _get(
    account: str, timeout: float | None, action: str = "read the token", fix: str = _FIX
) -> str | None:
    def job() -> str | None:
        import keyring

        return keyring.get_password(SERVICE, account)

    value = _in_thread(job, timeout, action, fix)
    return value.strip() if value else None


def _set(
    account: str,
    token: str,
    timeout: float | None,
    action: str = "store the token",
    fix: str = _FIX,
) -> None:
    def job() -> None:
        import keyring

        keyring.set_password(SERVICE, account, token)

    _in_thread(job, timeout, action, fix)


def _delete(
    account: str, timeout: float | None, action: str = "remove the token", fix: str = _FIX
) -> bool:
    def job() -> bool:
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(SERVICE, account)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    return _in_thread(job, timeout, action, fix)


def backend_name(timeout: float | None = None) -> str:
    """The keyring backend's short name ("SecretService", "macOS", "Windows", "fail")."""

    def job() -> str:
        import keyring

        backend = keyring.get_keyring()
        return type(backend).__module__.rsplit(".", 1)[-1]

    return _in_thread(job, timeout, "find the keyring backend")


# --- the Tracker token ---------------------------------------------------------------------


def _malformed(token: str) -> bool:
    """True for what cannot go into an HTTP header as is. Caught here because the HTTP
    library's own complaint about a bad header quotes the header, token and all."""
    return not token.isascii() or any(ch.isspace() or not ch.isprintable() for ch in token)


def check_token_text(token: str) -> str:
    """The token, stripped; refuses what cannot go into an HTTP header."""
    token = token.strip()
    if not token:
        raise UsageError("the token is empty; paste the token itself")
    if _malformed(token):
        raise UsageError(
            "the token contains spaces, control or non-ASCII characters; paste only the token"
        )
    return token


def _usable(token: str, origin: str, fix: str) -> str:
    # A variable or keyring entry that can never work is set-up to fix, not a failed operation.
    if _malformed(token):
        raise ConfigError(
            f"the token in {origin} contains spaces, control or non-ASCII characters; {fix}"
        )
    _handed_out.add(token)
    return token


def environment_token() -> str:
    """TRACKER_TOKEN's value ("" when unset), also after scrub_environment()."""
    return _variable(ENV_TOKEN)


def tracker_token(config: Config, *, timeout: float | None = None) -> str:
    """The Tracker token: TRACKER_TOKEN, else the keyring entry for this host and organization."""
    env = _variable(ENV_TOKEN)
    if env:
        return _usable(env, ENV_TOKEN, "set it to the token alone")
    account = tracker_account(config)
    token = _get(account, timeout)
    if not token:
        raise OperationFailed(
            f"no Tracker token stored for {account}; run 'git tracker login', {_FIX}"
        )
    return _usable(token, f"the keyring entry {account}", "run 'git tracker login' again")


def token_source(config: Config, *, timeout: float | None = None) -> str:
    """Where `tracker_token` takes the token from: "environment" or "keyring (<backend>)"."""
    if _variable(ENV_TOKEN):
        return "environment"
    try:
        return f"keyring ({backend_name(timeout)})"
    except OperationFailed:
        return "keyring (unavailable)"


def store_token(config: Config, token: str, *, timeout: float | None = None) -> str:
    """Store the Tracker token for this host and organization; returns the entry's user name."""
    account = tracker_account(config)
    _set(account, check_token_text(token), timeout)
    return account


def delete_token(config: Config, *, timeout: float | None = None) -> bool:
    """Remove the stored Tracker token; False when there was none."""
    return _delete(tracker_account(config), timeout)


# --- forge tokens --------------------------------------------------------------------------


def bound_host() -> str:
    """TRACKER_GIT_FORGE_HOST as `host[:port]`, lower case ("" when unset); a URL's scheme
    and path are dropped, so `https://git.corp/` names git.corp."""
    value = _variable(TOKEN_HOST).lower()
    if "://" in value:
        value = value.partition("://")[2]
    return value.split("/", 1)[0]


def forge_variables(api_url: str) -> tuple[str, ...]:
    """The environment variables whose token may go to `api_url`: the public service's own
    (GH_TOKEN, GITHUB_TOKEN; GITLAB_TOKEN; BITBUCKET_TOKEN) for its own API only, and
    TRACKER_GIT_FORGE_TOKEN for the host TRACKER_GIT_FORGE_HOST names. The one rule of which
    environment token goes where: decided by the address alone, never by a forge's kind."""
    row = public_service(api_url)
    if row is not None:
        return row.token_variables
    host = urlsplit(api_url.strip()).netloc.lower()
    return (HOST_TOKEN,) if host and host == bound_host() else ()


def forge_variable(api_url: str) -> str | None:
    """The name of the set environment variable whose token goes to `api_url`, if any."""
    for name in forge_variables(api_url):
        if _variable(name):
            return name
    return None


def forge_token_advice(api_url: str) -> str:
    """What to set so that a forge token goes to `api_url` from the environment."""
    row = public_service(api_url)
    if row is not None:
        return f"set {' or '.join(row.token_variables)}"
    host = urlsplit(api_url.strip()).netloc.lower() or "HOST"
    return f"set {HOST_TOKEN} with {TOKEN_HOST}={host} (a token bound to that host)"


# Before 0.2, entries were keyed by the web host; for these two the token was only ever sent
# to the one API host named here, so reading the old entry for that API host keeps the rule.
_EARLIER_ACCOUNTS = {
    (row.kind, f"api.{row.web_host}"): f"forge:{row.kind}:{row.web_host}"
    for row in FORGES
    if row.api_on_api_host
}


def forge_token(kind: str, api_url: str, *, timeout: float | None = None) -> str | None:
    """The token that may go to the forge API `api_url`: the environment's (forge_variables),
    else the keyring entry `forge:<kind>:<host>` the user stored for that API host; None when
    neither has one. A keyring that fails or hangs raises OperationFailed."""
    host = api_host(api_url)
    account = forge_account(kind, host)
    variable = forge_variable(api_url)
    if variable:
        return _usable(_variable(variable), variable, "set it to the token alone")
    # A keyring that fails points at the variable for this host, not at TRACKER_TOKEN.
    instead = f"or {forge_token_advice(api_url)} for this shell"
    token = _get(account, timeout, fix=instead)
    earlier = _EARLIER_ACCOUNTS.get((kind, host.lower()))
    if not token and earlier:
        token = _get(earlier, timeout, fix=instead)
        account = earlier
    fix = f"run 'git tracker login --forge {kind}' again"
    return _usable(token, f"the keyring entry {account}", fix) if token else None


def store_forge_token(kind: str, host: str, token: str, *, timeout: float | None = None) -> str:
    account = forge_account(kind, host)
    _set(account, check_token_text(token), timeout)
    return account


def delete_forge_token(kind: str, host: str, *, timeout: float | None = None) -> bool:
    return _delete(forge_account(kind, host), timeout)


# --- named secrets (`git tracker notify`: webhook URLs, bot tokens) -------------------------

SECRET_PREFIX = "secret:"
_SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def secret_account(name: str) -> str:
    """The keyring user name of the named secret: `secret:<NAME>`."""
    if not _SECRET_NAME.fullmatch(name):
        raise UsageError(
            f"'{name}' is not a secret's name; use the variable's name as the file writes it "
            "without '$', such as SLACK_WEBHOOK_URL"
        )
    if name in TOKEN_VARIABLES:
        raise UsageError(
            f"{name} holds a Tracker or forge token, not a messenger secret; name a variable "
            "of its own, such as SLACK_WEBHOOK_URL"
        )
    return SECRET_PREFIX + name


def _secret_fix(name: str) -> str:
    return f"or export {name}=... for this shell"


def named_secret(name: str, *, timeout: float | None = None) -> str | None:
    """The secret the environment variable NAME holds, else the keyring entry `secret:<NAME>`;
    None when neither has it. No keyring at all (a CI runner) counts as "not stored"; a locked,
    failing or hung one raises OperationFailed, since the secret may well be stored there.
    A variable read here leaves os.environ (hold): no child process inherits it."""
    account = secret_account(name)
    hold((name,))
    value = _variable(name)
    if value:
        return value

    def job() -> str | None:
        import keyring
        import keyring.errors

        try:
            return keyring.get_password(SERVICE, account)
        except keyring.errors.NoKeyringError:
            return None

    stored = _in_thread(job, timeout, f"read {name} from the keyring", _secret_fix(name))
    return stored.strip() if stored else None


def in_environment(name: str) -> bool:
    """True when the variable NAME is set (to more than blanks): it wins over the keyring."""
    return bool(_variable(name))


def named_secret_origin(name: str) -> str:
    """Where named_secret(NAME) takes the value from, for messages about a malformed one."""
    return name if in_environment(name) else f"the keyring entry {SECRET_PREFIX}{name}"


def check_secret_text(value: str) -> str:
    """The secret, stripped; refuses an empty one and what no URL or token contains."""
    value = value.strip()
    if not value:
        raise UsageError("the secret is empty; paste the webhook URL or the bot token itself")
    if _malformed(value):
        raise UsageError(
            "the secret contains spaces, control or non-ASCII characters; paste only the "
            "webhook URL or the bot token"
        )
    return value


def store_named_secret(name: str, value: str, *, timeout: float | None = None) -> str:
    """Store the named secret in the keyring; returns the entry's user name."""
    account = secret_account(name)
    fix = _secret_fix(name)
    _set(account, check_secret_text(value), timeout, f"store {name} in the keyring", fix)
    return account


def delete_named_secret(name: str, *, timeout: float | None = None) -> bool:
    """Remove the stored named secret; False when there was none."""
    account = secret_account(name)
    return _delete(account, timeout, f"remove {name} from the keyring", _secret_fix(name))
