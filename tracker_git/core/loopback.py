"""Whether a host is this machine, and the one rule for plain http: a token crosses a network
only over https; plain http is allowed only to a loopback host, wherever the URL came from.
Also what "the same server" (origin) means for redirects, pages and trust, and how a server is
shown (without what in its URL may be secret)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or "localhost"; not a name that merely resolves to them."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secure_enough(url: str) -> bool:
    """True for https:// to any host and http:// to a loopback host; False for anything else
    (another scheme, no host, plain http across a network)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return False
    if not host:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and is_loopback(host)


def readable(url: str) -> bool:
    """Whether Python can take `url` apart at all (it refuses, with ValueError, a host that
    NFKC-normalizes into other characters, such as a fullwidth slash, or a bad IPv6 literal).
    Everything here reads such an address as no address, never as a crash."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        return False
    return True


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port made explicit: what "the same server" means
    for redirects, next pages and trust. ("", "", None) for an unreadable address."""
    if not readable(url):
        return "", "", None
    parts = urlsplit(url.strip())
    port = parts.port  # readable: no ValueError here
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def same_origin(url: str, other: str) -> bool:
    return origin(url) == origin(other)


def server(url: str) -> str:
    """`scheme://host[:port]` of `url` (the port only when not the scheme's own): where it
    goes, shown without the user name, password, path or query that may be secret."""
    scheme, host, port = origin(url)
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + (
        "" if port == {"http": 80, "https": 443}.get(scheme) else f":{port}"
    )
