"""The one rule for plain http (only to this machine) and what "the same server" means: on
real sockets, where it decides something, so "loopback" means a host this process reaches
without a network."""

from __future__ import annotations

import socket
import sys

import pytest

from tracker_git.core.loopback import (
    is_loopback,
    origin,
    readable,
    same_origin,
    secure_enough,
    server,
)


def ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def reached(host: str) -> bool:
    """Whether a listener on `host` (port 0: a free one) takes a connection from here."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as listener:
        listener.bind((host, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with socket.create_connection((host, port), timeout=30):
            conn, _ = listener.accept()
            conn.close()
    return True


LOOPBACK = ["127.0.0.1", "127.0.0.2", "localhost", "LocalHost", "::1", "[::1]", "0:0:0:0:0:0:0:1"]
NOT_LOOPBACK = [
    None, "", "[]", "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "126.255.255.255", "::2",
    "localhost.example.test", "localhost.", "localhostX", "127.0.0.1.example.test", "example.test",
    "127.1",  # sockets take it for 127.0.0.1, but it is a name here: not an address
]  # fmt: skip


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts_are_this_machine(host: str) -> None:
    assert is_loopback(host)
    address = host.strip("[]").lower()
    if address == "localhost":
        address = "127.0.0.1"
    if ":" in address and not ipv6():
        return  # no IPv6 here to listen on; the answer above still stands
    if address == "127.0.0.2" and sys.platform != "linux":
        return  # all of 127/8 answers on Linux; elsewhere only 127.0.0.1 is set up
    assert reached(address)


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_other_hosts_are_not(host: str | None) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("https://tracker.example.test/v3", True),
        ("HTTPS://tracker.example.test", True),
        ("  https://tracker.example.test  ", True),
        ("https://127.0.0.1:8443", True),
        ("http://127.0.0.1:8080/v3", True),
        ("http://localhost", True),
        ("http://[::1]:8080", True),
        (" http://127.0.0.1:8080 ", True),
        ("http://tracker.example.test", False),
        ("http://10.0.0.1", False),
        ("http://localhost.example.test", False),
        ("ftp://127.0.0.1", False),
        ("127.0.0.1:8080", False),
        ("https://", False),
        ("https:///path", False),
        ("http://[::1", False),  # unreadable: Python refuses it
        ("", False),
    ],
)
def test_secure_enough(url: str, secure: bool) -> None:
    assert secure_enough(url) is secure


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Tracker.Example.TEST/v3?x=1", ("https", "tracker.example.test", 443)),
        ("HTTP://example.test", ("http", "example.test", 80)),
        ("http://example.test:8080/", ("http", "example.test", 8080)),
        ("https://example.test:80", ("https", "example.test", 80)),
        ("http://example.test:0", ("http", "example.test", 80)),  # as urllib3 reads it
        (" https://user:pw@example.test ", ("https", "example.test", 443)),
        ("http://[::1]:8080", ("http", "::1", 8080)),
        ("http://[fe80::1%25ETH0]/", ("http", "fe80::1%25eth0", 80)),  # the zone too
        ("ftp://example.test", ("ftp", "example.test", None)),
        ("/relative/path", ("", "", None)),
        # Unreadable: a port out of range or not a number, a bad IPv6 literal, a host that
        # NFKC-normalizes into a slash; and a blank after the port, unless stripped.
        ("http://example.test:99999", ("", "", None)),
        ("http://example.test:80x", ("", "", None)),
        ("http://[::1", ("", "", None)),
        ("http://example\uff0ftest", ("", "", None)),
        ("http://example.test:8080 ", ("http", "example.test", 8080)),
    ],
)
def test_origin(url: str, expected: tuple[str, str, int | None]) -> None:
    assert origin(url) == expected
    assert readable(url) is (expected != ("", "", None) or url == "/relative/path")


@pytest.mark.parametrize(
    ("url", "other", "same"),
    [
        ("https://example.test", "https://EXAMPLE.test:443/other?page=2", True),
        ("http://127.0.0.1", "http://127.0.0.1:80/", True),
        ("https://example.test", "http://example.test", False),
        ("https://example.test", "https://example.test:8443", False),
        ("https://example.test", "https://other.test", False),
        ("http://[::1", "http://[::2", True),  # both unreadable: no address, alike
    ],
)
def test_same_origin(url: str, other: str, same: bool) -> None:
    assert same_origin(url, other) is same
    assert same_origin(other, url) is same


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://user:secret@tracker.example.test/v3/issues?token=x",
            "https://tracker.example.test",
        ),
        ("https://tracker.example.test:443", "https://tracker.example.test"),
        ("http://example.test:80/a", "http://example.test"),
        ("https://example.test:80", "https://example.test:80"),
        ("http://example.test:8080", "http://example.test:8080"),
        ("http://[::1]:8080/x", "http://[::1]:8080"),
        ("https://[2001:db8::1]/", "https://[2001:db8::1]"),
        ("ftp://example.test/f", "ftp://example.test"),  # no port known: none shown,
    ],
)
def test_server_is_shown_without_what_may_be_secret(url: str, shown: str) -> None:
    assert server(url) == shown


def test_a_real_listener_is_reached_at_the_server_shown() -> None:
    """The address `server` shows for a loopback URL, and the port `origin` makes explicit,
    are where the listener is: plain http to it is allowed, to the same origin only."""
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        url = f"http://127.0.0.1:{port}/v3/myself?token=x"
        assert secure_enough(url)
        assert server(url) == f"http://127.0.0.1:{port}"
        scheme, host, found = origin(url)
        assert (scheme, host) == ("http", "127.0.0.1") and found is not None
        with socket.create_connection((host, found), timeout=30):
            conn, _ = listener.accept()
            conn.close()
        assert same_origin(url, f"http://127.0.0.1:{port}/other")
        assert not same_origin(url, f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}/")
