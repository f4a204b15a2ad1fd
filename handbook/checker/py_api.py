"""Own checks on routes, request models and the layers behind them."""

import ast
from collections.abc import Iterator
from pathlib import PurePosixPath

from handbook.checker.own import SERVICE, Hit, Project, check, own, walk_function
from handbook.checker.pysource import PyModule, keyword

LIST_TYPES = {
    "list",
    "typing.List",
    "collections.abc.Sequence",
    "typing.Sequence",
    "tuple",
    "set",
}
PAGE_PARAMETERS = {
    "limit",
    "page_size",
    "per_page",
    "size",
    "first",
    "cursor",
    "after",
    "page",
    "take",
}
NOT_BODY = {
    "fastapi.Depends", "fastapi.Query", "fastapi.Path", "fastapi.Header", "fastapi.Cookie",
    "fastapi.Security", "fastapi.params.Depends",
}  # fmt: skip
SESSION_WRITES = {"add", "add_all", "commit", "flush", "delete", "merge"}
SESSION_NAMES = {"session", "db", "db_session"}
ANNOTATED = {"typing.Annotated", "typing_extensions.Annotated"}

UNPAGED = own(
    "API-CURSOR-PAGINATION",
    "unpaged-list-endpoint",
    "A GET route that returns a bare list and takes no limit or cursor parameter.",
    applies_to=SERVICE,
)
OFFSET = own(
    "API-CURSOR-PAGINATION",
    "offset-pagination",
    "A query paged with .offset(): rows added or removed shift every later page, and deep pages scan what they skip.",
    applies_to=SERVICE,
)
SAME_SCHEMA = own(
    "API-SCHEMAS",
    "same-schema-in-and-out",
    "A route whose request body and response are the same class.",
    applies_to=SERVICE,
)
EXTRA_ALLOWED = own(
    "STACK-PYDANTIC",
    "request-model-ignores-extra",
    'A model a route takes as its body that does not set extra="forbid": unknown fields are dropped silently.',
    applies_to=SERVICE,
    known_problems='An explicit extra="ignore" or "allow" is taken as a decision and not reported.',
)
RAW_BODY = own(
    "STACK-PYDANTIC",
    "raw-request-body",
    "A route that reads request.json() or request.form() itself instead of taking a model.",
    applies_to=SERVICE,
)
ROUTE_WRITES = own(
    "STRUCT-SERVICE-LAYER",
    "route-uses-session",
    "A route handler that adds, deletes or commits through the session itself instead of calling a service.",
    applies_to=SERVICE,
)
HTTP_IN_SERVICE = own(
    "STRUCT-SERVICE-LAYER",
    "http-in-service",
    "A service module that imports FastAPI (HTTPException and friends): services raise domain errors.",
    applies_to=SERVICE,
)
PUBLIC_DOCS = own(
    "DOC-OPENAPI",
    "docs-at-defaults",
    "FastAPI() without docs_url and openapi_url: the interactive docs and the schema are public in production.",
    applies_to=SERVICE,
)


def _annotation_class(
    module: PyModule, project: Project, annotation: ast.expr | None
) -> str | None:
    """The project model an annotation names, through Annotated; None for non-bodies."""
    if annotation is None:
        return None
    module, annotation = project.resolve_alias(module, annotation)
    if (
        isinstance(annotation, ast.Subscript)
        and module.qualified(annotation.value) in ANNOTATED
    ):
        elements = (
            annotation.slice.elts
            if isinstance(annotation.slice, ast.Tuple)
            else [annotation.slice]
        )
        if any(
            isinstance(m, ast.Call) and module.called(m) in NOT_BODY
            for m in elements[1:]
        ):
            return None
        return _annotation_class(module, project, elements[0])
    name = project.qualified_class(module, annotation)
    return name if name and project.is_model(name) else None


def _is_list(module: PyModule, annotation: ast.expr | None) -> bool:
    if isinstance(annotation, ast.Subscript):
        return module.qualified(annotation.value) in LIST_TYPES
    return False


@check(UNPAGED)
def unpaged_list_endpoint(module: PyModule, project: Project) -> Iterator[Hit]:
    for function, decorator in module.routes():
        if (
            not isinstance(decorator.func, ast.Attribute)
            or decorator.func.attr != "get"
        ):
            continue
        if not (
            _is_list(module, function.returns)
            or _is_list(module, keyword(decorator, "response_model"))
        ):
            continue
        names = {a.arg for a in function.args.args + function.args.kwonlyargs}
        if not names & PAGE_PARAMETERS:
            yield (
                function,
                (
                    f"{function.name}() returns a whole list: page it with a limit and a cursor"
                ),
            )


@check(OFFSET)
def offset_pagination(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "offset"
            and len(node.args) == 1
            and not node.keywords
        ):
            yield (
                node,
                "offset pagination: use a cursor (WHERE id > :last ORDER BY id LIMIT :n)",
            )


@check(SAME_SCHEMA)
def same_schema(module: PyModule, project: Project) -> Iterator[Hit]:
    for function, decorator in module.routes():
        returned = _annotation_class(
            module, project, keyword(decorator, "response_model") or function.returns
        )
        if returned is None:
            continue
        for argument in function.args.args + function.args.kwonlyargs:
            if _annotation_class(module, project, argument.annotation) == returned:
                yield (
                    argument,
                    (
                        f"{function.name}() takes and returns {returned.rsplit('.', 1)[-1]}: "
                        "give the request and the response their own schemas"
                    ),
                )


def _extra_setting(module: PyModule, cls: ast.ClassDef) -> ast.expr | None:
    for statement in cls.body:
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else []
        )
        value = (
            statement.value
            if isinstance(statement, ast.Assign | ast.AnnAssign)
            else None
        )
        if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
            if isinstance(value, ast.Call):
                return keyword(value, "extra")
            if isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "extra":
                        return item
    for keyword_ in cls.keywords:
        if keyword_.arg == "extra":
            return keyword_.value
    return None


def _declares_extra(
    project: Project, qualified: str, seen: frozenset[str] = frozenset()
) -> bool:
    found = project.classes.get(qualified)
    if found is None or qualified in seen:
        return False
    module, cls = found
    if _extra_setting(module, cls) is not None:
        return True
    return any(
        _declares_extra(project, base, seen | {qualified})
        for base in (project.qualified_class(module, b) for b in cls.bases)
        if base
    )


def _body_models(project: Project) -> dict[str, tuple[str, int]]:
    """Every project model a route takes as a body, with one route that does."""
    found: dict[str, tuple[str, int]] = {}
    for module in project.modules:
        if module.kind != "service":
            continue
        for function, _ in module.routes():
            for argument in function.args.args + function.args.kwonlyargs:
                name = _annotation_class(module, project, argument.annotation)
                if name and name not in found:
                    found[name] = (function.name, function.lineno)
    return found


@check(EXTRA_ALLOWED)
def request_model_ignores_extra(module: PyModule, project: Project) -> Iterator[Hit]:
    bodies = project.memo("body-models", lambda: _body_models(project))
    for cls in module.tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        qualified = f"{module.dotted}.{cls.name}"
        if qualified in bodies and not _declares_extra(project, qualified):
            route = bodies[qualified][0]
            yield (
                cls,
                (
                    f"{cls.name} is the body of {route}() and drops unknown fields silently: "
                    'set model_config = ConfigDict(extra="forbid")'
                ),
            )


@check(RAW_BODY)
def raw_request_body(module: PyModule, project: Project) -> Iterator[Hit]:
    for function, _ in module.routes():
        for node in walk_function(function):
            if (
                isinstance(node, ast.Await)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr in ("json", "form", "body")
                and isinstance(node.value.func.value, ast.Name)
                and node.value.func.value.id in ("request", "req")
            ):
                yield (
                    node,
                    f"{function.name}() reads request.{node.value.func.attr}() itself: take a Pydantic model instead",
                )


def _session_names(
    module: PyModule, project: Project, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> set[str]:
    names = set()
    for argument in function.args.args + function.args.kwonlyargs:
        annotation = argument.annotation
        text = (
            ast.unparse(project.resolve_alias(module, annotation)[1])
            if annotation
            else ""
        )
        if argument.arg in SESSION_NAMES or "Session" in text:
            names.add(argument.arg)
    return names


@check(ROUTE_WRITES)
def route_uses_session(module: PyModule, project: Project) -> Iterator[Hit]:
    for function, _ in module.routes():
        sessions = _session_names(module, project, function)
        for node in sorted(
            walk_function(function),
            key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)),
        ):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SESSION_WRITES
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in sessions
            ):
                yield (
                    node,
                    (
                        f"{function.name}() calls {node.func.value.id}.{node.func.attr}() itself: "
                        "move the work into a service the route calls"
                    ),
                )
                break


@check(HTTP_IN_SERVICE)
def http_in_service(module: PyModule, project: Project) -> Iterator[Hit]:
    stem = PurePosixPath(module.relative).stem
    if not (stem in ("service", "services") or stem.endswith("_service")):
        return
    for node in module.tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] in ("fastapi", "starlette")
        ) or (
            isinstance(node, ast.Import)
            and any(
                a.name.split(".")[0] in ("fastapi", "starlette") for a in node.names
            )
        ):
            yield (
                node,
                "a service imports the web framework: raise a domain error and map it to HTTP in one place",
            )


@check(PUBLIC_DOCS)
def docs_at_defaults(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if isinstance(node, ast.Call) and module.called(node) == "fastapi.FastAPI":
            if any(k.arg is None for k in node.keywords):
                continue
            missing = [
                k for k in ("docs_url", "openapi_url") if keyword(node, k) is None
            ]
            if missing:
                yield (
                    node,
                    (
                        f"FastAPI() leaves {' and '.join(missing)} at the default: the docs and "
                        "schema are served in production too; turn them off there"
                    ),
                )
