"""Which forge a git remote URL points at, and where its API and web pages are.

Every remote form git accepts for the four forges is understood (docs/design/forges.md,
each forge's remotes): scp-like `git@host:owner/repo.git`, `ssh://[user@]host[:port]/path`,
`https://[user[:secret]@]host[:port]/path`, SSH over port 443 (`ssh.github.com`,
`altssh.gitlab.com`, `altssh.bitbucket.org`), GitLab subgroups, Bitbucket Data Center's
`/scm/` clone paths and SSH port 7999, with or without a trailing `.git`.

Precedence for the API base: `TRACKER_GIT_FORGE_API_URL` (tests, the demo, odd proxies),
then `[forge] api_url`, then what the URL implies. The kind comes from `[forge] kind`, then
the well-known hosts, then Data Center's URL shapes, then the host's name; an unknown host
is a UsageError that says to set `[forge] kind`.

No credentials from the URL are kept, and messages show the URL without them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from tracker_git.core import forgekinds
from tracker_git.core.config import Forge
from tracker_git.core.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tracker_git.core.config import Config

KINDS = forgekinds.KINDS
API_URL_VARIABLE = "TRACKER_GIT_FORGE_API_URL"

# A public service's other host names (SSH over port 443, www.) -> its web host.
_ALIASES = {alias: row.web_host for row in forgekinds.FORGES for alias in row.host_aliases}
_KNOWN_HOSTS = {row.web_host: row.kind for row in forgekinds.FORGES if row.web_host}
# A self-hosted server's name often says what it runs (gitlab.corp, ghe.corp, bitbucket.corp).
_NAME_HINTS = {hint: row.kind for row in forgekinds.FORGES for hint in row.name_hints}
# The public services' API hosts: api.HOST serves HOST.
_API_HOSTS = {f"api.{row.web_host}" for row in forgekinds.FORGES if row.api_on_api_host}
_API_SUFFIXES = ("/api/v3", "/api/v4", "/rest/api/latest", "/rest/api/1.0", "/2.0")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"^(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+):(.*)$")


@dataclass(frozen=True)
class ForgeRemote:
    """Where a repository lives on its forge.

    kind: one of KINDS. host: the remote URL's host, SSH-over-443 names mapped to the web
    host ("github.com", never "ssh.github.com"); tokens are looked up by it.
    api_url: the API base without a trailing slash (https://api.github.com,
    https://api.SUB.ghe.com, https://HOST/api/v3, https://HOST/api/v4, https://api.bitbucket.org/2.0, https://HOST[/ctx]/rest/api/latest).
    owner: GitHub owner, GitLab namespace (`group/sub`), Bitbucket Cloud workspace, Data Center
    project key (upper case, or `~user` for a personal project). repo: the repository's
    name or slug. web_url: the repository's page.
    """

    kind: str
    host: str
    api_url: str
    owner: str
    repo: str
    web_url: str
    # Where api_url came from: "remote" (what the remote URL implies), API_URL_VARIABLE, or
    # the configuration file that set [forge] api_url (tracker_git.trust judges it).
    api_source: str = "remote"
    # The API the remote's own host serves (default_api_url): a token may always go there.
    own_api_url: str = ""

    @property
    def path(self) -> str:
        """`owner/repo` (GitLab: the full project path, subgroups included)."""
        return f"{self.owner}/{self.repo}"


@dataclass(frozen=True)
class RemoteUrl:
    """A remote URL taken apart. host: lower case, SSH-over-443 and www. names mapped to the
    web host; segments: the path without `.git` and slashes."""

    scheme: str  # "ssh", "https", "http", "git"
    host: str
    port: int | None
    segments: tuple[str, ...]

    @property
    def own(self) -> str:
        """scheme://host[:port] of the web server the URL implies (ssh ports are not web ports)."""
        if self.scheme in ("http", "https"):
            default = {"http": 80, "https": 443}[self.scheme]
            port = f":{self.port}" if self.port and self.port != default else ""
            return f"{self.scheme}://{self.host}{port}"
        return f"https://{self.host}"


@dataclass(frozen=True)
class Located:
    """Where a remote's repository is, as its forge's `locate` reads the path.
    web_base: the web server its API defaults to; own: the one the remote's own host implies
    (Data Center: with its context path); web_url: the repository's page."""

    owner: str
    repo: str
    web_url: str
    web_base: str
    own: str


def redact(url: str) -> str:
    """The URL without any `user:secret@` part, for messages."""
    if _SCHEME.match(url):
        parts = urlsplit(url)
        if "@" in parts.netloc:
            return url.replace(parts.netloc, parts.netloc.rpartition("@")[2], 1)
        return url
    return url.split("@", 1)[1] if "@" in url.split(":", 1)[0] else url


def parse_url(remote_url: str) -> RemoteUrl:
    """Split a remote URL into scheme, host, port and path segments (no `.git`, no slashes)."""
    url = remote_url.strip()
    shown = redact(url)
    if _SCHEME.match(url):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in ("git+ssh", "ssh+git"):
            scheme = "ssh"
        if scheme not in ("ssh", "https", "http", "git"):
            raise UsageError(
                f"remote URL {shown} uses {scheme}://, which no forge serves; "
                "use the repository's https:// or ssh:// URL"
            )
        try:
            port = parts.port
        except ValueError:
            raise UsageError(f"remote URL {shown} has a bad port; fix the remote") from None
        host, path = parts.hostname or "", unquote(parts.path)
    else:
        match = _SCP.match(url)
        if not match or "/" in match.group(1) or len(match.group(1)) == 1:
            raise UsageError(
                f"remote '{shown}' is a local path, not a forge; "
                "point the remote at GitHub, GitLab or Bitbucket"
            )
        scheme, host, port, path = "ssh", match.group(1).strip("[]"), None, match.group(2)
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")].rstrip("/")
    segments = tuple(s for s in path.split("/") if s)
    if not host or not segments:
        raise UsageError(f"remote URL {shown} names no repository; fix the remote")
    host = host.lower()
    return RemoteUrl(scheme, _ALIASES.get(host, host), port, segments)


def _kind(url: RemoteUrl, configured: str, shown: str) -> str:
    """`[forge] kind`, else the public services' hosts, else what the URL's shape says
    (each forge's `claims`, in table order), else the host's name."""
    if configured:
        return configured
    if url.host in _KNOWN_HOSTS:
        return _KNOWN_HOSTS[url.host]
    from tracker_git.forges.registry import all_parts

    for row, parts in all_parts():
        if parts.claims(url):
            return row.kind
    for label in re.split(r"[.-]", url.host):
        if label in _NAME_HINTS:
            return _NAME_HINTS[label]
    raise UsageError(
        f"cannot tell which forge {url.host} runs (remote {shown}); set [forge] kind "
        f"({forgekinds.listed()}) in .tracker-git.toml"
    )


def check_api_url(api_url: str, origin: str, kind: str) -> str:
    """A forge's configured API address, checked like Tracker's (tracker_git.http)."""
    from tracker_git.http import check_api_url as check

    return check(
        api_url,
        origin,
        example=f"its https:// API address ({default_api_url(kind, 'https://HOST')})",
        token=f"the token variable or 'git tracker login --forge {kind}'",
    )


def is_ghe_com(host: str) -> bool:
    """GitHub Enterprise Cloud with data residency: the tenant's own `SUBDOMAIN.ghe.com`."""
    return host.endswith(".ghe.com") and host.count(".") == 2


def _web_base_from_api(api_url: str) -> str:
    parts = urlsplit(api_url)
    hostname = parts.hostname or ""
    if hostname in _API_HOSTS or (
        hostname.startswith("api.") and is_ghe_com(hostname.removeprefix("api."))
    ):
        return f"https://{hostname.removeprefix('api.')}"
    base = api_url
    for suffix in _API_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.rstrip("/")


def default_api_url(kind: str, web_base: str) -> str:
    """The API base of a forge of `kind` whose web server is `web_base`
    (scheme://host[:port][/context], no trailing slash): asked of the forge's module."""
    from tracker_git.forges.registry import parts

    return parts(kind).default_api_url(web_base)


def two_segments(segments: tuple[str, ...], shown: str, kind: str, what: str) -> tuple[str, str]:
    """A path's two segments (OWNER/REPO and the like), UsageError otherwise."""
    if len(segments) != 2:
        raise UsageError(
            f"remote URL {shown} does not look like a {kind} repository ({what}); fix the remote"
        )
    return segments[0], segments[1]


def detect(
    remote_url: str, config: Config, environ: Mapping[str, str] | None = None
) -> ForgeRemote:
    """The forge behind `remote_url`, honouring `[forge] kind/api_url` and
    TRACKER_GIT_FORGE_API_URL. Raises UsageError for URLs that name no forge repository."""
    env = os.environ if environ is None else environ
    shown = redact(remote_url.strip())
    url = parse_url(remote_url)
    kind = _kind(url, config.forge.kind, shown)

    api_url, source = "", "remote"
    if env.get(API_URL_VARIABLE):
        api_url = check_api_url(env[API_URL_VARIABLE], API_URL_VARIABLE, kind)
        source = API_URL_VARIABLE
    elif config.forge.api_url:
        source = config.source(Forge.api_url)
        api_url = check_api_url(config.forge.api_url, f"{source}: [forge] api_url", kind)
    web_base = _web_base_from_api(api_url) if api_url else ""
    from tracker_git.forges.registry import parts

    forge = parts(kind)
    where = forge.locate(url, web_base, shown)
    return ForgeRemote(
        kind,
        url.host,
        api_url or forge.default_api_url(where.web_base),
        where.owner,
        where.repo,
        where.web_url,
        source,
        forge.default_api_url(where.own),
    )
