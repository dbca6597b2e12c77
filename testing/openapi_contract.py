"""Fidelity checks that do not trust our emulators: every request our forge clients send and
every answer an emulator gives, checked against the forge's own published description.

GitHub (github.com / GHE.com, and Enterprise Server 3.19), Bitbucket Cloud and Bitbucket Data
Center 9.2: their OpenAPI descriptions, cut to the operations we use (testing/api_descriptions/,
made by scripts/vendor-api-descriptions; SOURCES.md says where each file comes from).
GitLab publishes no complete OpenAPI description of merge requests: its requests are checked
against python-gitlab's lists of the attributes each endpoint takes, and its answers against
the fields GitLab's merge request API documents (docs/design/forges.md).

    problems = check_exchanges(emulator)   # [] when everything matched; else one line each
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tracker_git.emulators.server import Emulator, Recorded

HERE = Path(__file__).resolve().parent / "api_descriptions"
OUR_CLIENT = "tracker-git/"  # our User-Agent (tracker_git.http.USER_AGENT)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]


@dataclass
class Description:
    name: str
    document: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)

    def find(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method.lower() and op.pattern.fullmatch(path):
                return op
        return None


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _walk(document, node["$ref"])
    return node


def _walk(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# Query parameters a forge documents for every collection, outside the operations: Bitbucket
# Cloud's filtering and paging (developer.atlassian.com/cloud/bitbucket/rest/intro/).
GLOBAL_QUERY = {"bitbucket-cloud": ("q", "sort", "pagelen", "page", "fields")}


def _known_deviations(name: str, document: dict[str, Any]) -> None:
    """Where a description is stricter than the service it describes, said once, here."""
    if name == "bitbucket-dc":
        # Data Center's error messages carry `"context": null` and `"exceptionName": null`
        # (every error body Atlassian shows, docs/design/forges.md); the schema types them as strings.
        message = document["components"]["schemas"]["RestErrorMessage"]["properties"]
        for key in ("context", "exceptionName"):
            message[key]["nullable"] = True


@cache
def description(name: str) -> Description:
    """The vendored description `name` (github, ghes, bitbucket-cloud, bitbucket-dc)."""
    document = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    _known_deviations(name, document)
    found = Description(name, document)
    for template, item in document["paths"].items():
        shared = [_resolve(document, p) for p in item.get("parameters", [])]
        regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
        for method, spec in item.items():
            if method == "parameters":
                continue
            own = [_resolve(document, p) for p in spec.get("parameters", [])]
            names = {(p["in"], p["name"]) for p in own}
            params = tuple(own + [p for p in shared if (p["in"], p["name"]) not in names])
            found.operations.append(Operation(method, template, re.compile(regex), spec, params))
    return found


_VALIDATORS: dict[tuple[str, str], Any] = {}


def _validator(doc: Description, schema: dict[str, Any]) -> Any:
    from openapi_schema_validator import OAS30Validator

    key = (doc.name, json.dumps(schema, sort_keys=True))
    if key not in _VALIDATORS:
        # `#/components/...` resolves against the root: give it the document's components.
        root = {**schema, "components": doc.document.get("components", {})}
        _VALIDATORS[key] = OAS30Validator(root)
    return _VALIDATORS[key]


def schema_errors(doc: Description, schema: dict[str, Any], value: Any) -> list[str]:
    """Where `value` breaks `schema` (an OpenAPI 3.0 schema of `doc`), one line each."""
    errors = sorted(_validator(doc, schema).iter_errors(value), key=lambda e: list(e.path))
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}" for e in errors[:5]
    ]


def _json_schema(doc: Description, holder: dict[str, Any]) -> dict[str, Any] | None:
    holder = _resolve(doc.document, holder)
    content = holder.get("content") or {}
    for media, item in content.items():
        if "json" in media and "schema" in item:
            schema: dict[str, Any] = item["schema"]
            return schema
    return None


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def check_request(doc: Description, record: Recorded, api_path: str) -> list[str]:
    """Our request against the operation it calls: the path, every query parameter (declared,
    with a valid value), required parameters, and the JSON body."""
    where = f"{record.method} {record.path}"
    op = doc.find(record.method, api_path)
    if op is None:
        return [f"{where}: no such operation in the {doc.name} description"]
    problems = []
    declared = {p["name"]: p for p in op.parameters if p["in"] == "query"}
    for name, values in record.query.items():
        if name not in declared and name in GLOBAL_QUERY.get(doc.name, ()):
            continue
        if name not in declared:
            problems.append(f"{where}: query parameter {name!r} is not in the description")
            continue
        schema = declared[name].get("schema", {})
        for value in values:
            said = schema_errors(doc, schema, _coerce(value, _resolve(doc.document, schema)))
            problems += [f"{where}: query {name}={value!r}: {e}" for e in said]
    for name, param in declared.items():
        if param.get("required") and name not in record.query:
            problems.append(f"{where}: required query parameter {name!r} is missing")
    body_spec = op.spec.get("requestBody")
    if body_spec is not None:
        schema = _json_schema(doc, body_spec)
        if record.body is None and _resolve(doc.document, body_spec).get("required"):
            problems.append(f"{where}: the request body is required")
        elif schema is not None and record.body is not None:
            problems += [f"{where}: body {e}" for e in schema_errors(doc, schema, record.body)]
    elif record.body is not None:
        problems.append(f"{where}: sends a body the operation does not take")
    return problems


def check_response(doc: Description, record: Recorded, api_path: str, error: str) -> list[str]:
    """The emulator's answer against the operation's documented response for its status; a
    status the operation does not list must still be the forge's error shape (`error`)."""
    where = f"{record.method} {record.path} -> {record.status}"
    op = doc.find(record.method, api_path)
    responses = op.spec.get("responses", {}) if op else {}
    keys = (str(record.status), f"{record.status // 100}XX", "default")
    spec = next((responses[key] for key in keys if key in responses), None)
    if spec == {} and record.status < 400:  # documented without a body (Data Center's 204)
        return [] if record.answer is None else [f"{where}: documented without a JSON body"]
    if not spec:  # an error the description lists without a shape: the forge's error shape
        if record.status < 400:
            return [f"{where}: the description documents no such answer"]
        schema: dict[str, Any] | None = {"$ref": error}
    else:
        schema = _json_schema(doc, spec)
    if schema is None:
        return [] if record.answer is None else [f"{where}: documented without a JSON body"]
    return [f"{where}: {e}" for e in schema_errors(doc, schema, record.answer)]


# --- GitLab: python-gitlab's attribute lists and the documented merge request fields -------

# Fields GitLab's merge request API documents on every merge request (docs/design/forges.md), with
# the JSON type each must have.
GITLAB_MR_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (int,), "iid": (int,), "project_id": (int,), "title": (str,),
    "description": (str, type(None)), "state": (str,), "source_branch": (str,),
    "target_branch": (str,), "source_project_id": (int,), "target_project_id": (int,),
    "draft": (bool,), "work_in_progress": (bool,), "web_url": (str,), "author": (dict,),
    "reviewers": (list,), "created_at": (str,), "updated_at": (str,),
}  # fmt: skip
GITLAB_MR_STATES = ("opened", "closed", "locked", "merged")
GITLAB_PROJECT_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (int,), "path_with_namespace": (str,), "default_branch": (str, type(None)),
    "web_url": (str,),
}  # fmt: skip
# Fields GitLab's commit status API documents on each status ("Commits API": post the build
# status to a commit, list the statuses of a commit).
GITLAB_STATUS_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (int,), "sha": (str,), "ref": (str, type(None)), "status": (str,), "name": (str,),
    "target_url": (str, type(None)), "description": (str, type(None)), "created_at": (str,),
    "started_at": (str, type(None)), "finished_at": (str, type(None)),
    "allow_failure": (bool,), "author": (dict,),
}  # fmt: skip
GITLAB_STATUS_STATES = ("pending", "running", "success", "failed", "canceled", "skipped")
_GITLAB_PAGES = ("page", "per_page")


def _gitlab_attrs() -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    """(method, what) -> (required, allowed) attribute names, from python-gitlab."""
    from gitlab.v4.objects.commits import ProjectCommitStatusManager as Statuses
    from gitlab.v4.objects.merge_requests import ProjectMergeRequestManager as Mrs

    def names(attrs: Any) -> tuple[set[str], set[str]]:
        return set(attrs.required), set(attrs.required) | set(attrs.optional)

    return {
        ("POST", "mrs"): names(Mrs._create_attrs),
        ("PUT", "mr"): names(Mrs._update_attrs),
        ("GET", "mrs"): (set(), set(Mrs._list_filters) | set(_GITLAB_PAGES)),
        ("POST", "status"): names(Statuses._create_attrs),
        ("GET", "statuses"): (set(), {"ref", "stage", "name", "all", *_GITLAB_PAGES}),
    }


def _gitlab_shape(kind: str, path: str) -> str | None:
    if re.fullmatch(r"/projects/[^/]+", path):
        return "project"
    if re.fullmatch(r"/projects/[^/]+/merge_requests", path):
        return "mrs"
    if re.fullmatch(r"/projects/[^/]+/merge_requests/\d+", path):
        return "mr"
    if re.fullmatch(r"/projects/[^/]+/statuses/[^/]+", path):
        return "status"
    if re.fullmatch(r"/projects/[^/]+/repository/commits/[^/]+/statuses", path):
        return "statuses"
    return None


def _fields(value: Any, wanted: dict[str, tuple[type, ...]], where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    problems = [f"{where}: no {name!r}" for name in wanted if name not in value]
    problems += [
        f"{where}: {name!r} is {type(value[name]).__name__}"
        for name, types in wanted.items()
        if name in value and not isinstance(value[name], types)
    ]
    if "state" in wanted and value.get("state") not in GITLAB_MR_STATES:
        problems.append(f"{where}: state {value.get('state')!r} is not one GitLab documents")
    return problems


def check_gitlab(record: Recorded, api_path: str, ours: bool) -> list[str]:
    where = f"{record.method} {record.path}"
    shape = _gitlab_shape("gitlab", api_path)
    if shape is None:
        return (
            [f"{where}: not a merge request, project or commit status endpoint GitLab documents"]
            if ours
            else []
        )
    problems: list[str] = []
    if ours and (record.method, shape) in _gitlab_attrs():
        required, allowed = _gitlab_attrs()[(record.method, shape)]
        given = set(record.query) if record.method == "GET" else set(record.body or {})
        problems += [
            f"{where}: {n!r} is not an attribute python-gitlab sends"
            for n in sorted(given - allowed)
        ]
        problems += [f"{where}: required {n!r} is missing" for n in sorted(required - given)]
    elif ours and record.method != "GET":
        problems.append(f"{where}: python-gitlab has no such write")
    if record.status >= 400:
        ok = isinstance(record.answer, dict) and (
            "message" in record.answer or "error" in record.answer
        )
        return problems + ([] if ok else [f"{where} -> {record.status}: not GitLab's error shape"])
    if shape == "project":
        return problems + _fields(record.answer, GITLAB_PROJECT_FIELDS, where)
    if shape in ("status", "statuses"):
        listed = record.answer if isinstance(record.answer, list) else [record.answer]
        for item in listed:
            problems += _fields(item, GITLAB_STATUS_FIELDS, where)
            if isinstance(item, dict) and item.get("status") not in GITLAB_STATUS_STATES:
                problems.append(
                    f"{where}: status {item.get('status')!r} is not one GitLab documents"
                )
        return problems
    items = (
        record.answer
        if isinstance(record.answer, list) and shape == "mrs" and record.method == "GET"
        else [record.answer]
    )
    for item in items:
        problems += _fields(item, {**GITLAB_MR_FIELDS, "state": (str,)}, where)
    return problems


# --- everything an emulator saw ------------------------------------------------------------

_DESCRIPTIONS = {
    "github": "github",
    "bitbucket-cloud": "bitbucket-cloud",
    "bitbucket-dc": "bitbucket-dc",
}
_ERRORS = {
    "github": "#/components/schemas/basic-error",
    "ghes": "#/components/schemas/basic-error",
    "bitbucket-cloud": "#/components/schemas/error",
    "bitbucket-dc": "#/components/schemas/RestErrors",
}


def _api_path(emulator: Emulator, name: str, path: str) -> str | None:
    """The path as the description writes it (DC's description sits under /rest, and calls
    /rest/api/1.0 `/api/latest`); None when it is outside the API root."""
    if emulator.kind == "bitbucket-dc":
        found = re.fullmatch(r"/rest/api/(?:latest|1\.0)(/.*)", path)
        return "/api/latest" + found.group(1) if found else None
    root = emulator.api_path
    if not path.startswith(root + "/"):
        return None
    return path[len(root) :]


def check_exchanges(emulator: Emulator) -> list[str]:
    """Every exchange `emulator` recorded, checked: requests from our clients (by their
    User-Agent) in full, answers to anyone. One line per problem."""
    name = _DESCRIPTIONS.get(emulator.kind, emulator.kind)
    if emulator.kind == "github" and getattr(emulator, "edition", "") == "ghes":
        name = "ghes"
    problems: list[str] = []
    with emulator.lock:
        records = list(emulator.requests)
    for record in records:
        if record.status is None:
            continue  # never answered (the test stopped the emulator first)
        ours = record.headers.get("user-agent", "").startswith(OUR_CLIENT)
        api_path = _api_path(emulator, name, record.path)
        refused = record.status == 404  # a test calling a wrong root or path on purpose
        if api_path is None:
            if ours and not refused:
                problems.append(f"{record.method} {record.path}: outside the API root")
            continue
        if emulator.kind == "gitlab":
            problems += check_gitlab(record, api_path, ours)
            continue
        doc = description(name)
        if doc.find(record.method, api_path) is None:
            if ours and not refused:
                problems.append(f"{record.method} {record.path}: no such operation in {name}")
            elif record.status < 400:
                problems.append(
                    f"{record.method} {record.path}: answered an undocumented operation"
                )
            continue
        if ours:
            problems += check_request(doc, record, api_path)
        problems += check_response(doc, record, api_path, _ERRORS[name])
    return problems
