"""Run in the checked project's interpreter: import the app, print its OpenAPI
document and where each operation's handler is, as one JSON object.

Kept free of the checker's own imports, so any interpreter with the app's
dependencies can run it: ``python openapi_probe.py module:attr ROOT``.
"""

import ast
import contextlib
import importlib
import inspect
import io
import json
import sys
from pathlib import Path
from typing import Any


def _location(function: Any) -> tuple[str, int] | None:
    function = inspect.unwrap(function)
    try:
        path = inspect.getsourcefile(function)
        code = getattr(function, "__code__", None)
    except TypeError:
        return None
    if path is None or code is None:
        return None
    return str(Path(path).resolve()), int(code.co_firstlineno)


def _routes(routes: list[object]) -> list[tuple[str, Any, Any, Any]]:
    """(path, endpoint, methods, include_in_schema) of every route, included
    routers flattened (FastAPI 0.16x includes them lazily)."""
    found: list[tuple[str, Any, Any, Any]] = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for context in contexts():
                original = getattr(context, "original_route", None)
                found.append(
                    (
                        getattr(context, "path", "") or getattr(original, "path", ""),
                        getattr(context, "endpoint", None)
                        or getattr(original, "endpoint", None),
                        getattr(original, "methods", None),
                        getattr(original, "include_in_schema", True),
                    )
                )
            continue
        found.append(
            (
                getattr(route, "path_format", getattr(route, "path", "")),
                getattr(route, "endpoint", None),
                getattr(route, "methods", None),
                getattr(route, "include_in_schema", True),
            )
        )
    return found


def _app_line(module: object, attribute: str) -> tuple[str, int] | None:
    path = getattr(module, "__file__", None)
    if not path:
        return None
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
                return str(Path(path).resolve()), node.lineno
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "FastAPI"
        ):
            return str(Path(path).resolve()), node.lineno
    return str(Path(path).resolve()), 1


def main(spec: str, root: str) -> dict[str, object]:
    module_name, _, attribute = spec.partition(":")
    for path in (Path(root) / "src", Path(root)):
        if path.is_dir():
            sys.path.insert(0, str(path))
    with contextlib.redirect_stdout(io.StringIO()):
        module = importlib.import_module(module_name)
        app = getattr(module, attribute or "app")
        if not hasattr(app, "openapi") and callable(app):
            # A factory, as `uvicorn --factory` takes: it builds the app.
            app = app()
        document = app.openapi()
    operations = []
    for route_path, endpoint, methods, in_schema in _routes(getattr(app, "routes", [])):
        if endpoint is None or not methods:
            continue
        where = _location(endpoint)
        for method in sorted(str(m) for m in methods):
            operations.append(
                {
                    "path": route_path,
                    "method": method.lower(),
                    "file": where[0] if where else None,
                    "line": where[1] if where else None,
                    "name": getattr(endpoint, "__name__", ""),
                    "in_schema": bool(in_schema),
                }
            )
    app_file = _app_line(module, attribute or "app")
    return {"openapi": document, "operations": operations, "app": app_file}


if __name__ == "__main__":
    try:
        result = main(sys.argv[1], sys.argv[2])
    except BaseException as error:  # report any failure to import, as data
        result = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(result, default=str))
