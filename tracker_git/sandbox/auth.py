"""Tracker's credential checks (docs/design/tracker-api.md "Authentication"): `Authorization: OAuth <token>` or
`Bearer <IAM token>`, and the organization in `X-Org-ID` (Yandex 360) or `X-Cloud-Org-ID`
(Yandex Cloud). The sandbox has one token and one organization id; either header may carry
the id, but an IAM (Bearer) token works only with a Cloud organization header, as documented."""

from __future__ import annotations

from tracker_git.sandbox.wire import ApiError

ORG_ERROR_CODE = 620345  # as observed in a real 403 body for a wrong organization


def check(headers: dict[str, str], token: str, org_id: str) -> None:
    """Raises ApiError 401 or 403 like Tracker; headers have lower-case names."""
    value = headers.get("authorization", "").strip()
    if not value:
        raise ApiError(401, "Authorization required: send Authorization: OAuth <token>")
    scheme, _, given = value.partition(" ")
    scheme = scheme.lower()
    if scheme not in ("oauth", "bearer") or given.strip() != token:
        raise ApiError(401, "Invalid or expired token")
    cloud = headers.get("x-cloud-org-id")
    org = headers.get("x-org-id")
    if scheme == "bearer" and cloud is None:
        raise ApiError(
            401, "An IAM token works only with a Yandex Cloud organization: send X-Cloud-Org-ID"
        )
    if org_id not in (cloud, org):
        raise ApiError(
            403, "Organization is not available, not ready or not found", code=ORG_ERROR_CODE
        )
