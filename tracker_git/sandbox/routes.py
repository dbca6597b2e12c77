"""The path table (after the /v2 or /v3 prefix) and dispatch."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tracker_git.sandbox import api_flow as flow
from tracker_git.sandbox import api_history as history
from tracker_git.sandbox import api_issues as issues
from tracker_git.sandbox import api_meta as meta
from tracker_git.sandbox import api_versions as versions
from tracker_git.sandbox.state import SandboxState
from tracker_git.sandbox.wire import ApiError, Request, Response

Handler = Callable[..., Response]

_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"myself", meta.myself),
    ("GET", r"users/(?P<uid>[^/]+)", meta.get_user),
    ("POST", r"issues", issues.create_issue),
    ("POST", r"issues/_search", issues.search),
    ("POST", r"issues/_count", issues.count),
    ("POST", r"issues/_findByUnique", issues.find_by_unique),
    ("GET", r"issues/(?P<key>[^/_][^/]*)", issues.get_issue),
    ("PATCH", r"issues/(?P<key>[^/_][^/]*)", issues.patch_issue),
    ("GET", r"issues/(?P<key>[^/]+)/transitions", flow.list_transitions),
    ("GET", r"issues/(?P<key>[^/]+)/transitions/(?P<tid>[^/]+)", flow.get_transition),
    ("POST", r"issues/(?P<key>[^/]+)/transitions/(?P<tid>[^/]+)/_execute", flow.execute),
    ("GET", r"issues/(?P<key>[^/]+)/comments", flow.list_comments),
    ("POST", r"issues/(?P<key>[^/]+)/comments", flow.create_comment),
    ("GET", r"issues/(?P<key>[^/]+)/comments/(?P<cid>[^/]+)", flow.get_comment),
    ("PATCH", r"issues/(?P<key>[^/]+)/comments/(?P<cid>[^/]+)", flow.patch_comment),
    ("DELETE", r"issues/(?P<key>[^/]+)/comments/(?P<cid>[^/]+)", flow.delete_comment),
    ("GET", r"issues/(?P<key>[^/]+)/remotelinks", flow.list_remotelinks),
    ("POST", r"issues/(?P<key>[^/]+)/remotelinks", flow.create_remotelink),
    ("DELETE", r"issues/(?P<key>[^/]+)/remotelinks/(?P<lid>[^/]+)", flow.delete_remotelink),
    ("GET", r"issues/(?P<key>[^/]+)/changelog", history.changelog),
    ("GET", r"issues/(?P<key>[^/]+)/links", history.list_links),
    ("POST", r"issues/(?P<key>[^/]+)/links", history.create_link),
    ("DELETE", r"issues/(?P<key>[^/]+)/links/(?P<lid>[^/]+)", history.delete_link),
    ("GET", r"applications", meta.applications),
    ("GET", r"fields", meta.fields),
    ("GET", r"fields/(?P<fid>[^/]+)", meta.get_field),
    ("GET", r"queues", meta.list_queues),
    ("GET", r"queues/(?P<queue>[^/]+)", meta.get_queue),
    ("GET", r"queues/(?P<queue>[^/]+)/localFields", meta.local_fields),
    ("POST", r"queues/(?P<queue>[^/]+)/localFields", meta.create_local_field),
    ("GET", r"queues/(?P<queue>[^/]+)/localFields/(?P<fkey>[^/]+)", meta.get_local_field),
    ("GET", r"queues/(?P<queue>[^/]+)/versions", versions.list_versions),
    ("POST", r"versions", versions.create_version),
    ("GET", r"versions/(?P<vid>[^/]+)", versions.get_version),
    ("GET", r"queues/(?P<queue>[^/]+)/triggers", meta.list_triggers),
    ("POST", r"queues/(?P<queue>[^/]+)/triggers", meta.create_trigger),
    ("GET", r"queues/(?P<queue>[^/]+)/triggers/(?P<tid>[^/]+)", meta.get_trigger),
    ("PATCH", r"queues/(?P<queue>[^/]+)/triggers/(?P<tid>[^/]+)", meta.patch_trigger),
    ("DELETE", r"queues/(?P<queue>[^/]+)/triggers/(?P<tid>[^/]+)", meta.delete_trigger),
]
for _name in meta.DICTIONARIES:
    _list, _one = meta.dictionary(_name)
    _ROUTES += [("GET", _name, _list), ("GET", _name + r"/(?P<item>[^/]+)", _one)]

_COMPILED = [(m, re.compile(p), h) for m, p, h in _ROUTES]


def dispatch(state: SandboxState, req: Request) -> Response:
    allowed = False
    for method, pattern, handler in _COMPILED:
        match = pattern.fullmatch(req.path)
        if match is None:
            continue
        allowed = True
        if method == req.method:
            groups: dict[str, Any] = match.groupdict()
            return handler(state, req, **groups)
    if allowed:
        raise ApiError(405, f"Method {req.method} is not allowed here")
    raise ApiError(404, f"Resource not found: {req.path}")
