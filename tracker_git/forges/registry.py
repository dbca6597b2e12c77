"""Each forge's code, found from its row in tracker_git.core.forgekinds.

A forge's module `tracker_git.forges.<row.module>` ends with `PARTS = ForgeParts(...)`: its
client class and the few functions that differ per forge (where its API is, what its
repository paths look like, how its webhooks read). Modules are imported on first use, so
reading the table costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker_git.core.forgekinds import FORGES, ForgeKind, forge_kind

if TYPE_CHECKING:
    from tracker_git.forges.base import Forge
    from tracker_git.forges.detect import Located, RemoteUrl
    from tracker_git.forges.webhook import Head, Origin, Reported


def _claims_nothing(url: RemoteUrl) -> bool:
    return False


def _no_head(headers: Mapping[str, str], data: dict[str, object]) -> Head | None:
    return None


def _no_origin(headers: Mapping[str, str], data: dict[str, object]) -> Origin | None:
    return None


def _no_time(data: dict[str, object]) -> float | None:
    return None


@dataclass(frozen=True)
class ForgeParts:
    """What is particular to one forge.

    client: its client class. default_api_url(web_base): the API of a server whose web
    base (scheme://host[:port][/context]) is given. locate(url, web_base, shown): owner,
    repository and pages from a remote URL's path (web_base: from a configured API, else "";
    shown: the URL for messages), UsageError for a path that is not this forge's.
    claims(url): whether a remote URL's shape says this forge, on a host the table does not
    know. webhook(headers, body): what a verified delivery reports, None for an event the
    relay does not handle; may raise forges.webhook.Refused. head(headers, body): the pull
    request whose head commit a delivery asks a commit status for (opened, edited, new
    commits), None for any other event. origin(headers, body): who the pull request a
    delivery is about comes from (its author's standing, a fork or not), None when the
    delivery is about no pull request. stamped(body): the newest time the signed body states
    (seconds since the epoch), None if it states none: how old a delivery is, whatever its
    headers say. unsigned_event: the event header is not signed and a body can fit more
    than one event, so the relay remembers every verified body, ignored ones too: the same
    body under another header is then a duplicate.
    """

    client: type[Forge]
    default_api_url: Callable[[str], str]
    locate: Callable[[RemoteUrl, str, str], Located]
    webhook: Callable[[Mapping[str, str], dict[str, object]], Reported | None]
    claims: Callable[[RemoteUrl], bool] = _claims_nothing
    head: Callable[[Mapping[str, str], dict[str, object]], Head | None] = _no_head
    origin: Callable[[Mapping[str, str], dict[str, object]], Origin | None] = _no_origin
    stamped: Callable[[dict[str, object]], float | None] = _no_time
    unsigned_event: bool = False


def parts(kind: str) -> ForgeParts:
    """The code of forge `kind` (KeyError for a kind not in the table)."""
    return parts_of(forge_kind(kind))


def parts_of(row: ForgeKind) -> ForgeParts:
    module = importlib.import_module(f"{__package__}.{row.module}")
    found = getattr(module, "PARTS", None)
    if not isinstance(found, ForgeParts):
        raise TypeError(f"{module.__name__} has no PARTS = ForgeParts(...)")
    return found


def all_parts() -> list[tuple[ForgeKind, ForgeParts]]:
    """Every forge with its code, in table order."""
    return [(row, parts_of(row)) for row in FORGES]
