"""One URL parser (issue 19): where a redirect or a next page goes is decided as the HTTP
library reads it (urllib3's parse_url, which requests sends by), and a `\\` or a user name in
a Location or a next link is refused. Loopback servers play the forge and the attacker: a
Location `http://ATTACKER\\@FORGE/x` reads as FORGE to urllib.parse and as ATTACKER to
requests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from testing.servers import run_attacker
from tracker_git import forges
from tracker_git.core import config
from tracker_git.core.errors import ConfigError, OperationFailed
from tracker_git.http import check_api_url, follow_link

CANARY = "canary-forge-token-url-parser"


def client(url: str) -> forges.Forge:
    cfg = config.load(None, environ={})
    remote = forges.detect(
        "https://github.com/octo/hello.git", cfg, environ={forges.API_URL_VARIABLE: url}
    )
    return forges.client_for(remote, CANARY)


def hidden(attacker: str, forge: str) -> list[str]:
    """Links that name the forge to one parser and the attacker to the other, or carry a
    user name."""
    a, f = attacker.removeprefix("http://"), forge.removeprefix("http://")
    return [
        f"http://{a}\\@{f}/repos/octo/hello/pulls?page=2",
        f"http://{a}\\\\@{f}/repos/octo/hello/pulls?page=2",
        f"http://{f}\\@{a}/repos/octo/hello/pulls?page=2",
        f"http://user@{f}/repos/octo/hello/pulls?page=2",
        f"http://{a}@{f}/repos/octo/hello/pulls?page=2",
        "/\\" + a + "/repos/octo/hello/pulls?page=2",
    ]


def as_redirect(link: str) -> tuple[int, dict[str, str], bytes]:
    return 302, {"Location": link}, b""


def as_next_page(link: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Link": f'<{link}>; rel="next"'}, b"[]"


@pytest.mark.parametrize("index", range(6))
@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (as_redirect, "redirected to an address that hides"),
        (as_next_page, "the next page is on an address that hides"),
    ],
)
def test_a_link_read_two_ways_is_not_followed(
    index: int, answer: Callable[[str], tuple[int, dict[str, str], bytes]], said: str
) -> None:
    with run_attacker() as attacker:
        box: dict[str, str] = {}

        def hiding(path: str) -> tuple[int, dict[str, str], bytes]:
            return answer(hidden(attacker.url, box["url"])[index])

        with run_attacker(hiding) as forge:
            box["url"] = forge.url
            with pytest.raises(OperationFailed, match=said):
                client(forge.url).list_open("DEMO-1-fix")
            assert len(forge.seen) == 1
    assert attacker.seen == []


def test_a_same_origin_redirect_is_still_followed() -> None:
    box: dict[str, str] = {}

    def moved(path: str) -> tuple[int, dict[str, str], bytes]:
        if path.startswith("/moved"):
            return 200, {"Content-Type": "application/json"}, b"[]"
        return 301, {"Location": f"{box['url']}/moved/pulls"}, b""

    with run_attacker(moved) as forge:
        box["url"] = forge.url
        assert list(client(forge.url).list_open("DEMO-1-fix")) == []
        assert [s.path.partition("?")[0] for s in forge.seen][-1] == "/moved/pulls"


def test_the_rule_agrees_with_the_library() -> None:
    first = "https://api.example.test/x"
    assert follow_link(first, "/next?page=2", first) == "https://api.example.test/next?page=2"
    assert follow_link(first, "https://API.example.test:443/y", first) is not None
    for link in (
        "https://evil.test\\@api.example.test/y",
        "https://u:p@api.example.test/y",
        "https://api.example.test/y\x00",
        "https://api.example.test/ y",
        "http://api.example.test/y",  # plain http across a network
    ):
        assert follow_link(first, link, first) is None, link


def test_an_api_address_read_two_ways_is_a_config_error() -> None:
    for url in ("https://evil.test\\.api.github.com", "http://127.0.0.1:1\\.x/", "https://h\tx/"):
        with pytest.raises(ConfigError, match="parsers read differently"):
            check_api_url(url)
    with pytest.raises(ConfigError, match="credentials"):
        check_api_url("http://127.0.0.1:1\\@127.0.0.1:2")
