"""Own checks: SQL, sessions, engines, models and migrations."""

import ast
from collections.abc import Iterator

from handbook.checker.own import (
    SERVICE,
    TESTS,
    Hit,
    Project,
    assignments,
    check,
    own,
    string_built,
)
from handbook.checker.pysource import PyModule, has_keyword, keyword

TEXT_CALLS = {
    "sqlalchemy.text",
    "sqlalchemy.sql.text",
    "sqlalchemy.sql.expression.text",
    "sqlmodel.text",
}
EXECUTE_METHODS = {
    "execute",
    "exec_driver_sql",
    "executemany",
    "fetch",
    "fetchrow",
    "fetchval",
}
ENGINES = {
    "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlmodel.create_engine",
}
DECLARATIVE_BASE = {
    "sqlalchemy.orm.declarative_base",
    "sqlalchemy.ext.declarative.declarative_base",
}
COLUMNS = {"sqlalchemy.Column", "sqlalchemy.schema.Column"}
RELATIONSHIPS = {"sqlalchemy.orm.relationship", "sqlmodel.Relationship"}
EAGER_OR_RAISING = {
    "raise",
    "raise_on_sql",
    "selectin",
    "joined",
    "subquery",
    "immediate",
    "noload",
    "write_only",
}
FOREIGN_KEY = {"sqlalchemy.ForeignKey", "sqlalchemy.schema.ForeignKey"}
MAPPED_COLUMN = {
    "sqlalchemy.orm.mapped_column",
    "sqlalchemy.Column",
    "sqlalchemy.schema.Column",
}
STRING_TYPES = {
    "sqlalchemy.String",
    "sqlalchemy.types.String",
    "sqlalchemy.VARCHAR",
    "sqlalchemy.Unicode",
}
SESSION_FACTORIES = {
    "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.ext.asyncio.AsyncSession",
}

SQL_FROM_STRING = own(
    "DB-BOUND-PARAMS",
    "sql-from-string",
    "text() or execute() given SQL built with an f-string, % or + or str.format, directly or through a variable assigned in the same function.",
    known_problems="Follows a variable only within one function; SQL assembled in another function is not seen.",
)
EXPIRE_ON_COMMIT = own(
    "DB-SESSION",
    "expire-on-commit",
    "An async_sessionmaker or AsyncSession without expire_on_commit=False: reading an attribute after commit() raises MissingGreenlet.",
)
ENGINE_TIMEOUTS = own(
    "DB-POOL",
    "unbounded-pool-wait",
    "An engine created without pool_timeout or without connect_args (connect and statement timeouts), or with echo=True.",
    applies_to=SERVICE,
)
CREATE_ALL = own(
    "DB-MIGRATIONS",
    "create-all",
    "metadata.create_all() in service code: the schema is built by migrations, applied as their own step.",
    applies_to=SERVICE,
)
DECLARATIVE = own(
    "DB-MODELS",
    "declarative-base",
    "declarative_base(), the untyped pre-2.0 base; subclass DeclarativeBase.",
)
UNTYPED_COLUMN = own(
    "DB-MODELS",
    "untyped-column",
    "A model attribute assigned Column() or mapped_column() without a Mapped[...] annotation.",
)
ONE_SIDED = own(
    "DB-MODELS",
    "one-sided-relationship",
    "A relationship() without back_populates, so only one end knows the link.",
)
LAZY = own(
    "PERF-EAGER-LOAD",
    "lazy-relationship",
    'A relationship() left at lazy="select": reading it per row is the N+1 query; say lazy="raise" (or an eager strategy).',
    known_problems="Flags the possibility; whether a list endpoint really reads the relationship per row is for review.",
)
UNINDEXED_FK = own(
    "DB-INDEXES",
    "unindexed-foreign-key",
    "A foreign key column without index=True that no composite index of its table leads with.",
    known_problems="Sees indexes declared in the model (index=True, __table_args__); one created only in a migration is not seen.",
)
UNBOUNDED_STRING = own(
    "STACK-POSTGRES",
    "string-without-length",
    "A String column without a length: the schema should bound what it stores.",
)
SQLITE_SERVICE = own(
    "STACK-POSTGRES",
    "sqlite",
    "A SQLite URL or driver in service code: PostgreSQL is the database in every environment.",
    applies_to=SERVICE,
)
SQLITE_TESTS = own(
    "TEST-REAL-DB",
    "sqlite-in-tests",
    "A SQLite URL or driver in the tests: they run against a real PostgreSQL.",
    applies_to=TESTS,
)


def _sql_argument(module: PyModule, call: ast.Call) -> ast.expr | None:
    name = module.called(call)
    if name in TEXT_CALLS:
        return call.args[0] if call.args else None
    if (
        isinstance(call.func, ast.Attribute)
        and call.func.attr in EXECUTE_METHODS
        and call.args
    ):
        return call.args[0]
    return None


@check(SQL_FROM_STRING, defers_to=("S608",))
def sql_from_string(module: PyModule, project: Project) -> Iterator[Hit]:
    if not any(word in module.text for word in ("text(", "execute", "fetch")):
        return
    scopes: list[ast.AST] = [module.tree, *module.functions()]
    for scope in scopes:
        assigned = assignments(scope)
        for node in _own_nodes(scope):
            if not isinstance(node, ast.Call):
                continue
            argument = _sql_argument(module, node)
            if argument is None:
                continue
            if string_built(argument):
                yield (
                    node,
                    "SQL built from a string with values in it; pass them as bound parameters",
                )
            elif isinstance(argument, ast.Name):
                built = [v for v in assigned.get(argument.id, []) if string_built(v)]
                for value in built[:1]:
                    # Where the string is built, which is where Ruff's S608 looks too.
                    yield (
                        value,
                        (
                            f"SQL built from a string here, run through {argument.id} on line "
                            f"{node.lineno}; pass the values as bound parameters"
                        ),
                    )


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def _false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


@check(EXPIRE_ON_COMMIT)
def expire_on_commit(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if not isinstance(node, ast.Call):
            continue
        name = module.called(node)
        is_async_factory = name in SESSION_FACTORIES or (
            name == "sqlalchemy.orm.sessionmaker"
            and module.qualified(keyword(node, "class_") or ast.Constant(None))
            == "sqlalchemy.ext.asyncio.AsyncSession"
        )
        if not is_async_factory:
            continue
        value = keyword(node, "expire_on_commit")
        if value is None and any(k.arg is None for k in node.keywords):
            continue  # **options may carry it
        if not _false(value):
            yield node, f"{name.rsplit('.', 1)[-1]}() without expire_on_commit=False"


@check(ENGINE_TIMEOUTS)
def engine_timeouts(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if not isinstance(node, ast.Call) or module.called(node) not in ENGINES:
            continue
        if any(k.arg is None for k in node.keywords):
            continue
        missing = [
            k for k in ("pool_timeout", "connect_args") if keyword(node, k) is None
        ]
        echo = keyword(node, "echo")
        if missing:
            yield (
                node,
                (
                    f"engine without {' and '.join(missing)}: a stuck database holds requests "
                    "for the libraries' defaults (30 s for a connection, no limit on a statement)"
                ),
            )
        if isinstance(echo, ast.Constant) and echo.value is True:
            yield (
                node,
                "echo=True logs every statement; leave it off outside local debugging",
            )


@check(CREATE_ALL)
def create_all(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if isinstance(node, ast.Attribute) and node.attr == "create_all":
            yield (
                node,
                "create_all() builds the schema at run time; apply migrations as their own step",
            )


@check(DECLARATIVE)
def declarative_base(module: PyModule, project: Project) -> Iterator[Hit]:
    for node in module.nodes:
        if isinstance(node, ast.Call) and module.called(node) in DECLARATIVE_BASE:
            yield (
                node,
                "declarative_base() is the untyped pre-2.0 API; subclass DeclarativeBase",
            )


def _model_body(module: PyModule) -> Iterator[tuple[ast.ClassDef, ast.stmt]]:
    for cls in module.classes():
        for statement in cls.body:
            yield cls, statement


@check(UNTYPED_COLUMN)
def untyped_column(module: PyModule, project: Project) -> Iterator[Hit]:
    for cls, statement in _model_body(module):
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and module.called(statement.value)
            in COLUMNS | {"sqlalchemy.orm.mapped_column"}
        ):
            target = statement.targets[0]
            name = target.id if isinstance(target, ast.Name) else "?"
            yield (
                statement,
                f"{cls.name}.{name} has no Mapped[...] annotation; type the column",
            )


def _relationships(module: PyModule) -> Iterator[tuple[str, ast.Call]]:
    for cls, statement in _model_body(module):
        if isinstance(statement, ast.Assign):
            target: ast.expr = statement.targets[0]
        elif isinstance(statement, ast.AnnAssign):
            target = statement.target
        else:
            continue
        value = statement.value
        if isinstance(value, ast.Call) and module.called(value) in RELATIONSHIPS:
            name = target.id if isinstance(target, ast.Name) else "?"
            yield f"{cls.name}.{name}", value


@check(ONE_SIDED)
def one_sided_relationship(module: PyModule, project: Project) -> Iterator[Hit]:
    for name, call in _relationships(module):
        if not (has_keyword(call, "back_populates") or has_keyword(call, "backref")):
            yield call, f"relationship {name} without back_populates: link both ends"


def _lazy(module: PyModule, call: ast.Call) -> ast.expr | None:
    value = keyword(call, "lazy")
    if value is None:
        options = keyword(call, "sa_relationship_kwargs")
        if isinstance(options, ast.Dict):
            for key, item in zip(options.keys, options.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "lazy":
                    return item
    return value


@check(LAZY)
def lazy_relationship(module: PyModule, project: Project) -> Iterator[Hit]:
    for name, call in _relationships(module):
        lazy = _lazy(module, call)
        if lazy is None:
            if any(k.arg is None for k in call.keywords):
                continue
            yield (
                call,
                f'relationship {name} loads lazily (lazy="select"): reading it per row is one query each; set lazy="raise" and load it eagerly',
            )
        elif isinstance(lazy, ast.Constant) and lazy.value not in EAGER_OR_RAISING:
            yield (
                call,
                f"relationship {name} has lazy={lazy.value!r}: reading it per row is one query each",
            )


def _indexed_leaders(cls: ast.ClassDef) -> set[str]:
    leaders = set()
    for statement in cls.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__table_args__"
            for t in statement.targets
        ):
            for node in ast.walk(statement.value):
                if isinstance(node, ast.Call) and isinstance(
                    node.func, ast.Name | ast.Attribute
                ):
                    called = (
                        node.func.id
                        if isinstance(node.func, ast.Name)
                        else node.func.attr
                    )
                    if called in ("Index", "UniqueConstraint", "PrimaryKeyConstraint"):
                        columns = node.args[1:] if called == "Index" else node.args
                        if columns and isinstance(columns[0], ast.Constant):
                            leaders.add(str(columns[0].value))
    return leaders


@check(UNINDEXED_FK)
def unindexed_foreign_key(module: PyModule, project: Project) -> Iterator[Hit]:
    for cls in module.classes():
        leaders = _indexed_leaders(cls)
        for statement in cls.body:
            if not isinstance(statement, ast.AnnAssign | ast.Assign):
                continue
            value = statement.value
            target = (
                statement.target
                if isinstance(statement, ast.AnnAssign)
                else statement.targets[0]
            )
            if not isinstance(value, ast.Call) or not isinstance(target, ast.Name):
                continue
            name = module.called(value)
            has_fk = (
                name in MAPPED_COLUMN
                and any(
                    isinstance(a, ast.Call) and module.called(a) in FOREIGN_KEY
                    for a in value.args
                )
            ) or (
                name == "sqlmodel.Field" and keyword(value, "foreign_key") is not None
            )
            if not has_fk or any(k.arg is None for k in value.keywords):
                continue
            indexed = keyword(value, "index")
            primary = keyword(value, "primary_key")
            if (
                (isinstance(indexed, ast.Constant) and indexed.value is True)
                or (isinstance(primary, ast.Constant) and primary.value is True)
                or target.id in leaders
            ):
                continue
            yield (
                statement,
                (
                    f"foreign key {cls.name}.{target.id} has no index: joins and cascading "
                    "deletes scan the table; add index=True or a composite index leading with it"
                ),
            )


@check(UNBOUNDED_STRING)
def string_without_length(module: PyModule, project: Project) -> Iterator[Hit]:
    for cls, statement in _model_body(module):
        value = (
            statement.value
            if isinstance(statement, ast.Assign | ast.AnnAssign)
            else None
        )
        if not isinstance(value, ast.Call) or module.called(value) not in MAPPED_COLUMN:
            continue
        for argument in value.args:
            if module.qualified(argument) in STRING_TYPES and (
                not isinstance(argument, ast.Call)
                or not (argument.args or keyword(argument, "length"))
            ):
                yield (
                    argument,
                    f"String without a length in {cls.name}: bound it (String(255)) so the schema enforces it",
                )


def _sqlite(module: PyModule) -> Iterator[Hit]:
    for node in module.nodes:
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("sqlite")
        ):
            if "://" in node.value[:20]:
                yield (
                    node,
                    f"SQLite URL {node.value[:40]!r}: use PostgreSQL, as production does",
                )
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            if any(n.split(".")[0] in ("sqlite3", "aiosqlite") for n in names):
                yield node, "SQLite driver imported: use PostgreSQL, as production does"


@check(SQLITE_SERVICE)
def sqlite_in_service(module: PyModule, project: Project) -> Iterator[Hit]:
    yield from _sqlite(module)


@check(SQLITE_TESTS)
def sqlite_in_tests(module: PyModule, project: Project) -> Iterator[Hit]:
    yield from _sqlite(module)
