"""Own checks: settings, global state, per-instance defaults, tests."""

import ast
from collections.abc import Iterator

from handbook.checker.own import SERVICE, TESTS, Hit, Project, check, own
from handbook.checker.pysource import PyModule, keyword

ENVIRON_READS = {"os.getenv", "os.environ.get", "os.environ.setdefault"}
STATE_FACTORIES = {
    "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine",
    "sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.orm.Session", "sqlalchemy.ext.asyncio.AsyncSession", "sqlmodel.Session",
}  # fmt: skip
# Calls whose value must differ per instance (or per moment): as a field's
# default they run once, when the class is defined.
PER_INSTANCE = (
    "uuid.uuid1", "uuid.uuid4", "uuid.uuid6", "uuid.uuid7", "datetime.datetime.now", "datetime.datetime.utcnow",
    "datetime.datetime.today", "datetime.date.today", "time.time", "time.monotonic", "secrets.", "random.",
    "os.urandom", "list", "dict", "set",
)  # fmt: skip
FIXTURES = {"pytest.fixture", "pytest_asyncio.fixture"}
TEST_CASES = {
    "unittest.TestCase",
    "unittest.IsolatedAsyncioTestCase",
    "unittest.case.TestCase",
}
# FastAPI's parameter markers: as a default value, a direct call of the
# function (a script, a test) gets the marker instead of a value.
MARKERS = {
    f"{module}.{name}"
    for module in ("fastapi", "fastapi.params", "fastapi.param_functions")
    for name in ("Depends", "Security", "Query", "Path", "Header", "Cookie", "Body", "Form", "File")
}  # fmt: skip
DELETES = {"sqlalchemy.delete", "sqlmodel.delete", "sqlalchemy.sql.expression.delete"}

ENVIRON = own(
    "CONFIG-TYPED",
    "environ-outside-settings",
    "os.environ or os.getenv read outside the settings class's module.",
    applies_to=SERVICE,
)
GLOBAL_STATE = own(
    "STRUCT-DEPENDS",
    "module-level-state",
    "An engine, session factory, session or settings object created at module level, or a global statement, in service code.",
    applies_to=SERVICE,
)
DEPENDENCY_DEFAULT = own(
    "STRUCT-DEPENDS",
    "dependency-as-default",
    "A function parameter whose default value is Depends(), Query() or another FastAPI marker, outside a route handler (FAST002 reports those).",
)
FIELD_DEFAULT = own(
    "API-FIELD-DEFAULTS",
    "call-as-field-default",
    "A model field whose default calls uuid4(), datetime.now() or the like: it runs once, when the class is defined.",
)
TEST_CASE = own(
    "TEST-FUNCTIONAL",
    "unittest-class",
    "A test class that subclasses unittest.TestCase.",
    applies_to=TESTS,
)
FIXTURE_CLEANUP = own(
    "TEST-ROLLBACK",
    "fixture-cleans-up-by-hand",
    "A fixture that deletes rows, or creates and drops the schema for every test, instead of rolling back a transaction.",
    applies_to=TESTS,
)
FIXTURE_SESSION = own(
    "TEST-ROLLBACK",
    "fixture-session-without-savepoint",
    'A fixture that builds an AsyncSession without join_transaction_mode="create_savepoint".',
    applies_to=TESTS,
)


def _defines_settings(module: PyModule, project: Project) -> bool:
    return any(
        f"{module.dotted}.{c.name}" in project.settings_classes
        for c in module.tree.body
        if isinstance(c, ast.ClassDef)
    )


@check(ENVIRON)
def environ_outside_settings(module: PyModule, project: Project) -> Iterator[Hit]:
    if _defines_settings(module, project):
        return
    for node in module.nodes:
        if isinstance(node, ast.Call) and module.called(node) in ENVIRON_READS:
            yield (
                node,
                f"{module.called(node)}() outside the settings: declare the value as a typed setting",
            )
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and module.qualified(node.value) == "os.environ"
        ):
            yield (
                node,
                "os.environ[...] outside the settings: declare the value as a typed setting",
            )


@check(GLOBAL_STATE)
def module_level_state(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Call):
            name = module.called(value)
            qualified = project.qualified_class(module, value.func) or ""
            if name in STATE_FACTORIES:
                yield (
                    node,
                    f"{name.rsplit('.', 1)[-1]}() at import time: create it in the app's lifespan and hand it out with Depends",
                )
            elif qualified in project.settings_classes:
                yield (
                    node,
                    f"{qualified.rsplit('.', 1)[-1]}() read at import time: build settings in the app factory and inject them with Depends",
                )
    for inner in module.nodes:
        if isinstance(inner, ast.Global):
            yield (
                inner,
                f"global {', '.join(inner.names)}: pass state through Depends or app.state",
            )


def _parameters_with_defaults(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> Iterator[tuple[ast.arg, ast.expr]]:
    """Each parameter that has a default, with it (positional defaults
    belong to the last positional parameters)."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    yield from zip(
        positional[len(positional) - len(arguments.defaults) :],
        arguments.defaults,
        strict=True,
    )
    for parameter, default in zip(
        arguments.kwonlyargs, arguments.kw_defaults, strict=True
    ):
        if default is not None:
            yield parameter, default


@check(DEPENDENCY_DEFAULT, defers_to=("FAST002",))
def dependency_as_default(module: PyModule, project: Project) -> Iterator[Hit]:
    # ruff's FAST002 reports this form in route handlers only, and B008
    # leaves FastAPI's markers alone: a dependency function written so
    # passed both. On a route's line FAST002's finding stands for this one.
    for function in module.functions():
        for parameter, default in _parameters_with_defaults(function):
            if isinstance(default, ast.Call) and module.called(default) in MARKERS:
                marker = ast.unparse(default)
                yield (
                    parameter,
                    f"{parameter.arg} defaults to {marker}: a direct call of {function.name}() gets the marker, "
                    f"not a value; declare it as Annotated[..., {marker}]",
                )


@check(FIELD_DEFAULT, defers_to=("B008", "RUF009"))
def call_as_field_default(module: PyModule, project: Project) -> Iterator[Hit]:
    for cls in module.classes():
        if not project.is_model(f"{module.dotted}.{cls.name}") and not any(
            (project.qualified_class(module, b) or "")
            in (
                "pydantic.BaseModel",
                "sqlmodel.SQLModel",
                "pydantic_settings.BaseSettings",
            )
            for b in cls.bases
        ):
            continue
        for statement in cls.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(
                statement.value, ast.Call
            ):
                continue
            value: ast.Call = statement.value
            if module.called(statement.value) in ("pydantic.Field", "sqlmodel.Field"):
                default = keyword(statement.value, "default") or (
                    statement.value.args[0] if statement.value.args else None
                )
                if not isinstance(default, ast.Call):
                    continue
                value = default
            called = module.called(value)
            if any(
                called == p or (p.endswith(".") and called.startswith(p))
                for p in PER_INSTANCE
            ):
                name = (
                    statement.target.id
                    if isinstance(statement.target, ast.Name)
                    else "?"
                )
                yield (
                    statement,
                    (
                        f"{cls.name}.{name} defaults to {called}(), called once when the class is "
                        f"defined: use default_factory={ast.unparse(value.func)}"
                    ),
                )


@check(TEST_CASE, defers_to=("PT027", "PT009"))
def unittest_class(module: PyModule, project: Project) -> Iterator[Hit]:
    for cls in module.classes():
        for base in cls.bases:
            if module.qualified(base) in TEST_CASES:
                yield (
                    cls,
                    f"{cls.name} subclasses {module.qualified(base)}: write plain test functions with fixtures",
                )


def _fixtures(
    module: PyModule,
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    for function in module.functions():
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if module.qualified(target) in FIXTURES:
                scope = (
                    keyword(decorator, "scope")
                    if isinstance(decorator, ast.Call)
                    else None
                )
                yield (
                    function,
                    scope.value
                    if isinstance(scope, ast.Constant) and isinstance(scope.value, str)
                    else "function",
                )


@check(FIXTURE_CLEANUP)
def fixture_cleanup(module: PyModule, project: Project) -> Iterator[Hit]:
    for function, scope in _fixtures(module):
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("create_all", "drop_all")
                and scope == "function"
            ):
                yield (
                    node,
                    f"fixture {function.name}() runs {node.attr}() for every test: build the schema once, roll back each test",
                )
                break
            if isinstance(node, ast.Call) and (
                module.called(node) in DELETES
                or (
                    isinstance(node.func, ast.Attribute)
                    and node.func.attr == "delete"
                    and isinstance(node.func.value, ast.Call)
                    and isinstance(node.func.value.func, ast.Attribute)
                    and node.func.value.func.attr in ("query", "filter", "filter_by")
                )
            ):
                yield (
                    node,
                    f"fixture {function.name}() deletes rows by hand: run each test in a transaction that is rolled back",
                )
                break


@check(FIXTURE_SESSION)
def fixture_session(module: PyModule, project: Project) -> Iterator[Hit]:
    for function, _ in _fixtures(module):
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and module.called(node) in (
                "sqlalchemy.ext.asyncio.AsyncSession",
                "sqlalchemy.ext.asyncio.async_sessionmaker",
            ):
                mode = keyword(node, "join_transaction_mode")
                if not (
                    isinstance(mode, ast.Constant) and mode.value == "create_savepoint"
                ) and not any(k.arg is None for k in node.keywords):
                    yield (
                        node,
                        f'fixture {function.name}() builds a session without join_transaction_mode="create_savepoint": a commit in the code under test ends the test\'s transaction',
                    )
