"""CI-stage rules on the app's OpenAPI document.

The app is found through ``app`` in ``[tool.principles]``, fastapi-cli's
``[tool.fastapi] entrypoint``, or ``--app module:attr``; it is imported in a
separate process, with the project's own interpreter (``.venv/bin/python``
when there is one, or ``python`` in ``[tool.principles]``), so the checker
never needs the app's dependencies. Each finding points at the handler of
the operation it is about (its first decorator), where a departure comment
can sit; app-wide findings point at where the app is made.
"""

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handbook.checker.context import Context
from handbook.checker.findings import Finding, NotChecked, Outcome
from handbook.checker.rules import Rule

TIMEOUT_SECONDS = 120
CURSOR_NAMES = re.compile(
    r"(?i)^(cursor|after|before|page_?token|next|starting_after|ending_before|continuation)"
)
SECRET_NAMES = re.compile(r"(?i)password|passwd|hash|secret")
LIST_PROPERTIES = ("items", "data", "results", "records", "entries", "objects")


def _rule(principle_id: str, code: str, checks: str, known_problems: str = "") -> Rule:
    return Rule(
        principle_id, "openapi", code, "ci", checks, known_problems=known_problems
    )


CREATE_STATUS = _rule(
    "API-REST",
    "create-not-201",
    "A create operation (POST with a body to a collection, answering a resource with an id) whose success status is not 201.",
    known_problems="A POST that creates nothing but answers an object with an id and takes a body (an action) is taken for a create.",
)
CREATE_LOCATION = _rule(
    "API-REST",
    "create-without-location",
    "A create operation answering 201 with no Location header, neither documented nor set by its handler.",
)
ERROR_BODY = _rule(
    "API-ERROR-BODY",
    "error-body-undocumented",
    "Operations that document no 4XX error body, or one shaped differently from the others' (FastAPI's own 422 body counts as different).",
)
CURSOR = _rule(
    "API-CURSOR-PAGINATION",
    "list-without-cursor",
    "A list operation (a GET answering an array, or an object holding one) without a cursor parameter.",
)
ETAG = _rule(
    "API-ETAG",
    "read-without-etag",
    "A GET of one resource (an object with an id) without ETag: no If-None-Match parameter and no 304 response.",
    known_problems="Judges a resource by its id property; a read model without one is not checked.",
)
PROBES = _rule(
    "OPS-HEALTH",
    "missing-probe",
    "An app without a liveness route (…/live…, …/health…) or without a readiness route (…/ready…).",
    known_problems="Judged by the route paths; a probe under another name is not recognised.",
)
SECRET_OUT = _rule(
    "API-SCHEMAS",
    "secret-in-response",
    "A response schema with a field named like password, hash or secret.",
)
UNBOUNDED = _rule(
    "SEC-INPUT",
    "unbounded-request-string",
    "A string field of a JSON request body without maxLength (enums, constants, and uuid or date formats excepted).",
    known_problems="Form bodies (OAuth2's token request) are not read, and a field the service takes but never stores is reported like the others.",
)
RULES = (
    CREATE_STATUS,
    CREATE_LOCATION,
    ERROR_BODY,
    CURSOR,
    ETAG,
    PROBES,
    SECRET_OUT,
    UNBOUNDED,
)
BOUNDED_FORMATS = {
    "uuid",
    "date",
    "date-time",
    "time",
    "duration",
    "ipv4",
    "ipv6",
    "binary",
}


@dataclass(frozen=True, eq=False)
class Operation:
    path: str
    method: str
    spec: dict[str, Any]
    file: Path | None
    line: int
    name: str


class Document:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.schemas = data.get("components", {}).get("schemas", {})

    def resolve(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        if not isinstance(schema, dict) or depth > 20:
            return {}
        if "$ref" in schema:
            return self.resolve(
                self.schemas.get(schema["$ref"].rsplit("/", 1)[-1], {}), depth + 1
            )
        for key in ("allOf", "anyOf", "oneOf"):
            if key in schema and len(schema[key]) >= 1:
                options = [self.resolve(s, depth + 1) for s in schema[key]]
                options = [o for o in options if o.get("type") != "null"]
                if len(options) == 1:
                    return options[0]
        return schema

    def ref_name(self, schema: Any) -> str | None:
        if isinstance(schema, dict) and "$ref" in schema:
            return str(schema["$ref"]).rsplit("/", 1)[-1]
        return None


def interpreter(context: Context) -> str:
    if context.config.python:
        configured = Path(context.config.python)
        return str(
            configured
            if configured.is_absolute()
            else context.project.root / configured
        )
    stop = context.project.git_root or context.project.root
    for directory in (context.project.root, *context.project.root.parents):
        candidate = directory / ".venv" / "bin" / "python"
        if candidate.is_file():
            return str(candidate)
        if directory == stop:
            break
    return sys.executable


def probe(context: Context, spec: str) -> dict[str, Any]:
    script = Path(__file__).with_name("openapi_probe.py")
    python = interpreter(context)
    try:
        result = subprocess.run(
            [python, str(script), spec, str(context.project.root)],
            cwd=context.project.root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"error": f"{python} could not import the app: {error}"}
    try:
        data: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return {
            "error": f"importing {spec} with {python} failed: {' / '.join(detail[-2:]) or 'no output'}"
        }
    return data


def run_rules(context: Context, rules: list[Rule]) -> Outcome:
    outcome = Outcome()
    if not rules:
        return outcome
    spec = context.config.app
    if spec is None:
        outcome.not_checked.append(
            NotChecked(
                tuple(rules),
                'no app to import: set [tool.fastapi] entrypoint = "module:app" in pyproject.toml, or pass --app',
                False,
            )
        )
        return outcome
    data = probe(context, spec)
    if "error" in data:
        outcome.not_checked.append(
            NotChecked(
                tuple(rules),
                f"app {spec} ({context.config.app_source}): {data['error']}",
                True,
            )
        )
        return outcome
    document = Document(data["openapi"])
    app_file = (
        Path(data["app"][0])
        if data.get("app")
        else context.project.pyproject or context.project.root
    )
    app_line = int(data["app"][1]) if data.get("app") else 1
    operations = []
    for item in data["operations"]:
        spec_operation = (
            document.data.get("paths", {}).get(item["path"], {}).get(item["method"])
        )
        operations.append(
            Operation(
                item["path"],
                item["method"],
                spec_operation or {},
                Path(item["file"]) if item["file"] else None,
                int(item["line"] or 1),
                item["name"],
            )
        )
    documented = [o for o in operations if o.spec]
    checks = {
        CREATE_STATUS: lambda: _create_status(document, documented),
        CREATE_LOCATION: lambda: _create_location(document, documented),
        ERROR_BODY: lambda: _error_body(document, documented, app_file, app_line),
        CURSOR: lambda: _cursor(document, documented),
        ETAG: lambda: _etag(document, documented),
        PROBES: lambda: _probes(operations, app_file, app_line),
        SECRET_OUT: lambda: _secrets(document, documented),
        UNBOUNDED: lambda: _unbounded(context, document, documented),
    }
    for rule in rules:
        for path, line, message in checks[rule]():
            outcome.findings.append(Finding(rule, path, line, 1, message))
    return outcome


def _where(operation: Operation) -> Path:
    return operation.file or Path(".")


def _label(operation: Operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _json_schema(response: Any) -> Any:
    if not isinstance(response, dict):
        return None
    content = response.get("content") or {}
    media = content.get("application/json") or next(iter(content.values()), None)
    return media.get("schema") if isinstance(media, dict) else None


def _success(operation: Operation) -> tuple[str, Any] | None:
    for code in sorted(operation.spec.get("responses", {})):
        if code.startswith("2"):
            return code, operation.spec["responses"][code]
    return None


def _is_create(document: Document, operation: Operation) -> bool:
    if operation.method != "post" or "requestBody" not in operation.spec:
        return False
    if operation.path.rstrip("/").endswith("}"):
        return False
    success = _success(operation)
    if success is None:
        return False
    schema = document.resolve(_json_schema(success[1]))
    return "id" in schema.get("properties", {})


def _create_status(
    document: Document, operations: list[Operation]
) -> Iterator[tuple[Path, int, str]]:
    for operation in operations:
        success = _success(operation)
        if success is not None and _is_create(document, operation):
            code = success[0]
            if code != "201":
                yield (
                    _where(operation),
                    operation.line,
                    f"{_label(operation)} creates a resource but answers {code}: answer 201 Created with a Location header",
                )


def _handler_sets_location(operation: Operation) -> bool:
    if operation.file is None or not operation.file.is_file():
        return False
    try:
        tree = ast.parse(operation.file.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return False
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == operation.name
        ):
            return "location" in ast.unparse(node).lower()
    return False


def _create_location(
    document: Document, operations: list[Operation]
) -> Iterator[tuple[Path, int, str]]:
    for operation in operations:
        success = _success(operation)
        if (
            success is None
            or success[0] != "201"
            or not _is_create(document, operation)
        ):
            continue
        headers = {
            h.lower() for h in (operation.spec["responses"]["201"].get("headers") or {})
        }
        if "location" not in headers and not _handler_sets_location(operation):
            yield (
                _where(operation),
                operation.line,
                f"{_label(operation)} answers 201 without a Location header: say where the new resource lives",
            )


def _error_schemas(document: Document, operation: Operation) -> list[str]:
    found = []
    for code, response in operation.spec.get("responses", {}).items():
        if not code.startswith("4"):
            continue
        schema = _json_schema(response)
        name = document.ref_name(schema) or json.dumps(schema, sort_keys=True)
        if code == "422" and name == "HTTPValidationError":
            found.append("HTTPValidationError")
        elif schema is not None:
            found.append(name)
    return found


def _error_body(
    document: Document, operations: list[Operation], app_file: Path, app_line: int
) -> Iterator[tuple[Path, int, str]]:
    shapes = {o: _error_schemas(document, o) for o in operations}
    counts: dict[str, int] = {}
    for names in shapes.values():
        for name in set(names) - {"HTTPValidationError"}:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        if operations:
            yield (
                app_file,
                app_line,
                (
                    f"none of the {len(operations)} operations documents an error body for 4XX (FastAPI's 422 "
                    "validation body aside): give every error one shape and declare it with responses="
                ),
            )
        return
    common = max(counts, key=lambda n: (counts[n], n))
    for operation, names in shapes.items():
        if common not in names:
            yield (
                _where(operation),
                operation.line,
                f"{_label(operation)} documents no {common} error body for 4XX",
            )
        elif set(names) - {common}:
            other = sorted(set(names) - {common})
            yield (
                _where(operation),
                operation.line,
                f"{_label(operation)} documents errors shaped as {', '.join(other)} besides {common}: one body for every error",
            )


def _list_schema(document: Document, schema: Any) -> bool:
    resolved = document.resolve(schema)
    if resolved.get("type") == "array":
        return True
    properties = resolved.get("properties", {})
    if "id" in properties:
        return False
    return any(
        document.resolve(properties[name]).get("type") == "array"
        for name in LIST_PROPERTIES
        if name in properties
    )


def _cursor(
    document: Document, operations: list[Operation]
) -> Iterator[tuple[Path, int, str]]:
    for operation in operations:
        success = _success(operation)
        if (
            operation.method != "get"
            or success is None
            or not _list_schema(document, _json_schema(success[1]))
        ):
            continue
        names = [
            p.get("name", "")
            for p in operation.spec.get("parameters", [])
            if p.get("in") == "query"
        ]
        if not any(CURSOR_NAMES.match(name) for name in names):
            how = f" (it takes {', '.join(names)})" if names else ""
            yield (
                _where(operation),
                operation.line,
                f"{_label(operation)} lists without a cursor parameter{how}: page with limit and an opaque cursor",
            )


def _etag(
    document: Document, operations: list[Operation]
) -> Iterator[tuple[Path, int, str]]:
    for operation in operations:
        success = _success(operation)
        if operation.method != "get" or success is None or success[0] != "200":
            continue
        schema = document.resolve(_json_schema(success[1]))
        if "id" not in schema.get("properties", {}):
            continue
        parameters = {
            p.get("name", "").lower()
            for p in operation.spec.get("parameters", [])
            if p.get("in") == "header"
        }
        headers = {h.lower() for h in (success[1].get("headers") or {})}
        if (
            "if-none-match" in parameters
            or "304" in operation.spec.get("responses", {})
            or "etag" in headers
        ):
            continue
        yield (
            _where(operation),
            operation.line,
            f"{_label(operation)} has no ETag: honour If-None-Match and answer 304 when nothing changed",
        )


def _probes(
    operations: list[Operation], app_file: Path, app_line: int
) -> Iterator[tuple[Path, int, str]]:
    gets = [o.path.lower() for o in operations if o.method == "get"]
    if not any(re.search(r"live|health", p) for p in gets):
        yield (
            app_file,
            app_line,
            "no liveness route (a GET …/health/live that touches nothing)",
        )
    if not any(re.search(r"ready", p) for p in gets):
        yield (
            app_file,
            app_line,
            "no readiness route (a GET …/health/ready that checks the database)",
        )


def _properties(
    document: Document, schema: Any, seen: set[str]
) -> Iterator[tuple[str | None, str, dict[str, Any]]]:
    """(schema name, property, its schema) of an object schema and those it nests."""
    name = document.ref_name(schema)
    if name is not None:
        if name in seen:
            return
        seen.add(name)
    resolved = document.resolve(schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in resolved.get(key, []):
            yield from _properties(document, option, seen)
    if resolved.get("type") == "array":
        yield from _properties(document, resolved.get("items"), seen)
    for prop, prop_schema in resolved.get("properties", {}).items():
        yield name, prop, document.resolve(prop_schema)
        yield from _properties(document, prop_schema, seen)


def _secrets(
    document: Document, operations: list[Operation]
) -> Iterator[tuple[Path, int, str]]:
    for operation in operations:
        for code, response in operation.spec.get("responses", {}).items():
            if not code.startswith("2"):
                continue
            for schema, prop, _ in _properties(document, _json_schema(response), set()):
                if SECRET_NAMES.search(prop):
                    yield (
                        _where(operation),
                        operation.line,
                        f"{_label(operation)} answers {schema or 'a body'} with a field {prop!r}: keep secrets out of response schemas",
                    )


def _class_location(context: Context, name: str) -> tuple[Path, int] | None:
    for module in context.python:
        for node in module.tree.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return module.path, node.lineno
    return None


def _unbounded(
    context: Context, document: Document, operations: list[Operation]
) -> Iterator[tuple[Path, int, str]]:
    reported: set[tuple[str | None, str]] = set()
    for operation in operations:
        content = (operation.spec.get("requestBody") or {}).get("content") or {}
        for media_type, media in content.items():
            if "json" not in media_type:
                continue  # forms: OAuth2's token request, whose fields RFC 6749 fixes
            for schema, prop, prop_schema in _properties(
                document, media.get("schema"), set()
            ):
                if (schema, prop) in reported:
                    continue
                strings = (
                    [prop_schema]
                    if prop_schema.get("type") == "string"
                    else [
                        document.resolve(s)
                        for s in prop_schema.get("anyOf", [])
                        if document.resolve(s).get("type") == "string"
                    ]
                )
                for string in strings:
                    if (
                        "maxLength" in string
                        or "enum" in string
                        or "const" in string
                        or string.get("format") in BOUNDED_FORMATS
                    ):
                        continue
                    reported.add((schema, prop))
                    where = _class_location(context, schema) if schema else None
                    path, line = where if where else (_where(operation), operation.line)
                    yield (
                        path,
                        line,
                        f"{schema or _label(operation)}.{prop} is a string without maxLength: bound what the service stores",
                    )
                    break
