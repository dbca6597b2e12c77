"""Is a delivery really from the forge? Checked on the raw body, before any parsing.

- GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. The legacy SHA-1
  `X-Hub-Signature` is not accepted: GitHub always sends both.
- Bitbucket Cloud and Data Center: the same scheme under the header name `X-Hub-Signature`
  (GitHub's SHA-1 header name, but `sha256=`; the prefix names the algorithm).
- GitLab: the secret token verbatim in `X-Gitlab-Token`, and/or (GitLab 19+) a Standard
  Webhooks signature: `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>`,
  several space-separated entries allowed, the timestamp within `max_age` seconds.

Which scheme a forge uses is its row in tracker_git.core.forgekinds (signature_header,
token_header, signing_token). Every comparison is constant-time (hmac.compare_digest). Messages never contain a secret or
what was sent in its place.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from tracker_git.core.forgekinds import forge_kind
from tracker_git.relay.config import ForgeConfig

# The algorithms a Bitbucket `X-Hub-Signature` prefix may name. SHA-1 is left out on purpose:
# no forge signs only with it, and accepting it would let a sender pick the weakest.
_ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


class Rejected(Exception):
    """The delivery failed verification; str() is safe to send back and to log."""


def _hub_signature(secret: str, header: str | None, body: bytes, name: str) -> None:
    if not header:
        raise Rejected(f"no {name} header; the webhook must be configured with the secret")
    algorithm, _, digest = header.partition("=")
    hasher = _ALGORITHMS.get(algorithm.strip().lower())
    if hasher is None:
        raise Rejected(f"{name} uses an unsupported algorithm; expected sha256=<hex>")
    expected = hmac.new(secret.encode("utf-8"), body, hasher).hexdigest()
    # WSGI header values are latin-1 strings; compare as bytes so any value is comparable.
    if not hmac.compare_digest(expected.encode(), digest.strip().lower().encode("latin-1")):
        raise Rejected(f"{name} does not match the body; check the webhook's secret")


def _secret_token(secret: str, header: str | None, name: str) -> None:
    if header is None:
        raise Rejected(f"no {name} header; set the webhook's secret token")
    if not hmac.compare_digest(secret.encode("utf-8"), header.encode("latin-1")):
        raise Rejected(f"{name} does not match; check the webhook's secret token")


def _standard_webhooks(
    key: bytes, headers: Mapping[str, str], body: bytes, max_age: float, now: float
) -> None:
    signature = headers.get("webhook-signature")
    message_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    if not signature or not message_id or not stamp:
        raise Rejected(
            "no webhook-signature (with webhook-id and webhook-timestamp); "
            "set the webhook's signing token"
        )
    try:
        timestamp = int(stamp)
    except ValueError:
        raise Rejected("webhook-timestamp is not a number of seconds") from None
    if max_age and abs(now - timestamp) > max_age:
        raise Rejected(
            f"webhook-timestamp is more than {max_age:g} s away from now; "
            "check the clocks, or this is a replay"
        )
    signed = f"{message_id}.{stamp}.".encode("latin-1") + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    matched = False
    for entry in signature.split():
        version, _, value = entry.partition(",")
        # Check every entry, not stopping at a match: the time taken says nothing.
        if version == "v1" and hmac.compare_digest(expected, value.encode("latin-1")):
            matched = True
    if not matched:
        raise Rejected("webhook-signature does not match the body; check the signing token")


def verify(forge: ForgeConfig, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Raise Rejected unless the delivery carries what the forge's configured secret demands.

    `headers` has lower-case names. A forge with no secret (allow_unsigned) accepts anything.
    """
    row = forge_kind(forge.name)
    if forge.secret and row.signature_header:
        header = row.signature_header
        _hub_signature(forge.secret, headers.get(header.lower()), body, header)
    if forge.secret and row.token_header:
        _secret_token(forge.secret, headers.get(row.token_header.lower()), row.token_header)
    if forge.signing_key and row.signing_token:
        _standard_webhooks(forge.signing_key, headers, body, forge.max_age, now)
