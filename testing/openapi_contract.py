"""Fidelity checks that do not trust our emulators: every request our forge clients send and
every answer an emulator gives, checked against the forge's own published description.

GitHub (github.com / GHE.com, and Enterprise Server 3.19), Bitbucket Cloud and Bitbucket Data
Center 9.2: their OpenAPI descriptions, cut to the operations we use (testing/api_descriptions/,
made by scripts/vendor-api-descriptions; SOURCES.md says where each file comes from).
GitLab publishes no complete OpenAPI description of merge requests: its requests and answers
are checked against gitbeaker's TypeScript types of the API (@gitbeaker/core, cut to
testing/api_descriptions/gitlab.json by scripts/vendor-gitlab-types): each call's attributes,
and every field, type and enum of each answer.

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
        # (every error body Atlassian shows, docs/design/forges.md); the schema types them as
        # strings.
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
    """The schema of a body, whatever media type declares it: our clients and the emulators
    speak JSON only, so a schema under `*/*` (Data Center's build status) or any other type
    checks that JSON too. A JSON media type wins where several are declared."""
    holder = _resolve(doc.document, holder)
    content = holder.get("content") or {}
    declared = [(media, item) for media, item in content.items() if "schema" in item]
    declared.sort(key=lambda pair: "json" not in pair[0])
    for _media, item in declared:
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
    assert record.status is not None, "check answered exchanges only"
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


# --- GitLab: gitbeaker's types of the API, cut by scripts/vendor-gitlab-types ---------------


@cache
def gitlab_description() -> dict[str, Any]:
    """testing/api_descriptions/gitlab.json: answer schemas and each call's attributes."""
    document: dict[str, Any] = json.loads((HERE / "gitlab.json").read_text(encoding="utf-8"))
    status = document["schemas"]["CommitStatusSchema"]["properties"]
    # gitbeaker types these as always strings; GitLab's own examples show null until set.
    for key in ("description", "target_url", "ref", "started_at", "finished_at"):
        status[key] = {"anyOf": [status[key], {"type": "null"}]}
    # ...and leaves out `skipped`, which GitLab's commit status API lists as a state.
    status["status"]["anyOf"].append({"const": "skipped"})
    return document


# The answer schema of each GitLab call we make, as gitbeaker types its return value.
_GITLAB_ANSWERS = {
    ("GET", "project"): ("SimpleProjectSchema", False),
    ("GET", "mrs"): ("MergeRequestSchema", True),
    ("POST", "mrs"): ("ExpandedMergeRequestSchema", False),
    ("GET", "mr"): ("ExpandedMergeRequestSchema", False),
    ("PUT", "mr"): ("ExpandedMergeRequestSchema", False),
    ("POST", "status"): ("CommitStatusSchema", False),
    ("GET", "statuses"): ("CommitStatusSchema", True),
    ("GET", "pipelines"): ("PipelineSchema", True),
}
_GITLAB_PAGES = ("page", "per_page")


def _gitlab_shape(path: str) -> str | None:
    shapes = {
        r"/projects/[^/]+": "project",
        r"/projects/[^/]+/merge_requests": "mrs",
        r"/projects/[^/]+/merge_requests/\d+": "mr",
        r"/projects/[^/]+/statuses/[^/]+": "status",
        r"/projects/[^/]+/repository/commits/[^/]+/statuses": "statuses",
        r"/projects/[^/]+/pipelines": "pipelines",
    }
    return next((shape for regex, shape in shapes.items() if re.fullmatch(regex, path)), None)


def gitlab_schema_errors(name: str, value: Any) -> list[str]:
    """Where `value` breaks gitbeaker's `name` schema, one line each (five at most)."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    schema = gitlab_description()["schemas"][name]
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}" for e in errors[:5]
    ]


def check_gitlab(record: Recorded, api_path: str, ours: bool) -> list[str]:
    """Our request's attributes against gitbeaker's options of the call; the emulator's
    answer against the schema of what the call returns (every field, type and enum)."""
    assert record.status is not None, "check answered exchanges only"
    where = f"{record.method} {record.path}"
    shape = _gitlab_shape(api_path)
    if shape is None:
        return (
            [f"{where}: not a merge request, project, pipeline or commit status endpoint"]
            if ours
            else []
        )
    problems: list[str] = []
    requests = gitlab_description()["requests"]
    call = f"{record.method} {shape}"
    if ours and call in requests:
        required, allowed = set(requests[call]["required"]), set(requests[call]["allowed"])
        if record.method == "GET":
            given, allowed = set(record.query), allowed | set(_GITLAB_PAGES)
        else:
            given = set(record.body or {})
        problems += [
            f"{where}: {n!r} is not an attribute of {call}" for n in sorted(given - allowed)
        ]
        problems += [f"{where}: required {n!r} is missing" for n in sorted(required - given)]
    elif ours and record.method != "GET":
        problems.append(f"{where}: gitbeaker has no such write")
    if record.status >= 400:
        ok = isinstance(record.answer, dict) and (
            "message" in record.answer or "error" in record.answer
        )
        return problems + ([] if ok else [f"{where} -> {record.status}: not GitLab's error shape"])
    answer = _GITLAB_ANSWERS.get((record.method, shape))
    if answer is None:
        return [*problems, f"{where} -> {record.status}: an answer gitbeaker does not type"]
    name, listed = answer
    items = record.answer if listed and isinstance(record.answer, list) else [record.answer]
    if listed and not isinstance(record.answer, list):
        problems.append(f"{where} -> {record.status}: not a list")
    for item in items:
        problems += [f"{where} -> {record.status}: {e}" for e in gitlab_schema_errors(name, item)]
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
