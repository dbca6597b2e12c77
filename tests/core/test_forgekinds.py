"""The table of forges (core/forgekinds.py): its lookups, the hosts a forge's environment token
may go to, and the row type a new forge is added with."""

from __future__ import annotations

import pytest

from tracker_git.core import forgekinds
from tracker_git.core.forgekinds import ForgeKind


def test_each_kind_is_looked_up_by_its_name_and_by_its_modules() -> None:
    assert forgekinds.KINDS == ("github", "gitlab", "bitbucket-cloud", "bitbucket-dc")
    assert forgekinds.forge_kind("bitbucket-dc").name == "Bitbucket Data Center"
    with pytest.raises(KeyError):
        forgekinds.forge_kind("gitea")
    # A client's or an emulator's __name__, or the bare stem.
    assert forgekinds.of_module("tracker_git.forges.bitbucket_dc").kind == "bitbucket-dc"
    assert forgekinds.of_module("tracker_git.emulators.bitbucket_cloud").kind == "bitbucket-cloud"
    assert forgekinds.of_module("gitlab").kind == "gitlab"
    assert repr(forgekinds.of_module("tracker_git.forges.github")) == "ForgeKind(kind='github')"


def test_the_kinds_are_listed_for_a_message() -> None:
    assert forgekinds.listed() == '"github", "gitlab", "bitbucket-cloud" or "bitbucket-dc"'
    assert forgekinds.listed("and") == '"github", "gitlab", "bitbucket-cloud" and "bitbucket-dc"'


def test_where_each_forges_environment_token_may_go() -> None:
    """GitHub's API is on api.github.com and each Enterprise Cloud tenant's api.SUBDOMAIN.ghe.com,
    GitLab's under its web host, Bitbucket Cloud's on api.bitbucket.org; Data Center has none."""
    hosts = {row.kind: forgekinds.public_api_hosts(row) for row in forgekinds.FORGES}
    assert hosts == {
        "github": ("api.github.com", "api.SUBDOMAIN.ghe.com"),
        "gitlab": ("gitlab.com",),
        "bitbucket-cloud": ("api.bitbucket.org",),
        "bitbucket-dc": (),
    }
    assert forgekinds.public_api_host(forgekinds.forge_kind("github")) == "api.github.com"
    assert forgekinds.public_api_host(forgekinds.forge_kind("bitbucket-dc")) == ""


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://api.github.com", "github"),
        ("  https://API.github.com:443/ \n", "github"),  # case, the default port, blanks
        ("HTTPS://api.github.com/repos/o/r", "github"),
        # The authority ends at the first "/", "?" or "#" (RFC 3986), whatever follows.
        ("https://api.github.com/x://evil.test", "github"),
        ("https://api.github.com?per_page=1?x", "github"),
        ("https://api.github.com#top#x", "github"),
        ("https://gitlab.com/api/v4", "gitlab"),
        ("https://api.bitbucket.org/2.0", "bitbucket-cloud"),
        # GitHub Enterprise Cloud with data residency: one tenant label of letters, digits, "-".
        ("https://api.acme.ghe.com", "github"),
        ("https://api.my-corp9.ghe.com/repos", "github"),
    ],
)
def test_a_public_services_own_api_is_its_forges(url: str, kind: str) -> None:
    row = forgekinds.public_service(url)
    assert row is not None
    assert row.kind == kind


@pytest.mark.parametrize(
    "url",
    [
        "http://api.github.com",  # not https
        "ftp://gitlab.com",
        "api.github.com",  # no scheme
        "https://",
        "https://github.com/api/v3",  # the web host, not the API
        "https://bitbucket.org/2.0",
        "https://api.github.com:8443",
        "https://api.github.com.evil.test",
        "https://evil.test/api.github.com",
        "https://api.github.com@evil.test",
        "https://api.github.com\\@evil.test",
        "https://localhost",
        "https://example.com",
        "https://api.evil.com",
        "https://evil.acme.ghe.com",  # not api.
        "https://api.ghe.com",
        "https://api.a.b.ghe.com",
        "https://api..ghe.com",
        "https://api.under_score.ghe.com",
        "https://api.тест.ghe.com",  # letters, but not ASCII ones
        "https://api.acme.ghe.org",
        "https://api.acme.gh.com",
        "https://a.b.c.d",
        "https://git.corp/api/v3",
    ],
)
def test_no_other_address_is_a_public_service(url: str) -> None:
    assert forgekinds.public_service(url) is None


# A forge added to the table: every field set, each to its own value.
NEW_FORGE: dict[str, object] = {
    "kind": "forgejo",
    "name": "Forgejo",
    "module": "forgejo",
    "token_variables": ("FORGEJO_TOKEN", "CODEBERG_TOKEN"),
    "event_header": "x-forgejo-event",
    "delivery_headers": ("x-forgejo-delivery",),
    "web_host": "codeberg.org",
    "host_aliases": ("www.codeberg.org",),
    "name_hints": ("forgejo", "gitea"),
    "tool_variables": ("TEA_TOKEN",),
    "api_on_api_host": True,
    "marker_headers": ("x-gitea-event",),
    "user_agent": "Forgejo/",
    "event_prefixes": ("pull_request",),
    "signature_header": "X-Forgejo-Signature",
    "token_header": "Authorization",
    "signing_token": True,
}


def test_a_new_forges_row_holds_every_field_it_is_given_and_is_read_only() -> None:
    """The readers (secrets, forges/detect.py, the relay) read these fields; a row that
    dropped or swapped one would send a token or take a webhook the wrong way."""
    assert sorted(NEW_FORGE) == sorted(ForgeKind.__slots__)
    row = ForgeKind(**NEW_FORGE)  # type: ignore[arg-type]
    assert {name: getattr(row, name) for name in NEW_FORGE} == NEW_FORGE
    assert forgekinds.public_api_hosts(row) == ("api.codeberg.org",)
    with pytest.raises(AttributeError) as refused:
        row.web_host = "evil.test"
    assert str(refused.value) == "ForgeKind is read-only: cannot set web_host"
    assert row.web_host == "codeberg.org"


def test_a_row_given_only_what_it_must_is_a_self_hosted_forge_that_signs_nothing() -> None:
    row = ForgeKind(
        kind="onprem",
        name="On-prem",
        module="onprem",
        token_variables=(),
        event_header="x-onprem-event",
        delivery_headers=("x-onprem-delivery",),
    )
    assert (row.web_host, row.host_aliases, row.name_hints, row.tool_variables) == ("", (), (), ())
    assert (row.api_on_api_host, row.marker_headers, row.user_agent, row.event_prefixes) == (
        False,
        (),
        "",
        (),
    )
    assert (row.signature_header, row.token_header, row.signing_token) == ("", "", False)
    assert forgekinds.public_api_hosts(row) == ()
    # A public service whose API is under its web host unless the row says otherwise.
    hosted = ForgeKind(
        kind="onprem",
        name="On-prem",
        module="onprem",
        token_variables=("ONPREM_TOKEN",),
        event_header="x-onprem-event",
        delivery_headers=(),
        web_host="git.example.org",
    )
    assert forgekinds.public_api_host(hosted) == "git.example.org"
