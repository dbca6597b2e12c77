"""What may be handed to a browser (core/browser.py): an http(s) address with a host, of
printable characters; anything else is refused with one line and no browser starts."""

from __future__ import annotations

import shlex
import sys
import webbrowser
from pathlib import Path

import pytest

from tracker_git.core import browser
from tracker_git.core.errors import OperationFailed


@pytest.mark.parametrize(
    "url",
    [
        "https://tracker.example.com/DEMO-1",
        "http://127.0.0.1:8080/DEMO-1",
        "HTTPS://Tracker.Example.COM/DEMO-1",  # schemes are case-insensitive
        "https://[::1]:8443/DEMO-1",
    ],
)
def test_an_http_address_with_a_host_may_be_opened(url: str) -> None:
    assert browser.is_web_address(url)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",  # no host, and not the web
        "file://127.0.0.1/etc/passwd",  # a host, but not the web
        "javascript://127.0.0.1/%0Aalert(1)",
        "ssh://127.0.0.1/x",
        "ftp://example.com/",
        "http:///DEMO-1",  # the web, but no host
        "https://tracker.example.com/DEMO-1\x1b[2J",  # a control character
        "https://tracker.example.com/DEMO-1\u202e",  # a bidi control
        "http://[::1/DEMO-1",  # urlsplit's ValueError: an unclosed IPv6 host
        "",
    ],
)
def test_anything_else_is_not_a_web_address(url: str) -> None:
    assert not browser.is_web_address(url)


def test_open_address_hands_a_web_address_to_the_browser_and_says_whether_it_took_it() -> None:
    given: list[str] = []

    def taking(url: str) -> bool:
        given.append(url)
        return True

    assert browser.open_address("https://tracker.example.com/DEMO-1", browser=taking) is True
    assert browser.open_address("http://127.0.0.1/DEMO-2", "advice", lambda url: False) is False
    assert given == ["https://tracker.example.com/DEMO-1"]


def test_open_address_refuses_the_rest_with_one_line_and_starts_no_browser() -> None:
    given: list[str] = []

    def taking(url: str) -> bool:
        given.append(url)
        return True

    with pytest.raises(OperationFailed) as refused:
        browser.open_address("file:///etc/passwd", browser=taking)
    assert str(refused.value) == (
        "refusing to hand 'file:///etc/passwd' to the browser: only http and https addresses "
        "are opened; check [tracker] api_url (git tracker doctor), or use --print"
    )
    with pytest.raises(OperationFailed) as refused:
        browser.open_address("javascript:alert(1)", "open that page yourself", taking)
    assert str(refused.value).endswith("are opened; open that page yourself")
    assert given == []


def test_the_default_browser_is_the_desktops_as_webbrowser_picks_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """$BROWSER names the desktop's browser here: a program that records what it was given."""
    seen = tmp_path / "browser-got"
    script = tmp_path / "browser.py"
    script.write_text(
        f"import sys, pathlib\npathlib.Path({str(seen)!r}).write_text(sys.argv[1])\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BROWSER", shlex.join([sys.executable, str(script)]) + " %s")
    # webbrowser reads $BROWSER once per process, into these two; fresh ones for this test.
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    assert browser.open_address("https://tracker.example.com/DEMO-1") is True
    assert seen.read_text(encoding="utf-8") == "https://tracker.example.com/DEMO-1"
