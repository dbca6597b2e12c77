"""What the client returns: small frozen views of Tracker's JSON (docs/design/tracker-api.md).

Statuses are matched on `key`, never on `display` (the display text is localized)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

UI_URL = "https://tracker.yandex.ru"


def _ref(value: object, name: str) -> str:
    if isinstance(value, Mapping):
        found = value.get(name)
        return "" if found is None else str(found)
    return ""


@dataclass(frozen=True)
class Issue:
    key: str
    summary: str
    status_key: str
    status_display: str
    assignee_display: str
    queue: str
    url: str  # where a person reads it (the API does not say; see issue_url)
    self: str  # the API address
    version: int
    fields: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def raw(self) -> Mapping[str, Any]:
        return self.fields

    @property
    def transitions(self) -> list[Transition] | None:
        """The transitions out of its status when it was read with them (`expand=transitions`),
        else None."""
        listed = self.fields.get("transitions")
        if not isinstance(listed, list):
            return None
        return [Transition.from_json(t) for t in listed if isinstance(t, Mapping)]

    @property
    def names(self) -> tuple[str, ...]:
        """Its key and its old keys (`aliases`: a moved issue answers under its new key)."""
        aliases = self.fields.get("aliases")
        return (self.key, *map(str, aliases if isinstance(aliases, list) else []))

    @property
    def fix_version_ids(self) -> tuple[str, ...]:
        """The ids of its fix versions (`fixVersions`: references `{self, id, display}`)."""
        found = self.fields.get("fixVersions")
        listed = found if isinstance(found, list) else []
        return tuple(str(v.get("id")) for v in listed if isinstance(v, Mapping))

    @property
    def type_key(self) -> str:
        return _ref(self.fields.get("type"), "key")

    @property
    def type_display(self) -> str:
        return _ref(self.fields.get("type"), "display") or self.type_key

    def field(self, name: str) -> Any:
        """A field's value by id; a local field also by its key (`standLink` finds
        `<hex>--standLink`)."""
        if name in self.fields:
            return self.fields[name]
        for fid, value in self.fields.items():
            if fid.endswith("--" + name):
                return value
        return None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], ui_url: str = UI_URL) -> Issue:
        key = str(data.get("key") or "")
        version = data.get("version")
        return cls(
            key=key,
            summary=str(data.get("summary") or ""),
            status_key=_ref(data.get("status"), "key"),
            status_display=_ref(data.get("status"), "display") or _ref(data.get("status"), "key"),
            assignee_display=_ref(data.get("assignee"), "display"),
            queue=_ref(data.get("queue"), "key") or key.partition("-")[0],
            url=issue_url(key, ui_url),
            self=str(data.get("self") or ""),
            version=version if isinstance(version, int) else 0,
            fields=dict(data),
        )

    def as_json(self) -> dict[str, Any]:
        """What `show --json` prints: the facts, then Tracker's whole object under "issue"."""
        return {
            "key": self.key,
            "summary": self.summary,
            "status": {"key": self.status_key, "display": self.status_display},
            "assignee": self.assignee_display or None,
            "queue": self.queue,
            "url": self.url,
            "version": self.version,
            "issue": dict(self.fields),
        }


@dataclass(frozen=True)
class Transition:
    id: str
    display: str
    to_key: str
    to_display: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Transition:
        to = data.get("to")
        return cls(
            id=str(data.get("id") or ""),
            display=str(data.get("display") or ""),
            to_key=_ref(to, "key"),
            to_display=_ref(to, "display") or _ref(to, "key"),
        )


@dataclass(frozen=True)
class Version:
    """A queue's version (Tracker's versions API): what fix versions refer to."""

    id: str
    name: str
    queue: str
    released: bool = False
    archived: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Version:
        return cls(
            id=str(data.get("id") or ""),
            name=str(data.get("name") or ""),
            queue=_ref(data.get("queue"), "key"),
            released=data.get("released") is True,
            archived=data.get("archived") is True,
        )


@dataclass(frozen=True)
class MoveResult:
    key: str
    status_key: str  # where the issue is now
    status_display: str
    moved: bool  # False: it was there already, nothing was sent
    transition: str = ""  # the transition executed, when moved

    def describe(self) -> str:
        where = self.status_display or self.status_key
        if self.moved:
            return f"{self.key} moved to {where}"
        return f"{self.key} is already in {where}; nothing to do"


def issue_url(key: str, ui_url: str = UI_URL) -> str:
    return f"{ui_url.rstrip('/')}/{key}"


def ui_base(api_url: str) -> str:
    """Where people read issues, for an API root: Tracker's web UI, or for a sandbox on a
    loopback address the sandbox itself (the API does not return the UI's address)."""
    from tracker_git.core.loopback import is_loopback

    if is_loopback(urlsplit(api_url).hostname):
        return api_url.rstrip("/")
    return UI_URL
