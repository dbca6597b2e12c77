"""Remote URL -> forge, API base and web page, for every form docs/design/forges.md lists."""

from __future__ import annotations

from typing import Any

import pytest

from tracker_git import forges
from tracker_git.core import config
from tracker_git.core.errors import ConfigError, UsageError
from tracker_git.core.schema import Key


def cfg(kind: str = "", api_url: str = "") -> config.Config:
    overrides: dict[Key[Any], object] = {}
    if kind:
        overrides[config.Forge.kind] = kind
    if api_url:
        overrides[config.Forge.api_url] = api_url
    return config.load(None, overrides=overrides, environ={})


GH = (
    "github",
    "github.com",
    "https://api.github.com",
    "octo",
    "hello",
    "https://github.com/octo/hello",
)
GL = (
    "gitlab",
    "gitlab.com",
    "https://gitlab.com/api/v4",
    "group/sub",
    "project",
    "https://gitlab.com/group/sub/project",
)
BB = (
    "bitbucket-cloud",
    "bitbucket.org",
    "https://api.bitbucket.org/2.0",
    "ws",
    "repo",
    "https://bitbucket.org/ws/repo",
)
DC = (
    "bitbucket-dc",
    "git.corp",
    "https://git.corp/rest/api/latest",
    "PROJ",
    "repo",
    "https://git.corp/projects/PROJ/repos/repo",
)

POSITIVE = [
    # (remote URL, [forge] kind, [forge] api_url, expected)
    ("git@github.com:octo/hello.git", "", "", GH),
    ("git@github.com:octo/hello", "", "", GH),
    ("ssh://git@github.com/octo/hello.git", "", "", GH),
    ("git+ssh://git@github.com/octo/hello.git", "", "", GH),
    ("ssh://git@ssh.github.com:443/octo/hello.git", "", "", GH),
    ("https://github.com/octo/hello", "", "", GH),
    ("https://github.com:443/octo/hello", "", "", GH),
    ("https://github.com/octo/hello.git/", "", "", GH),
    ("https://user:secret@github.com/octo/hello.git", "", "", GH),
    ("  https://GitHub.com/octo/hello.git\n", "", "", GH),
    ("git@github.example.com:team/app.git", "", "",
     ("github", "github.example.com", "https://github.example.com/api/v3", "team", "app",
      "https://github.example.com/team/app")),
    ("https://ghe.corp:8443/team/app.git", "", "",
     ("github", "ghe.corp", "https://ghe.corp:8443/api/v3", "team", "app", "https://ghe.corp:8443/team/app")),
    ("git@code.corp:team/app.git", "github", "",
     ("github", "code.corp", "https://code.corp/api/v3", "team", "app", "https://code.corp/team/app")),
    ("git@acme.ghe.com:team/app.git", "", "",
     ("github", "acme.ghe.com", "https://api.acme.ghe.com", "team", "app", "https://acme.ghe.com/team/app")),
    ("https://acme.ghe.com/team/app.git", "", "https://api.acme.ghe.com/",
     ("github", "acme.ghe.com", "https://api.acme.ghe.com", "team", "app", "https://acme.ghe.com/team/app")),
    ("git@gitlab.com:group/sub/project.git", "", "", GL),
    ("https://gitlab.com/group/sub/project", "", "", GL),
    ("https://oauth2:glpat-x@gitlab.com/group/sub/project.git", "", "", GL),
    ("ssh://git@altssh.gitlab.com:443/group/sub/project.git", "", "", GL),
    ("ssh://git@gitlab.example.com:2222/a/b/c/project.git", "", "",
     ("gitlab", "gitlab.example.com", "https://gitlab.example.com/api/v4", "a/b/c", "project",
      "https://gitlab.example.com/a/b/c/project")),
    ("https://example.com/gitlab/group/project.git", "gitlab", "https://example.com/gitlab/api/v4",
     ("gitlab", "example.com", "https://example.com/gitlab/api/v4", "group", "project",
      "https://example.com/gitlab/group/project")),
    ("http://localhost:8080/group/project.git", "gitlab", "",
     ("gitlab", "localhost", "http://localhost:8080/api/v4", "group", "project",
      "http://localhost:8080/group/project")),
    ("git@bitbucket.org:ws/repo.git", "", "", BB),
    ("ssh://git@bitbucket.org/ws/repo.git", "", "", BB),
    ("https://user@bitbucket.org/ws/repo.git", "", "", BB),
    ("https://x-token-auth:abc@bitbucket.org/ws/repo", "", "", BB),
    ("ssh://git@altssh.bitbucket.org:443/ws/repo.git", "", "", BB),
    ("https://git.corp/scm/proj/repo.git", "", "", DC),
    ("https://git.corp/scm/PROJ/repo", "", "", DC),
    ("ssh://git@git.corp:7999/proj/repo.git", "", "", DC),
    ("git@git.corp:proj/repo.git", "bitbucket-dc", "", DC),
    ("https://admin@git.corp:7990/bitbucket/scm/proj/repo.git", "", "",
     ("bitbucket-dc", "git.corp", "https://git.corp:7990/bitbucket/rest/api/latest", "PROJ", "repo",
      "https://git.corp:7990/bitbucket/projects/PROJ/repos/repo")),
    ("ssh://git@git.corp:7999/~alice/repo.git", "", "",
     ("bitbucket-dc", "git.corp", "https://git.corp/rest/api/latest", "~alice", "repo",
      "https://git.corp/users/alice/repos/repo")),
    ("https://git.corp/scm/~alice/repo.git", "", "",
     ("bitbucket-dc", "git.corp", "https://git.corp/rest/api/latest", "~alice", "repo",
      "https://git.corp/users/alice/repos/repo")),
    ("ssh://git@git.corp:7999/proj/repo.git", "", "https://git.corp/bitbucket/rest/api/1.0",
     ("bitbucket-dc", "git.corp", "https://git.corp/bitbucket/rest/api/1.0", "PROJ", "repo",
      "https://git.corp/bitbucket/projects/PROJ/repos/repo")),
    ("git@stash.corp:proj/repo.git", "", "",
     ("bitbucket-dc", "stash.corp", "https://stash.corp/rest/api/latest", "PROJ", "repo",
      "https://stash.corp/projects/PROJ/repos/repo")),
]  # fmt: skip


@pytest.mark.parametrize(("url", "kind", "api_url", "expected"), POSITIVE)
def test_detects(url: str, kind: str, api_url: str, expected: tuple[str, ...]) -> None:
    remote = forges.detect(url, cfg(kind, api_url), environ={})
    got = (remote.kind, remote.host, remote.api_url, remote.owner, remote.repo, remote.web_url)
    assert got == expected


NEGATIVE = [
    ("/home/me/repo.git", "", UsageError, "local path"),
    ("../repo", "", UsageError, "local path"),
    ("file:///srv/repo.git", "", UsageError, "file://"),
    ("git@code.corp:team/app.git", "", UsageError, "[forge] kind"),
    ("https://user:s3cret@code.corp/team/app.git", "", UsageError, "[forge] kind"),
    ("https://github.com/octo", "", UsageError, "OWNER/REPO"),
    ("https://github.com/octo/hello/extra", "", UsageError, "OWNER/REPO"),
    ("https://github.com/", "", UsageError, "names no repository"),
    ("git@bitbucket.org:ws.git", "", UsageError, "WORKSPACE/REPO"),
    ("https://gitlab.com/project.git", "", UsageError, "GROUP/.../PROJECT"),
    ("https://git.corp/scm/proj/x/repo.git", "bitbucket-dc", UsageError, "PROJECT/repo"),
    ("https://github.com:notaport/octo/hello", "", UsageError, "bad port"),
]


@pytest.mark.parametrize(("url", "kind", "error", "says"), NEGATIVE)
def test_rejects(url: str, kind: str, error: type[Exception], says: str) -> None:
    with pytest.raises(error) as caught:
        forges.detect(url, cfg(kind), environ={})
    message = str(caught.value)
    assert says in message
    assert "s3cret" not in message and "\n" not in message


@pytest.mark.parametrize(
    "api_url", ["http://gitlab.corp/api/v4", "gitlab.corp/api/v4", "ftp://x/y"]
)
def test_configured_api_url_must_be_https_or_loopback(api_url: str) -> None:
    with pytest.raises(ConfigError, match=r"\[forge\] api_url") as caught:
        forges.detect("git@gitlab.com:g/p.git", cfg(api_url=api_url), environ={})
    assert "s3cret" not in str(caught.value)


def test_environment_api_url_wins_over_configuration() -> None:
    environ = {"TRACKER_GIT_FORGE_API_URL": "http://127.0.0.1:9/api/v4/"}
    remote = forges.detect("git@gitlab.com:g/p.git", cfg(api_url="https://x.corp/api/v4"), environ)
    assert remote.api_url == "http://127.0.0.1:9/api/v4"
    assert remote.web_url == "http://127.0.0.1:9/g/p"


def test_environment_api_url_is_checked() -> None:
    with pytest.raises(ConfigError, match="TRACKER_GIT_FORGE_API_URL"):
        forges.detect(
            "git@gitlab.com:g/p.git", cfg(), {"TRACKER_GIT_FORGE_API_URL": "http://evil.example"}
        )


def test_configured_kind_wins_over_the_host() -> None:
    assert forges.detect("git@github.com:o/r.git", cfg("gitlab"), environ={}).kind == "gitlab"


def test_detect_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_GIT_FORGE_API_URL", "http://localhost:1")
    assert forges.detect("git@github.com:o/r.git", cfg()).api_url == "http://localhost:1"


def test_token_is_never_sent_over_plain_http_to_another_host() -> None:
    remote = forges.detect("http://gitlab.corp/group/project.git", cfg(), environ={})
    assert remote.api_url == "http://gitlab.corp/api/v4"
    with pytest.raises(ConfigError, match="https"):  # exit 2: the fix is [forge] api_url
        forges.client_for(remote, "secret-token")


def test_redact() -> None:
    assert forges.redact("https://u:p@h/x") == "https://h/x"
    assert forges.redact("git@h:x/y") == "h:x/y"
    assert forges.redact("https://h/x") == "https://h/x"


def test_one_check_of_an_api_address_for_tracker_and_the_forges() -> None:
    """It was two copies that had drifted: 'login --forge' checked a forge's --api-url with
    Tracker's copy (and advised Tracker's address), and Tracker's copy showed a password
    when the scheme was wrong."""
    from tracker_git.account import forge_api
    from tracker_git.http import check_api_url

    with pytest.raises(ConfigError) as caught:
        forge_api("gitlab", None, "ftp://gitlab.corp/api/v4")
    assert "tracker.yandex" not in str(caught.value) and "/api/v4" in str(caught.value)
    for url in ("ftp://u:s3cret@h/x", "https://u:s3cret@h/x", "http://u:s3cret@h.corp"):
        with pytest.raises(ConfigError) as caught:
            check_api_url(url)
        assert "s3cret" not in str(caught.value)
        with pytest.raises(ConfigError, match=r"\[forge\] api_url") as caught:
            forges.detect("git@gitlab.com:g/p.git", cfg(api_url=url), environ={})
        assert "s3cret" not in str(caught.value)
