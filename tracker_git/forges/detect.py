"""Which forge a git remote URL points at, and where its API and web pages are.

Every remote form git accepts for the four forges is understood (research/forges.md §1.3,
§2.3, §3.3, §4.3): scp-like `git@host:owner/repo.git`, `ssh://[user@]host[:port]/path`,
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

from tracker_git.core.errors import ConfigError, UsageError
from tracker_git.core.loopback import secure_enough

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tracker_git.core.config import Config

KINDS = ("github", "gitlab", "bitbucket-cloud", "bitbucket-dc")
API_URL_VARIABLE = "TRACKER_GIT_FORGE_API_URL"

# SSH-over-443 hosts and their web host (forges.md §1.3, §2.3, §3.3).
_ALIASES = {
    "ssh.github.com": "github.com",
    "altssh.gitlab.com": "gitlab.com",
    "altssh.bitbucket.org": "bitbucket.org",
    "www.github.com": "github.com",
}
_KNOWN_HOSTS = {"github.com": "github", "gitlab.com": "gitlab", "bitbucket.org": "bitbucket-cloud"}
# A self-hosted server's name often says what it runs (gitlab.corp, ghe.corp, bitbucket.corp).
_NAME_HINTS = {
    "github": "github",
    "ghe": "github",
    "gitlab": "gitlab",
    "bitbucket": "bitbucket-dc",
    "stash": "bitbucket-dc",
}
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
class _Url:
    scheme: str  # "ssh", "https", "http", "git"
    host: str
    port: int | None
    segments: tuple[str, ...]


def redact(url: str) -> str:
    """The URL without any `user:secret@` part, for messages."""
    if _SCHEME.match(url):
        parts = urlsplit(url)
        if "@" in parts.netloc:
            return url.replace(parts.netloc, parts.netloc.rpartition("@")[2], 1)
        return url
    return url.split("@", 1)[1] if "@" in url.split(":", 1)[0] else url


def parse_url(remote_url: str) -> _Url:
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
    return _Url(scheme, host.lower(), port, segments)


def _kind(url: _Url, configured: str, shown: str) -> str:
    if configured:
        return configured
    host = _ALIASES.get(url.host, url.host)
    if host in _KNOWN_HOSTS:
        return _KNOWN_HOSTS[host]
    if _is_ghe_com(host):
        return "github"
    # Data Center clones over https from /scm/ and over ssh from port 7999 (forges.md §4.3).
    if (url.scheme in ("http", "https") and "scm" in url.segments[:-2]) or url.port == 7999:
        return "bitbucket-dc"
    for label in re.split(r"[.-]", host):
        if label in _NAME_HINTS:
            return _NAME_HINTS[label]
    raise UsageError(
        f"cannot tell which forge {host} runs (remote {shown}); set [forge] kind "
        f'("github", "gitlab", "bitbucket-cloud" or "bitbucket-dc") in .tracker-git.toml'
    )


def _check_api_url(api_url: str, origin: str) -> str:
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{origin}: '{redact(api_url)}' is not an http(s) URL; give the forge's API base"
        )
    if "@" in parts.netloc:
        raise ConfigError(f"{origin}: the API URL must not carry credentials; give them as a token")
    if not secure_enough(api_url):
        raise ConfigError(
            f"{origin}: plain http:// is allowed only for loopback addresses; use https://"
        )
    return api_url.rstrip("/")


def _is_ghe_com(host: str) -> bool:
    """GitHub Enterprise Cloud with data residency: the tenant's own `SUBDOMAIN.ghe.com`."""
    return host.endswith(".ghe.com") and host.count(".") == 2


def github_api_url(host: str, web_base: str) -> str:
    """The default API base of a GitHub web host (forges.md §1): api.github.com for
    github.com, `https://api.SUBDOMAIN.ghe.com` for data residency (no /api/v3 there), and
    WEB/api/v3 for Enterprise Server."""
    if host == "github.com":
        return "https://api.github.com"
    if _is_ghe_com(host):
        return f"https://api.{host}"
    return f"{web_base}/api/v3"


def _web_base_from_api(api_url: str) -> str:
    parts = urlsplit(api_url)
    hostname = parts.hostname or ""
    if hostname in ("api.github.com", "api.bitbucket.org") or (
        hostname.startswith("api.") and _is_ghe_com(hostname.removeprefix("api."))
    ):
        return f"https://{hostname.removeprefix('api.')}"
    base = api_url
    for suffix in _API_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.rstrip("/")


def _origin_base(url: _Url, host: str) -> str:
    """scheme://host[:port] of the web server the remote URL implies (ssh ports are not web ports)."""
    if url.scheme in ("http", "https"):
        default = {"http": 80, "https": 443}[url.scheme]
        port = f":{url.port}" if url.port and url.port != default else ""
        return f"{url.scheme}://{host}{port}"
    return f"https://{host}"


def default_api_url(kind: str, web_base: str) -> str:
    """The API base of a forge of `kind` whose web server is `web_base`
    (scheme://host[:port][/context], no trailing slash): the one place that knows it."""
    if kind == "github":
        return github_api_url(urlsplit(web_base).hostname or "", web_base)
    if kind == "gitlab":
        return f"{web_base}/api/v4"
    if kind == "bitbucket-cloud":
        return "https://api.bitbucket.org/2.0"
    return f"{web_base}/rest/api/latest"


def _two(segments: tuple[str, ...], kind: str, shown: str, what: str) -> tuple[str, str]:
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
    kind = _kind(url, config.text("forge", "kind"), shown)
    host = _ALIASES.get(url.host, url.host)

    api_url, source = "", "remote"
    if env.get(API_URL_VARIABLE):
        api_url = _check_api_url(env[API_URL_VARIABLE], API_URL_VARIABLE)
        source = API_URL_VARIABLE
    elif config.text("forge", "api_url"):
        source = config.sources.get(("forge", "api_url"), "configuration")
        api_url = _check_api_url(config.text("forge", "api_url"), f"{source}: [forge] api_url")
    web_base = _web_base_from_api(api_url) if api_url else ""
    segments = url.segments
    own = _origin_base(url, host)

    if kind == "bitbucket-dc":
        context: tuple[str, ...] = ()
        if "scm" in segments[:-2]:
            cut = len(segments) - 1 - segments[::-1].index("scm")
            context, segments = segments[:cut], segments[cut + 1 :]
        key, slug = _two(segments, kind, shown, "PROJECT/repo after /scm/")
        key = key if key.startswith("~") else key.upper()
        own += "".join("/" + c for c in context)
        web_base = web_base or own
        api_url = api_url or default_api_url(kind, web_base)
        page = (
            f"/users/{key[1:]}/repos/{slug}"
            if key.startswith("~")
            else f"/projects/{key}/repos/{slug}"
        )
        return ForgeRemote(
            kind, host, api_url, key, slug, web_base + page, source, default_api_url(kind, own)
        )

    if kind == "gitlab":
        # A relative-URL install (https://host/gitlab/...) shows its prefix in the API base.
        prefix = tuple(s for s in urlsplit(web_base).path.split("/") if s) if web_base else ()
        if prefix and segments[: len(prefix)] == prefix and len(segments) > len(prefix) + 1:
            segments = segments[len(prefix) :]
        if len(segments) < 2:
            raise UsageError(
                f"remote URL {shown} does not look like a gitlab project (GROUP/.../PROJECT); fix the remote"
            )
        web_base = web_base or own
        api_url = api_url or default_api_url(kind, web_base)
        return ForgeRemote(
            kind,
            host,
            api_url,
            "/".join(segments[:-1]),
            segments[-1],
            f"{web_base}/{'/'.join(segments)}",
            source,
            default_api_url(kind, own),
        )

    if kind == "github":
        owner, repo = _two(segments, kind, shown, "OWNER/REPO")
        if not api_url:
            web_base = own
            api_url = default_api_url(kind, web_base)
        web_page = f"{web_base}/{owner}/{repo}"
        return ForgeRemote(
            kind, host, api_url, owner, repo, web_page, source, default_api_url(kind, own)
        )

    workspace, slug = _two(segments, kind, shown, "WORKSPACE/REPO")
    web_base = web_base or "https://bitbucket.org"
    api_url = api_url or default_api_url(kind, web_base)
    web_page = f"{web_base}/{workspace}/{slug}"
    return ForgeRemote(
        kind, host, api_url, workspace, slug, web_page, source, default_api_url(kind, own)
    )
