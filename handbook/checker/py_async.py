"""Own checks: what blocks the event loop, and where handlers run."""

import ast
from collections.abc import Iterator

from handbook.checker.own import SERVICE, Hit, Project, check, own, walk_function
from handbook.checker.pysource import PyModule

# Sync clients Ruff's ASYNC rules do not know, or know only for some calls.
SYNC_CALLS = (
    "requests.",
    "psycopg2.connect",
    "psycopg.connect",
    "sqlite3.connect",
    "sqlalchemy.create_engine",
    "sqlalchemy.orm.Session",
    "sqlalchemy.orm.sessionmaker",
    "sqlmodel.Session",
    "sqlmodel.create_engine",
    "httpx.Client",
    "smtplib.SMTP",
    "boto3.client",
    "boto3.resource",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "pymongo.MongoClient",
)
SYNC_SESSIONS = {
    "sqlalchemy.orm.Session",
    "sqlmodel.Session",
    "sqlalchemy.orm.session.Session",
}
CACHES = {
    "functools.cache",
    "functools.lru_cache",
    "cachetools.cached",
    "async_lru.alru_cache",
}
REQUEST_DATA = {
    "session",
    "db",
    "request",
    "user",
    "current_user",
    "conn",
    "connection",
}

SYNC_CLIENT = own(
    "ASYNC-NO-BLOCKING",
    "sync-client-in-async",
    "A sync client (requests, psycopg2, a sync SQLAlchemy Session, httpx.Client, smtplib, boto3, redis.Redis) used inside an async def.",
    known_problems="Sees the client where it is created or declared as a parameter; one passed in under another type is not seen.",
)
SYNC_ROUTE = own(
    "STACK-ASYNC-ROUTES",
    "sync-route",
    "A route handler written as def: FastAPI runs it in a thread of a small shared pool.",
    applies_to=SERVICE,
)
CACHED_COROUTINE = own(
    "PERF-MEMOIZE",
    "cache-request-data",
    "@cache or @lru_cache on an async def (it caches the coroutine, which can be awaited once) or on a function that takes a session, a request or a user.",
)


def _sync_session_annotation(
    module: PyModule, project: Project, annotation: ast.expr | None
) -> bool:
    if annotation is None:
        return False
    module, annotation = project.resolve_alias(module, annotation)
    if isinstance(annotation, ast.Subscript) and module.qualified(annotation.value) in (
        "typing.Annotated",
        "typing_extensions.Annotated",
    ):
        inner = (
            annotation.slice.elts[0]
            if isinstance(annotation.slice, ast.Tuple)
            else annotation.slice
        )
        return _sync_session_annotation(module, project, inner)
    return module.qualified(annotation) in SYNC_SESSIONS


@check(SYNC_CLIENT, defers_to=("ASYNC2*",))
def sync_client_in_async(module: PyModule, project: Project) -> Iterator[Hit]:
    for function in module.functions():
        if not isinstance(function, ast.AsyncFunctionDef):
            continue
        arguments = (
            function.args.posonlyargs + function.args.args + function.args.kwonlyargs
        )
        for argument in arguments:
            if _sync_session_annotation(module, project, argument.annotation):
                yield (
                    argument,
                    (
                        f"async def {function.name}() takes a sync Session ({argument.arg}): "
                        "every query blocks the event loop; use an AsyncSession"
                    ),
                )
        for node in walk_function(function):
            if isinstance(node, ast.Call):
                name = module.called(node)
                if name.startswith(SYNC_CALLS) or name in SYNC_CALLS:
                    yield (
                        node,
                        (
                            f"{name}() inside async def {function.name}() blocks the event loop; "
                            "use its async counterpart or asyncio.to_thread"
                        ),
                    )


@check(SYNC_ROUTE)
def sync_route(module: PyModule, project: Project) -> Iterator[Hit]:
    for function, decorator in module.routes():
        if isinstance(function, ast.FunctionDef):
            path = ast.literal_eval(decorator.args[0])
            method = ast.unparse(decorator.func).rsplit(".", 1)[-1].upper()
            yield (
                function,
                f"route handler {function.name}() ({method} {path}) is a def: "
                "it runs in a threadpool thread; make it async def",
            )


@check(CACHED_COROUTINE, defers_to=("B019",))
def cache_request_data(module: PyModule, project: Project) -> Iterator[Hit]:
    for function in module.functions():
        for decorator in function.decorator_list:
            name = module.qualified(decorator)
            if name not in CACHES:
                continue
            if isinstance(function, ast.AsyncFunctionDef):
                yield (
                    decorator,
                    (
                        f"@{name.rsplit('.', 1)[-1]} on async def {function.name}(): it caches the "
                        "coroutine object, which can be awaited only once"
                    ),
                )
                continue
            arguments = [a.arg for a in function.args.args + function.args.kwonlyargs]
            taken = sorted(REQUEST_DATA & set(arguments))
            if taken:
                yield (
                    decorator,
                    (
                        f"@{name.rsplit('.', 1)[-1]} on {function.name}(), which takes {', '.join(taken)}: "
                        "request data must never be memoised in-process"
                    ),
                )
