"""Signature and token checks on the stored deliveries' raw bytes, and on their forgeries."""

from __future__ import annotations

import base64

import pytest

from tests.relay.helpers import NAMES, SECRET, SIGNING_TOKEN, delivery, hub_signature
from tracker_git.relay.config import ForgeConfig
from tracker_git.relay.events import detect_forge
from tracker_git.relay.verify import Rejected, verify

SIGNING_KEY = base64.b64decode(SIGNING_TOKEN.removeprefix("whsec_"))
NOW = 1764320000.0  # the fixed timestamp of gitlab-opened's Standard Webhooks headers


def forge(name: str, **options: object) -> ForgeConfig:
    return ForgeConfig(name=name, **options)  # type: ignore[arg-type]


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@pytest.mark.parametrize("name", NAMES)
def test_every_stored_delivery_verifies_with_the_test_secret(name: str) -> None:
    body, headers = delivery(name)
    h = lower(headers)
    forge_name = detect_forge(h)
    assert forge_name is not None
    verify(forge(forge_name, secret=SECRET), h, body, NOW)


# GitLab's plain token does not cover the body; only gitlab-opened carries a signature that does.
SIGNED_BODIES = [n for n in NAMES if not n.startswith("gitlab-") or n == "gitlab-opened"]


@pytest.mark.parametrize("name", SIGNED_BODIES)
def test_one_changed_byte_is_rejected(name: str) -> None:
    body, headers = delivery(name)
    h = lower(headers)
    forge_name = detect_forge(h)
    assert forge_name is not None
    tampered = body.replace(b"PROJ-123", b"PROJ-124", 1)
    if forge_name == "gitlab":
        config = forge("gitlab", signing_key=SIGNING_KEY, max_age=0)
    else:
        config = forge(forge_name, secret=SECRET)
    with pytest.raises(Rejected, match="does not match"):
        verify(config, h, tampered, NOW)


@pytest.mark.parametrize("name", NAMES)
def test_the_wrong_secret_is_rejected(name: str) -> None:
    body, headers = delivery(name)
    h = lower(headers)
    forge_name = detect_forge(h)
    assert forge_name is not None
    with pytest.raises(Rejected) as caught:
        verify(forge(forge_name, secret="not the secret"), h, body, NOW)
    assert "not the secret" not in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("github-opened", "X-Hub-Signature-256"),
        ("bitbucket-cloud-opened", "X-Hub-Signature"),
        ("bitbucket-dc-opened", "X-Hub-Signature"),
        ("gitlab-merged", "X-Gitlab-Token"),
    ],
)
def test_a_missing_signature_is_rejected_where_a_secret_is_set(name: str, header: str) -> None:
    body, headers = delivery(name)
    h = lower(headers)
    del h[header.lower()]
    forge_name = detect_forge(h)
    assert forge_name is not None
    with pytest.raises(Rejected, match=f"no {header}"):
        verify(forge(forge_name, secret=SECRET), h, body, NOW)


def test_github_legacy_sha1_alone_is_not_enough() -> None:
    body, headers = delivery("github-merged")
    h = lower(headers)
    del h["x-hub-signature-256"]  # X-Hub-Signature (sha1=, valid) is left
    with pytest.raises(Rejected, match="no X-Hub-Signature-256"):
        verify(forge("github", secret=SECRET), h, body, NOW)


def test_bitbucket_refuses_githubs_sha1_flavour_of_the_same_header() -> None:
    """Bitbucket's X-Hub-Signature is sha256=; a valid sha1= value under that name is refused."""
    body, headers = delivery("bitbucket-cloud-merged")
    h = lower(headers)
    h["x-hub-signature"] = hub_signature(body, "sha1")
    with pytest.raises(Rejected, match="unsupported algorithm"):
        verify(forge("bitbucket-cloud", secret=SECRET), h, body, NOW)


def test_bitbucket_signature_prefix_names_the_algorithm() -> None:
    body, headers = delivery("bitbucket-dc-merged")
    h = lower(headers)
    h["x-hub-signature"] = hub_signature(body, "sha512")
    verify(forge("bitbucket-dc", secret=SECRET), h, body, NOW)


def test_gitlab_standard_webhooks_signature() -> None:
    body, headers = delivery("gitlab-opened")
    h = lower(headers)
    config = forge("gitlab", secret=SECRET, signing_key=SIGNING_KEY, max_age=300)
    verify(config, h, body, NOW + 299)
    with pytest.raises(Rejected, match="more than 300 s away"):
        verify(config, h, body, NOW + 301)  # a replay of an old delivery
    # Several signatures (key rotation): one matching entry is enough.
    rotated = {**h, "webhook-signature": "v1,AAAA " + h["webhook-signature"]}
    verify(config, rotated, body, NOW)
    # The signature covers the id and timestamp too.
    with pytest.raises(Rejected, match="does not match"):
        verify(config, {**h, "webhook-id": "another"}, body, NOW)


def test_gitlab_signing_token_requires_the_signature_headers() -> None:
    body, headers = delivery("gitlab-merged")  # a plain-token delivery, no webhook-signature
    h = lower(headers)
    with pytest.raises(Rejected, match="no webhook-signature"):
        verify(forge("gitlab", signing_key=SIGNING_KEY, max_age=0), h, body, NOW)
    # The plain token alone is checked when only the secret is configured.
    verify(forge("gitlab", secret=SECRET), h, body, NOW)


def test_allow_unsigned_accepts_a_delivery_without_headers() -> None:
    body, headers = delivery("github-opened")
    h = {k: v for k, v in lower(headers).items() if "signature" not in k}
    verify(forge("github", allow_unsigned=True), h, body, NOW)
