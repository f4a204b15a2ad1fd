"""Evidence for STRUCT-SERVICE-LAYER: the rules live in services that know no HTTP."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

import shop
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.catalog.service import CatalogService
from shop.core.config import Settings
from shop.shared.cache import ResponseCache
from shop.shared.exceptions import ConflictError
from shop.shared.rate_limit import SharedRateLimiter
from shop.users.schemas import UserCreate
from shop.users.security import PasswordHasher
from shop.users.service import UserService
from shop.users.throttling import create_sign_in_throttle
from tests.support import import_graph
from tests.support.pages import prose
from tests.support.shop_fixtures import PASSWORD

PAGE = DOCS_DIR / "principles" / "structure" / "service-layer.md"
SOURCE = DOCS_DIR / "_data" / "source-document.md"
SHOP = Path(shop.__file__).parent


async def test_the_service_enforces_unique_emails_without_any_http(
    session: AsyncSession, settings: Settings
) -> None:
    # No request, no app: the service's collaborators are plain objects.
    service = UserService(
        session,
        PasswordHasher(concurrency=1, queue_timeout_seconds=10),
        ResponseCache(None, ttl_seconds=60),
        create_sign_in_throttle(SharedRateLimiter(None, timeout_seconds=1), settings),
    )
    password = SecretStr(PASSWORD)
    await service.register(
        UserCreate(email="ada@example.com", name="Ada", password=password),
        client="203.0.113.7",
    )

    with pytest.raises(ConflictError, match="Email already registered"):
        await service.register(
            UserCreate(email="Ada@Example.COM", name="Ada L.", password=password),
            client="203.0.113.7",
        )


def test_no_service_or_repository_imports_fastapi() -> None:
    graph = import_graph.build("shop", include_external_packages=True)
    modules = sorted(
        module
        for module in graph.modules
        if module.startswith("shop.") and module.endswith((".service", ".repository"))
    )
    assert len(modules) >= 4
    # Not directly, nor through any module they import: every import
    # statement, inside functions too.
    chains = {
        (module, web): graph.find_shortest_chain(importer=module, imported=web)
        for module in modules
        for web in ("fastapi", "starlette")
    }
    assert {key: chain for key, chain in chains.items() if chain} == {}
    # And at run time: importing them in a fresh interpreter loads neither.
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {', '.join(modules)}; "
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette'}))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert loaded == "[]\n"
    assert (
        "no `service.py` or `repository.py` in the service imports FastAPI,"
        " directly or through another module" in prose(PAGE)
    )


def test_the_sources_example_uses_a_get_user_service_it_never_defines() -> None:
    source = SOURCE.read_text()
    example = source[source.index("## Example Implementation") :]

    assert "Depends(get_user_service)" in example
    assert "def get_user_service" not in source
    assert "User(**data.model_dump())" in example
    assert "its router depends on a `get_user_service` that it never defines" in prose(
        PAGE
    )


async def test_the_catalog_lists_products_through_its_service_without_any_http(
    session: AsyncSession, add_products: Any
) -> None:
    await add_products({"MUG-BLUE": 1250, "MUG-RED": 1300, "TEA-GREEN": 450})

    first = await CatalogService(session).list_after(0, 2)
    rest = await CatalogService(session).list_after(first[-1].id, 2)

    assert [p.sku for p in [*first, *rest]] == ["MUG-BLUE", "MUG-RED", "TEA-GREEN"]
    assert "the catalog's `GET /products` calls `CatalogService`" in prose(PAGE)


def test_the_pages_search_for_database_access_in_routers_finds_nothing() -> None:
    command = 'grep -n "repository\\|sqlalchemy\\|get_db" snippets/shop/*/router.py'
    result = subprocess.run(  # a fixed command, the page's own
        ["/bin/sh", "-c", command], cwd=REPO_ROOT, capture_output=True, text=True
    )

    assert result.returncode == 1, result.stdout  # grep: no line matched
    assert result.stdout == ""
    assert f"`{command}`" in prose(PAGE)


# --8<-- [start:rule-in-the-route]
# --8<-- [start:lead-rule-in-the-route]
users: dict[str, str] = {}  # stands for the users table
rule_in_route_app = FastAPI()


@rule_in_route_app.post("/users", status_code=201)
async def register(email: str, name: str) -> dict[str, str]:
    if email.lower() in users:  # the rule lives in the route...
        raise HTTPException(status_code=409, detail="Email already registered")
    users[email.lower()] = name
    return {"email": email.lower()}


def import_customers(rows: list[tuple[str, str]]) -> None:
    """The nightly CSV import: a second way in, which never saw the rule."""
    for email, name in rows:
        users[email] = name
    # --8<-- [end:lead-rule-in-the-route]


async def test_a_rule_in_the_route_is_skipped_by_the_nightly_import() -> None:
    users.clear()
    transport = ASGITransport(app=rule_in_route_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        ada = {"email": "ada@example.com", "name": "Ada"}
        assert (await client.post("/users", params=ada)).status_code == 201
        assert (await client.post("/users", params=ada)).status_code == 409
    import_customers([("Ada@Example.com", "Ada Lovelace")])

    # Two accounts for one person: the import never asked the route.
    assert sorted(users) == ["Ada@Example.com", "ada@example.com"]
    # --8<-- [end:rule-in-the-route]
