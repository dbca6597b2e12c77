"""Whether a host is this machine: plain http and test-only switches are allowed only there."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or "localhost"; not a name that merely resolves to them."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
