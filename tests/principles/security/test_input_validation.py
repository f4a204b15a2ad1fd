"""Evidence for SEC-INPUT: inputs are validated to what the service can store.

Each test reproduces a claim docs/principles/security/input-validation.md
makes, against a real PostgreSQL and the service's published JSON Schema.
"""

import json
import re
import shutil
import subprocess
import unicodedata
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field, StringConstraints, TypeAdapter, ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from handbook.content.docs_tree import DOCS_DIR
from shop.catalog import schemas as catalog_schemas
from shop.core.json_body import DUPLICATE_KEY_MESSAGE
from shop.orders import schemas as orders_schemas
from shop.orders.schemas import Sku
from shop.shared.text import DISPLAY_TEXT_PATTERN, display_text
from shop.users import schemas as users_schemas
from shop.users.schemas import Email, SignInForm
from tests.support.pages import prose
from tests.support.shop_fixtures import assert_error

PAGE = DOCS_DIR / "principles" / "security" / "input-validation.md"

# Unicode's control characters: C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F).
CONTROLS = [
    chr(code) for code in range(0x100) if unicodedata.category(chr(code)) == "Cc"
]
C0_AND_DEL = [*map(chr, range(0x20)), "\x7f"]


@pytest.mark.parametrize(
    ("bad", "refusal"),
    [
        ("\x00", 'invalid byte sequence for encoding "UTF8": 0x00'),
        ("\ud800", "surrogate"),
    ],
    ids=["nul", "lone-surrogate"],
)
async def test_postgresql_refuses_what_a_plain_str_accepts(
    connection: AsyncConnection, bad: str, refusal: str
) -> None:
    await connection.execute(text("CREATE TEMP TABLE notes (body text)"))

    with pytest.raises(DBAPIError, match=refusal):
        async with connection.begin_nested():
            await connection.execute(
                text("INSERT INTO notes (body) VALUES (:body)"), {"body": f"Mug{bad}"}
            )
    assert "PostgreSQL refuses both" in prose(PAGE)


def _string(spec: dict[str, Any]) -> dict[str, Any]:
    """The string branch of a property (``X | None`` is an ``anyOf``)."""
    options: list[dict[str, Any]] = spec.get("anyOf", [spec])
    for option in options:
        if option.get("type") == "string":
            return option
    raise AssertionError(spec)


# Request fields the service never stores, each with the reason; every other
# string in a request body must be bounded and shaped.
NOT_STORED = {
    ("SignInForm", "grant_type"): "the constant 'password', and never read",
    ("SignInForm", "scope"): "there for OpenAPI's Authorize button, never read",
}


def _refs(node: object) -> set[str]:
    """The names of the component schemas ``node`` refers to, at any depth."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _typed(spec: dict[str, Any], types: set[str]) -> list[dict[str, Any]]:
    """Every schema of one of ``types`` in a property: itself, its ``anyOf``
    options, the items of an array or the values of a mapping (not through
    a ``$ref``, which is a model of its own)."""
    found = [spec] if spec.get("type") in types else []
    nested = [
        *spec.get("anyOf", []),
        *spec.get("oneOf", []),
        *spec.get("prefixItems", []),
        *(
            spec[key]
            for key in ("items", "additionalProperties")
            if isinstance(spec.get(key), dict)
        ),
    ]
    return found + [typed for option in nested for typed in _typed(option, types)]


def _strings(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every string schema in a property."""
    return _typed(spec, {"string"})


def request_models(openapi: dict[str, Any]) -> set[str]:
    """The names of every model a request body can hold, nested ones included."""
    schemas = openapi["components"]["schemas"]
    bodies = [
        media["schema"]
        for operations in openapi["paths"].values()
        for operation in operations.values()
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]
    # FastAPI names every body model; an inline object would escape the walk.
    assert all("$ref" in body for body in bodies), bodies
    models: set[str] = set()
    pending = _refs(bodies)
    while pending:
        model = pending.pop()
        models.add(model)
        pending |= _refs(schemas[model]) - models
    return models


def request_fields(
    openapi: dict[str, Any], types: set[str]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The schemas of ``types`` in every property of every request model,
    by (model, field)."""
    schemas = openapi["components"]["schemas"]
    return {
        (model, field): typed
        for model in sorted(request_models(openapi))
        for field, spec in schemas[model].get("properties", {}).items()
        if (typed := _typed(spec, types))
    }


def request_strings(
    openapi: dict[str, Any],
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every string property of every model a request body can hold, nested
    models included, by (model, field)."""
    return request_fields(openapi, {"string"})


def test_every_stored_request_string_is_bounded_and_shaped_in_the_schema(
    app: FastAPI,
) -> None:
    openapi = app.openapi()
    schemas = openapi["components"]["schemas"]
    strings = request_strings(openapi)

    # The walk reaches the fields the service stores, a nested model's too.
    assert {
        ("UserCreate", "email"),
        ("UserCreate", "name"),
        ("UserCreate", "password"),
        ("UserUpdate", "name"),
        ("UserUpdate", "password"),
        ("OrderItemCreate", "sku"),
    } <= strings.keys()
    assert NOT_STORED.keys() <= strings.keys(), "a stale NOT_STORED entry"
    unbounded = [
        where
        for where, specs in strings.items()
        if where not in NOT_STORED
        for spec in specs
        if "maxLength" not in spec or not {"pattern", "format"} & spec.keys()
    ]
    assert unbounded == [], "request strings without maxLength and pattern/format"
    for model in ("UserCreate", "UserUpdate"):
        assert _string(schemas[model]["properties"]["name"])["pattern"] == (
            DISPLAY_TEXT_PATTERN
        )
    # Every published pattern refuses a NUL byte and surrounding whitespace
    # where the page says so.
    patterns = [
        _string(schemas["OrderItemCreate"]["properties"]["sku"])["pattern"],
        _string(schemas["SignInForm"]["properties"]["username"])["pattern"],
        DISPLAY_TEXT_PATTERN,
    ]
    for pattern in patterns:
        assert not re.search(str(pattern), "Mug\x00"), pattern
    assert not re.search(DISPLAY_TEXT_PATTERN, " Ada")
    assert re.search(DISPLAY_TEXT_PATTERN, "Ada Lovelace")
    assert "every string property a request stores has a `maxLength`" in prose(PAGE)


def test_the_walk_finds_strings_nested_in_arrays_options_and_models() -> None:
    openapi: dict[str, Any] = {
        "paths": {
            "/notes": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Note"}
                            }
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Note": {
                    "properties": {
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "title": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "labels": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        },
                        "author": {"$ref": "#/components/schemas/Author"},
                        "count": {"type": "integer"},
                    }
                },
                "Author": {"properties": {"name": {"type": "string"}}},
            }
        },
    }

    assert sorted(request_strings(openapi)) == [
        ("Author", "name"),
        ("Note", "labels"),
        ("Note", "tags"),
        ("Note", "title"),
    ]
    assert sorted(request_fields(openapi, {"integer", "number"})) == [("Note", "count")]


# The modules that define the request models; a model elsewhere fails the walk.
SCHEMA_MODULES = (catalog_schemas, orders_schemas, users_schemas)
# What a JSON client may send for a number: JSON Schema's integer refuses
# true and "2" (pydantic's lax int took them as 1 and 2) and accepts 2.0.
NUMBER_CANDIDATES = [True, False, "2", "2.5", 2, 2.0, 2.5, None, [2]]


def _pydantic_accepts(model: type[BaseModel], field: str, value: object) -> bool:
    """Whether ``model`` finds nothing wrong with ``value`` in ``field``.

    Validated as FastAPI validates a body: the decoded JSON, in Python mode.
    The other fields are missing; only errors at ``field`` count.
    """
    try:
        model.model_validate(json.loads(json.dumps({field: value})))
    except ValidationError as error:
        return not any(problem["loc"][:1] == (field,) for problem in error.errors())
    return True


def test_every_request_number_accepts_exactly_what_its_json_schema_does(
    app: FastAPI,
) -> None:
    openapi = app.openapi()
    numbers = request_fields(openapi, {"integer", "number"})
    models = {
        name: model
        for module in SCHEMA_MODULES
        for name, model in vars(module).items()
        if isinstance(model, type) and issubclass(model, BaseModel)
    }

    assert ("OrderItemCreate", "quantity") in numbers
    for model, field in numbers:
        published = Draft202012Validator(
            openapi["components"]["schemas"][model]["properties"][field]
        )
        disagreements = [
            value
            for value in NUMBER_CANDIDATES
            if published.is_valid(value)
            != _pydantic_accepts(models[model], field, value)
        ]
        assert disagreements == [], (model, field)


def test_a_lax_int_takes_true_and_text_and_a_strict_one_refuses_2_0() -> None:
    """Why neither of pydantic's own ints: each disagrees with the schema."""

    class Lax(BaseModel):
        quantity: int

    class Strict(BaseModel):
        quantity: int = Field(strict=True)

    integer = Draft202012Validator({"type": "integer"})
    assert Lax.model_validate({"quantity": True}).quantity == 1
    assert Lax.model_validate({"quantity": "2"}).quantity == 2
    assert not integer.is_valid(True)
    assert not integer.is_valid("2")
    with pytest.raises(ValidationError):
        Strict.model_validate_json('{"quantity": 2.0}')
    with pytest.raises(ValidationError):
        Strict.model_validate({"quantity": 2.0})
    assert integer.is_valid(2.0)
    page = prose(PAGE)
    assert "`strict=True` disagrees the other way: it refuses `2.0`" in page
    assert "Request-body integers are `JsonInt`" in page


# --- one meaning in every regex engine that reads the pattern ---------------------------

# Every Unicode scalar value: code points minus the surrogates, which no
# UTF-8 text can hold (the service refuses them before any pattern runs).
CODE_POINTS = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
# Where the character stands in the tested string.
SHAPES = {"alone": "{}", "first": "{}a", "last": "a{}", "inside": "a{}a"}
BIDI_FORMATTING = {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}
# ALM, LRM, RLM: invisible, and they reorder neighbouring text too.
BIDI_MARKS = {0x061C, 0x200E, 0x200F}
# Zero-width space, non-joiner and joiner, and the byte order mark.
INVISIBLE = {0x200B, 0x200C, 0x200D, 0xFEFF}

NODE_SCRIPT = r"""
const [pattern, flags] = process.argv.slice(1);
const re = new RegExp(pattern, flags);
const shapes = {alone: c => c, first: c => c + "a", last: c => "a" + c, inside: c => "a" + c + "a"};
const refused = {};
for (const [name, make] of Object.entries(shapes)) {
  refused[name] = [];
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (!re.test(make(String.fromCodePoint(cp)))) refused[name].push(cp);
  }
}
console.log(JSON.stringify(refused));
"""


def _never_anywhere(char: str) -> bool:
    """Controls, line and paragraph separators, bidirectional formatting."""
    return (
        unicodedata.category(char) in ("Cc", "Zl", "Zp")
        or unicodedata.bidirectional(char) in BIDI_FORMATTING
        or ord(char) in BIDI_MARKS
    )


def _not_at_an_edge(char: str) -> bool:
    return _never_anywhere(char) or char.isspace() or ord(char) in INVISIBLE


def _expected_refusals() -> dict[str, set[int]]:
    """What the page promises, from the Unicode database, not from the pattern."""
    anywhere = {c for c in CODE_POINTS if _never_anywhere(chr(c))}
    edges = {c for c in CODE_POINTS if _not_at_an_edge(chr(c))}
    return {"alone": edges, "first": edges, "last": edges, "inside": anywhere}


def _ecma_refusals(flags: str) -> dict[str, set[int]]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the ECMA-262 check: apt-get install nodejs"
    result = subprocess.run(  # our own script and the service's pattern
        [node, "-e", NODE_SCRIPT, DISPLAY_TEXT_PATTERN, flags],
        capture_output=True,
        text=True,
        check=True,
    )
    return {shape: set(cps) for shape, cps in json.loads(result.stdout).items()}


def _pydantic_refusals() -> dict[str, set[int]]:
    names = TypeAdapter(list[Annotated[str, display_text(10)]])
    refused: dict[str, set[int]] = {}
    for shape, template in SHAPES.items():
        values = [template.format(chr(c)) for c in CODE_POINTS]
        try:
            names.validate_python(values)
            refused[shape] = set()
        except ValidationError as error:
            # A list's errors are located by item index (int); pydantic types loc as str | int.
            refused[shape] = {CODE_POINTS[e["loc"][0]] for e in error.errors()}  # type: ignore[index]
    return refused


def _python_re_refusals() -> dict[str, set[int]]:
    pattern = re.compile(DISPLAY_TEXT_PATTERN)
    return {
        shape: {
            c for c in CODE_POINTS if not pattern.fullmatch(template.format(chr(c)))
        }
        for shape, template in SHAPES.items()
    }


def _differences(
    refused: dict[str, set[int]], expected: dict[str, set[int]]
) -> dict[str, list[str]]:
    """The code points an engine gets wrong, by shape: empty when it agrees."""
    return {
        shape: [f"U+{c:04X}" for c in sorted(refused[shape] ^ expected[shape])]
        for shape in SHAPES
        if refused[shape] != expected[shape]
    }


def test_the_display_text_pattern_means_the_same_in_every_engine_for_every_code_point() -> (
    None
):
    expected = _expected_refusals()

    # ECMA-262 is what a JSON Schema `pattern` means: with and without the
    # `u` flag, as validators differ on it.
    assert _differences(_ecma_refusals("u"), expected) == {}
    assert _differences(_ecma_refusals(""), expected) == {}
    # pydantic validates with its Rust regex engine.
    assert _differences(_pydantic_refusals(), expected) == {}
    assert _differences(_python_re_refusals(), expected) == {}
    # The leaks the old pattern had: C1 controls, bidi overrides, separators.
    for leak in (0x85, 0x9B, 0x202E, 0x2066, 0x2028, 0x2029):
        assert leak in expected["inside"], hex(leak)


def test_pythons_dollar_matches_before_a_final_line_feed_so_python_must_fullmatch() -> (
    None
):
    # re.search with `$`, as Python JSON Schema validators call it, would
    # accept one trailing line feed that ECMA-262 and pydantic refuse.
    assert re.search(DISPLAY_TEXT_PATTERN, "Ada\n")
    assert not re.fullmatch(DISPLAY_TEXT_PATTERN, "Ada\n")
    with pytest.raises(ValidationError):
        TypeAdapter(Annotated[str, display_text(10)]).validate_python("Ada\n")


def test_backslash_s_means_something_else_in_ecma_262_than_in_python() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the ECMA-262 check: apt-get install nodejs"
    script = 'console.log(/^\\s$/u.test("\\uFEFF"))'

    ecma = subprocess.run([node, "-e", script], capture_output=True, text=True)

    assert ecma.stdout.strip() == "true"
    assert not re.fullmatch(r"\s", "\ufeff")
    with pytest.raises(ValidationError):
        TypeAdapter(Annotated[str, StringConstraints(pattern=r"^\s$")]).validate_python(
            "\ufeff"
        )
    assert "(ECMA-262 counts U+FEFF as white space, for one)" in prose(PAGE)


async def test_starlettes_slash_redirect_sends_a_post_body_to_the_host_header() -> None:
    # FastAPI's default, redirect_slashes=True, with no service code at all.
    app = FastAPI()

    @app.post("/users")
    async def register(body: dict[str, str]) -> dict[str, str]:
        return body

    sent_elsewhere: list[httpx.Request] = []

    async def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "evil.example":
            sent_elsewhere.append(request)
            return httpx.Response(204)
        return await ASGITransport(app=app).handle_async_request(request)

    transport = httpx.MockTransport(route)
    async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:
        response = await client.post(
            "http://shop.example/users/",
            json={
                "email": "ada@example.com",
                "password": "tea-for-two-12",  # pragma: allowlist secret
            },
            headers={"Host": "evil.example"},
        )

    assert response.history[0].status_code == 307
    assert response.history[0].headers["location"] == "http://evil.example/users"
    # The client followed, as a 307 asks: same method, same body, other host.
    [followed] = sent_elsewhere
    assert followed.method == "POST"
    assert b"tea-for-two-12" in followed.content


def test_the_service_makes_no_slash_redirect(app: FastAPI) -> None:
    assert app.router.redirect_slashes is False
    assert "`create_app` sets `app.router.redirect_slashes = False`" in prose(PAGE)


def _refused(adapter: TypeAdapter[Any], value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return True
    return False


async def test_skus_and_the_sign_in_username_refuse_what_the_page_says(
    client: httpx.AsyncClient,
) -> None:
    sku, email = TypeAdapter(Sku), TypeAdapter(Email)
    username = TypeAdapter(SignInForm.model_fields["username"].rebuild_annotation())
    c1 = [char for char in CONTROLS if char not in C0_AND_DEL]

    assert len(CONTROLS) == 65
    assert all(_refused(sku, f"MUG{char}") for char in CONTROLS)
    assert all(_refused(username, f"ada{char}@example.com") for char in C0_AND_DEL)
    # C1 passes the username: looked up, it is an unknown account...
    assert not any(_refused(username, f"ada{char}@example.com") for char in c1)
    sign_in = {"username": "ada\x85@example.com", "password": "a passphrase"}
    assert (await client.post("/auth/token", data=sign_in)).status_code == 401
    # ...because no account can be registered with any control character.
    assert all(_refused(email, f"ada{char}@example.com") for char in CONTROLS)
    assert "refuses the C0 controls and DEL, NUL among them, but not C1" in prose(PAGE)


# --- a key named twice ------------------------------------------------------------


class Registration(BaseModel):
    email: str


async def test_fastapi_keeps_the_last_value_of_a_key_named_twice() -> None:
    app = FastAPI()

    @app.post("/users")
    async def register(registration: Registration) -> Registration:
        return registration

    transport = ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        response = await client.post(
            "/users",
            content='{"email": "ada@example.com", "email": "eve@example.com"}',
            headers={"Content-Type": "application/json"},
        )

    assert response.status_code == 200
    assert response.json() == {"email": "eve@example.com"}
    assert "`request.json()` keeps the last without a word" in prose(PAGE)


def _json_bodies(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The model of every JSON request body, by (method, path)."""
    schemas = openapi["components"]["schemas"]
    return {
        (method.upper(), path): schemas[media["schema"]["$ref"].split("/")[-1]]
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for media_type, media in operation.get("requestBody", {})
        .get("content", {})
        .items()
        if media_type == "application/json"
    }


async def test_every_json_body_refuses_a_key_named_twice_at_any_depth(
    client: httpx.AsyncClient,
    alice: dict[str, Any],
    service_openapi: dict[str, Any],
) -> None:
    bodies = _json_bodies(service_openapi)
    assert set(bodies) == {
        ("POST", "/users"),
        ("PATCH", "/users/me"),
        ("POST", "/orders"),
    }
    headers = alice["headers"] | {"Content-Type": "application/json"}

    for (method, path), model in bodies.items():
        field = next(iter(model["properties"]))
        # At the top, and in an object in an array under it, where a check
        # of the top level alone would find nothing.
        for sent, place in [
            (f'{{"{field}": 1, "{field}": 2}}', f"body.{field}"),
            (f'{{"{field}": [{{"sku": 1, "sku": 2}}]}}', f"body.{field}.0.sku"),
        ]:
            response = await client.request(method, path, content=sent, headers=headers)

            error = assert_error(response, 422, "validation_error")
            assert error["details"] == [
                {
                    "field": place,
                    "message": DUPLICATE_KEY_MESSAGE,
                    "type": "json_duplicate_key",
                }
            ], (method, path, sent)
