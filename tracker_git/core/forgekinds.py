"""The forges tracker-git knows: one row each, the one place a forge kind is named.

Everything that lists or keys on forges reads this table: `[forge] kind` (core/config.py),
`--forge` (commands/_account.py), the token variables (secrets.py), remote detection
(forges/detect.py), the relay's forge names, header detection and signature checks
(relay/), and the registry that finds each forge's code (forges/registry.py,
emulators/__init__.py). Stdlib only and data only: the hooks' path may import it.

Adding a forge: its client module `tracker_git/forges/<module>.py` (which ends with a
`PARTS = ForgeParts(...)`), its emulator `tracker_git/emulators/<module>.py` (which ends
with `EMULATOR = <class>`), and one row below (docs/contributing.md, "Adding a forge").
"""

from __future__ import annotations


class ForgeKind:
    """One forge.

    kind: its name in configuration, options, keyring entries and relay URLs.
    name: how messages call it. module: the stem of its client and emulator modules.
    token_variables: the environment variables that hold the public service's token, the first
    one set wins; they go to that service's own API only (public_service), never to a server
    a remote or a repository file names.
    tool_variables: more token variables its own tools read (never inherited either).
    web_host: the public service's web host (login's default `--host`; remotes on it are
    this forge); "" for a self-hosted-only forge. api_on_api_host: the public service's
    API is on `api.<web_host>` (not under the web host). host_aliases: other host names of the
    public service (SSH over port 443, www.), each mapped to web_host.
    name_hints: labels of a self-hosted server's name that say what it runs (gitlab.corp).

    Webhooks (the relay): event_header: the header each delivery carries (lower case;
    forges sharing one are told apart by the next three); marker_headers: headers only this
    forge sends; user_agent: the start of its User-Agent; event_prefixes: how its event
    names begin. delivery_headers: its delivery id headers, best first.
    signature_header: where it sends `sha256=<hex HMAC of the body>` ("" for none);
    token_header: where it sends the secret itself ("" for none); signing_token: whether
    it signs Standard Webhooks with a separate signing token.
    """

    kind: str
    name: str
    module: str
    token_variables: tuple[str, ...]
    event_header: str
    delivery_headers: tuple[str, ...]
    web_host: str
    host_aliases: tuple[str, ...]
    name_hints: tuple[str, ...]
    tool_variables: tuple[str, ...]
    api_on_api_host: bool
    marker_headers: tuple[str, ...]
    user_agent: str
    event_prefixes: tuple[str, ...]
    signature_header: str
    token_header: str
    signing_token: bool

    __slots__ = (
        "api_on_api_host",
        "delivery_headers",
        "event_header",
        "event_prefixes",
        "host_aliases",
        "kind",
        "marker_headers",
        "module",
        "name",
        "name_hints",
        "signature_header",
        "signing_token",
        "token_header",
        "token_variables",
        "tool_variables",
        "user_agent",
        "web_host",
    )

    def __init__(
        self,
        *,
        kind: str,
        name: str,
        module: str,
        token_variables: tuple[str, ...],
        event_header: str,
        delivery_headers: tuple[str, ...],
        web_host: str = "",
        host_aliases: tuple[str, ...] = (),
        name_hints: tuple[str, ...] = (),
        tool_variables: tuple[str, ...] = (),
        api_on_api_host: bool = False,
        marker_headers: tuple[str, ...] = (),
        user_agent: str = "",
        event_prefixes: tuple[str, ...] = (),
        signature_header: str = "",
        token_header: str = "",
        signing_token: bool = False,
    ) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "module", module)
        object.__setattr__(self, "token_variables", token_variables)
        object.__setattr__(self, "event_header", event_header)
        object.__setattr__(self, "delivery_headers", delivery_headers)
        object.__setattr__(self, "web_host", web_host)
        object.__setattr__(self, "host_aliases", host_aliases)
        object.__setattr__(self, "name_hints", name_hints)
        object.__setattr__(self, "tool_variables", tool_variables)
        object.__setattr__(self, "api_on_api_host", api_on_api_host)
        object.__setattr__(self, "marker_headers", marker_headers)
        object.__setattr__(self, "user_agent", user_agent)
        object.__setattr__(self, "event_prefixes", event_prefixes)
        object.__setattr__(self, "signature_header", signature_header)
        object.__setattr__(self, "token_header", token_header)
        object.__setattr__(self, "signing_token", signing_token)

    # Frozen like a dataclass (which the hooks' path does not import: ~5 ms).
    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ForgeKind is read-only: cannot set {name}")

    def __repr__(self) -> str:
        return f"ForgeKind(kind={self.kind!r})"


FORGES: tuple[ForgeKind, ...] = (
    ForgeKind(
        kind="github",
        name="GitHub",
        module="github",
        token_variables=("GH_TOKEN", "GITHUB_TOKEN"),
        web_host="github.com",
        host_aliases=("ssh.github.com", "www.github.com"),
        name_hints=("github", "ghe"),
        tool_variables=("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"),
        api_on_api_host=True,
        event_header="x-github-event",
        delivery_headers=("x-github-delivery",),
        # The legacy SHA-1 X-Hub-Signature is not accepted: GitHub always sends both.
        signature_header="X-Hub-Signature-256",
    ),
    ForgeKind(
        kind="gitlab",
        name="GitLab",
        module="gitlab",
        token_variables=("GITLAB_TOKEN",),
        web_host="gitlab.com",
        host_aliases=("altssh.gitlab.com",),
        name_hints=("gitlab",),
        event_header="x-gitlab-event",
        # Idempotency-Key is stable across retries and "Resend"; the event UUID is older.
        delivery_headers=("idempotency-key", "webhook-id", "x-gitlab-event-uuid"),
        token_header="X-Gitlab-Token",
        signing_token=True,
    ),
    ForgeKind(
        kind="bitbucket-cloud",
        name="Bitbucket",
        module="bitbucket_cloud",
        token_variables=("BITBUCKET_TOKEN",),
        web_host="bitbucket.org",
        host_aliases=("altssh.bitbucket.org",),
        api_on_api_host=True,
        event_header="x-event-key",
        marker_headers=("x-request-uuid", "x-hook-uuid"),
        user_agent="Bitbucket-Webhooks/",
        event_prefixes=("pullrequest:",),
        delivery_headers=("x-request-uuid",),
        signature_header="X-Hub-Signature",
    ),
    ForgeKind(
        kind="bitbucket-dc",
        name="Bitbucket Data Center",
        module="bitbucket_dc",
        # BITBUCKET_TOKEN is Bitbucket Cloud's: a Data Center server's token is bound to its
        # host (the keyring, or TRACKER_GIT_FORGE_TOKEN with TRACKER_GIT_FORGE_HOST).
        token_variables=(),
        name_hints=("bitbucket", "stash"),
        event_header="x-event-key",
        marker_headers=("x-request-id",),
        event_prefixes=("pr:", "diagnostics:"),
        delivery_headers=("x-request-id",),
        signature_header="X-Hub-Signature",
    ),
)

# A self-hosted forge's token from the environment: bound to the one API host the user names
# beside it (as gh's GH_ENTERPRISE_TOKEN with GH_HOST), never sent anywhere else.
HOST_TOKEN = "TRACKER_GIT_FORGE_TOKEN"
TOKEN_HOST = "TRACKER_GIT_FORGE_HOST"
# GitHub Enterprise Cloud with data residency: each tenant's API host is api.SUBDOMAIN.ghe.com.
_TENANT_KIND = "github"

KINDS: tuple[str, ...] = tuple(row.kind for row in FORGES)
_BY_KIND = {row.kind: row for row in FORGES}


def forge_kind(kind: str) -> ForgeKind:
    """The row of `kind` (KeyError for a kind not in the table)."""
    return _BY_KIND[kind]


def of_module(name: str) -> ForgeKind:
    """The row of the forge whose module (client or emulator) is `name` (its __name__)."""
    stem = name.rpartition(".")[2]
    return next(row for row in FORGES if row.module == stem)


def listed(joiner: str = "or") -> str:
    """The kinds quoted for a message: '"github", "gitlab", ... or "bitbucket-dc"'."""
    quoted = [f'"{kind}"' for kind in KINDS]
    return ", ".join(quoted[:-1]) + f" {joiner} " + quoted[-1]


def public_api_host(row: ForgeKind) -> str:
    """The host of the public service's API ("" for a self-hosted-only forge)."""
    if not row.web_host:
        return ""
    return f"api.{row.web_host}" if row.api_on_api_host else row.web_host


def public_api_hosts(row: ForgeKind) -> tuple[str, ...]:
    """Where the forge's environment token may go, for messages and docs."""
    tenants = ("api.SUBDOMAIN.ghe.com",) if row.kind == _TENANT_KIND else ()
    return tuple(host for host in (public_api_host(row), *tenants) if host)


def public_service(api_url: str) -> ForgeKind | None:
    """The forge whose public service's own API `api_url` is (https on the default port, no
    user name: api.github.com and each api.SUBDOMAIN.ghe.com, gitlab.com, api.bitbucket.org),
    None for any other address. The one rule of where an environment token such as GH_TOKEN
    may go: only there, whatever a remote, a host's name or a repository file's `kind` says."""
    scheme, _, rest = api_url.strip().partition("://")
    # The authority exactly as written: nothing a parser could read two ways (userinfo,
    # backslashes, a port) passes.
    netloc = rest.partition("/")[0].partition("?")[0].partition("#")[0].lower()
    if scheme.lower() != "https" or not netloc:
        return None
    netloc = netloc.removesuffix(":443")
    for row in FORGES:
        if row.web_host and netloc == public_api_host(row):
            return row
    # api.TENANT.ghe.com: one tenant label, of ASCII letters, digits and "-".
    first, _, after = netloc.partition(".")
    tenant, _, domain = after.partition(".")
    if (
        first == "api"
        and domain == "ghe.com"
        and tenant
        and all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in tenant)
    ):
        return forge_kind(_TENANT_KIND)
    return None
