"""Handing an address to the web browser: only http and https.

`webbrowser.open` passes its argument to whatever the desktop registers for its scheme: a
`file:`, `javascript:`, `ssh:` or custom-protocol address would open a file or start another
program. An issue's address is built from `[tracker] api_url`, which a repository file may set
(and opening needs no token, so no trust), so `open` hands over an http(s) address with a host
or nothing (issue 19 item 6)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from tracker_git.core.errors import OperationFailed

WEB_SCHEMES = ("http", "https")


def is_web_address(url: str) -> bool:
    """An http(s) address with a host, of printable characters only."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname) and url.isprintable()


OPEN_ADVICE = "check [tracker] api_url (git tracker doctor), or use --print"


def system_browser(url: str) -> bool:
    """The desktop's browser as Python's webbrowser picks it ($BROWSER first): whether one
    took `url`. webbrowser.open answers False where no browser runs; its webbrowser.Error is
    get()'s, for a browser name it cannot find, and open only asks for the names it has
    registered."""
    import webbrowser

    return webbrowser.open(url)


def open_address(
    url: str, advice: str = OPEN_ADVICE, browser: Callable[[str], bool] = system_browser
) -> bool:
    """Whether a browser took `url` (`browser`: the effect, the desktop's by default);
    OperationFailed for anything but an http(s) address, ending with `advice` (what to do;
    the default is `git tracker open`'s)."""
    if not is_web_address(url):
        raise OperationFailed(
            f"refusing to hand {url!r} to the browser: only http and https addresses are "
            f"opened; {advice}"
        )
    return browser(url)
