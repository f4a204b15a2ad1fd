"""Which tests are the tests of the code a page quotes (`task check`)."""

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from handbook.content.docs_tree import REPO_ROOT
from handbook.content.locations import LocatedError
from handbook.content.snippet_sections import sections_in
from handbook.tools import page_tests
from handbook.tools.page_tests import QuotedCode, QuotedName, quote

# The sources below spell a section's markers <start:name> and <end:name>;
# they are written out as real ones. Spelt out here, they would be sections
# of this file that no page quotes.
MARKER = "--8<" + "-- [{kind}:{name}]"


def _source(text: str) -> str:
    return re.sub(
        r"<(start|end):([a-z][-a-z0-9]*)>",
        lambda found: MARKER.format(kind=found[1], name=found[2]),
        textwrap.dedent(text),
    )


CONFIG = REPO_ROOT / "snippets/shop/core/config.py"
MAIN = REPO_ROOT / "snippets/shop/core/main.py"
TEST_APP = REPO_ROOT / "tests/service/test_app.py"
TEST_SETTINGS = REPO_ROOT / "tests/service/test_settings.py"

CORS_ORIGINS = QuotedName("cors_origins", "shop.core.config", member=True, setting=True)
CREATE_APP = QuotedName("create_app", "shop.core.main", member=False, setting=False)
ORDER_ITEMS = QuotedName("items", "shop.orders.schemas", member=True, setting=False)


WriteTestModule = Callable[[str], Path]


@pytest.fixture
def test_module(tmp_path: Path) -> WriteTestModule:
    """Write a test module of the given source; return its path."""

    def write(source: str) -> Path:
        path = tmp_path / f"test_case_{len(list(tmp_path.iterdir()))}.py"
        path.write_text(_source(source), encoding="utf-8")
        return path

    return write


def _selected(quoted: QuotedCode, *modules: Path) -> set[str]:
    return {t.qualname for t in page_tests.tests_of(quoted, modules)}


def test_a_quoted_settings_field_is_the_field_not_its_class() -> None:
    quoted = quote([(CONFIG, "cors-origins")])

    assert {n.name for n in quoted.names} == {"cors_origins"}


def test_a_quoted_class_is_the_class_not_its_methods() -> None:
    # The section is the whole CursorCodec class: its tests name the class,
    # not necessarily `encode` or `decode`, which other classes define too.
    quoted = quote([(REPO_ROOT / "snippets/shop/shared/pagination.py", "cursor-codec")])

    assert {n.name for n in quoted.names} == {"CursorCodec"}


def test_a_quoted_fragment_of_a_function_is_what_it_uses() -> None:
    # main.py:cors adds the CORS middleware inside create_app(): it defines
    # nothing, so its tests are those of the middleware and the setting.
    quoted = quote([(MAIN, "cors")])

    names = {n.name for n in quoted.names}
    assert {"JsonCORSMiddleware", "cors_origins"} <= names
    assert "create_app" not in names
    # `settings` there is a local variable; the name of AppState's member
    # `settings` is a coincidence, as a member is read as an attribute.
    assert "settings" not in names


def test_a_settings_field_is_named_by_attribute_keyword_or_environment_variable() -> (
    None
):
    quoted = quote([(CONFIG, "cors-origins")])

    selected = _selected(quoted, TEST_SETTINGS)

    # `settings.cors_origins == (...)` after a .env line `CORS_ORIGINS=[...]`.
    assert "test_settings_are_read_from_dotenv_in_the_current_directory" in selected
    # `{"cors_origins": ...}` as a keyword set.
    assert (
        "test_a_cors_origin_no_browser_sends_stops_start_up_showing_what_to_write"
        in (selected)
    )
    assert "test_libpq_sslmode_becomes_asyncpgs_ssl_parameter" not in selected


def test_an_environment_variable_in_a_mapping_names_the_field(
    test_module: WriteTestModule,
) -> None:
    module = test_module(
        """
        def test_the_server_allows_the_origin(serve):
            serve(env={"CORS_ORIGINS": '["https://shop.example"]'})

        def test_the_server_starts(serve):
            serve(env={"DATABASE_URL": "postgresql://shop@db/shop"})

        def test_the_dotenv_allows_the_origin(tmp_path):
            (tmp_path / ".env").write_text('LOG_LEVEL=INFO\\nCORS_ORIGINS=["https://shop.example"]\\n')
        """
    )

    selected = _selected(QuotedCode(names={CORS_ORIGINS}), module)

    assert selected == {
        "test_the_server_allows_the_origin",
        "test_the_dotenv_allows_the_origin",
    }


def test_a_module_level_name_counts_only_where_its_module_is_imported(
    test_module: WriteTestModule,
) -> None:
    imported = test_module(
        """
        from shop.core.main import create_app

        def test_the_app_builds():
            create_app()
        """
    )
    by_string = test_module(
        """
        def test_uvicorn_serves_the_factory(run):
            run("uvicorn", "--factory", "shop.core.main:create_app")
        """
    )
    unrelated = test_module(
        """
        from tests.checker.fixtures import create_app

        def test_a_checker_fixture_has_its_own_create_app():
            create_app()
        """
    )

    quoted = QuotedCode(names={CREATE_APP})

    assert _selected(quoted, imported) == {"test_the_app_builds"}
    assert _selected(quoted, by_string) == {"test_uvicorn_serves_the_factory"}
    assert _selected(quoted, unrelated) == set()


def test_a_class_member_counts_only_where_its_module_is_imported(
    test_module: WriteTestModule,
) -> None:
    imported = test_module(
        """
        from shop.orders.schemas import OrderCreate

        def test_an_order_needs_an_item():
            OrderCreate(items=[])
        """
    )
    elsewhere = test_module(
        """
        from shop.users.schemas import UserCreate

        def test_a_page_of_users_has_items(page):
            assert page.items
        """
    )

    quoted = QuotedCode(names={ORDER_ITEMS})

    assert _selected(quoted, imported) == {"test_an_order_needs_an_item"}
    assert _selected(quoted, elsewhere) == set()


def test_a_settings_field_by_its_own_name_counts_only_in_a_test_of_the_service(
    test_module: WriteTestModule,
) -> None:
    service = test_module(
        """
        from shop.core.main import create_app

        def test_the_origin_is_allowed(settings):
            create_app(settings.model_copy(update={"cors_origins": ("https://a.example",)}))
        """
    )
    elsewhere = test_module(
        """
        def test_a_checker_rule_reads_its_own_cors_origins(config):
            assert config["cors_origins"]
            assert config["database"] == "shop"
        """
    )

    quoted = QuotedCode(names={CORS_ORIGINS})

    assert _selected(quoted, service) == {"test_the_origin_is_allowed"}
    assert _selected(quoted, elsewhere) == set()


def test_a_test_reaches_the_code_through_its_own_modules_fixtures_and_helpers(
    test_module: WriteTestModule,
) -> None:
    module = test_module(
        """
        import pytest

        from shop.core.config import Settings

        def _settings_for(origin):
            return {"cors_origins": (origin,)}

        @pytest.fixture
        def shop_origin_allowed(monkeypatch):
            monkeypatch.setattr("shop.core.config.DEFAULTS", _settings_for("https://shop.example"))

        def test_the_shop_origin_is_allowed(shop_origin_allowed, client):
            response = client.options("/orders", headers={"Origin": "https://shop.example"})
            assert response.status_code == 200

        def test_something_else(settings: Settings):
            assert settings
        """
    )

    selected = _selected(QuotedCode(names={CORS_ORIGINS}), module)

    assert selected == {"test_the_shop_origin_is_allowed"}


def test_a_quoted_test_runs_without_the_rest_of_its_module() -> None:
    quoted = quote([(TEST_APP, "cors-configured-origin")])

    selected = _selected(quoted, TEST_APP)

    assert "test_cors_allows_the_configured_origin_only" in selected
    assert "test_a_browser_may_send_a_request_id_and_read_it_and_retry_after" not in (
        selected
    )


def test_a_quoted_config_file_selects_the_tests_that_name_it(
    test_module: WriteTestModule,
) -> None:
    module = test_module(
        """
        from pathlib import Path

        EXAMPLE = Path("snippets") / ".env.example"

        def test_the_example_documents_every_setting():
            assert EXAMPLE.read_text()

        def test_unrelated():
            assert Path("README.md").read_text()
        """
    )
    by_path = test_module(
        """
        def test_the_quick_start_copies_the_example(run):
            run("cp", "snippets/.env.example", ".env")
        """
    )
    quoted = quote([(REPO_ROOT / "snippets/.env.example", "jwt-secret")])

    assert _selected(quoted, module) == {"test_the_example_documents_every_setting"}
    assert _selected(quoted, by_path) == {"test_the_quick_start_copies_the_example"}


def test_a_method_of_a_test_class_is_selected_by_its_qualified_name(
    test_module: WriteTestModule,
) -> None:
    module = test_module(
        """
        from shop.core.main import create_app

        class TestTheApp:
            def test_builds(self):
                create_app()
        """
    )

    selected = _selected(QuotedCode(names={CREATE_APP}), module)

    assert selected == {"TestTheApp.test_builds"}


def test_a_section_that_does_not_exist_names_the_file() -> None:
    with pytest.raises(LocatedError, match=r"config\.py:1: no section 'cors-origin'"):
        quote([(CONFIG, "cors-origin")])


def test_a_whole_test_module_included_runs_all_its_tests() -> None:
    selected = _selected(quote([(TEST_APP, None)]), TEST_APP)

    assert "test_cors_allows_the_configured_origin_only" in selected
    assert "test_a_browser_may_send_a_request_id_and_read_it_and_retry_after" in (
        selected
    )


@pytest.fixture
def service_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, str], Path]:
    """Write a module of a service in a folder of its own, the service's
    import root for the test; return its path."""
    monkeypatch.setattr(page_tests, "SERVICE_ROOT", tmp_path / "service")

    def write(name: str, source: str) -> Path:
        path = tmp_path / "service" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_source(source), encoding="utf-8")
        return path

    return write


def test_a_section_may_start_below_the_decorator(
    service_module: Callable[[str, str], Path],
) -> None:
    prices = service_module(
        "prices.py",
        """
        import functools

        @functools.cache
        # <start:price-list>
        def price_list() -> dict[str, int]:
            return {"SKU-1": 1200}
        # <end:price-list>
        """,
    )

    assert {n.name for n in quote([(prices, "price-list")]).names} == {"price_list"}


def test_a_settings_class_is_told_from_a_model_by_its_base(
    service_module: Callable[[str, str], Path],
) -> None:
    config = service_module(
        "config.py",
        """
        from pydantic import BaseModel
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            # <start:cors-origins>
            cors_origins: tuple[str, ...] = ()
            # <end:cors-origins>

        class OrderCreate(BaseModel):
            # <start:items>
            items: list[str]
            # <end:items>
        """,
    )

    [cors_origins] = quote([(config, "cors-origins")]).names
    [items] = quote([(config, "items")]).names

    assert (cors_origins.name, cors_origins.setting) == ("cors_origins", True)
    assert (items.name, items.setting) == ("items", False)


def test_a_quoted_dunder_method_stands_for_its_class(
    service_module: Callable[[str, str], Path],
) -> None:
    middleware = service_module(
        "middleware.py",
        """
        class RequestIdMiddleware:
            def __init__(self, app):
                self.app = app

            # <start:call>
            async def __call__(self, scope, receive, send):
                await self.app(scope, receive, send)
            # <end:call>
        """,
    )

    quoted = quote([(middleware, "call")])

    assert {(n.name, n.member) for n in quoted.names} == {
        ("RequestIdMiddleware", False)
    }


def test_a_package_init_is_the_package(
    service_module: Callable[[str, str], Path], test_module: WriteTestModule
) -> None:
    catalog = service_module("catalog/__init__.py", "MAX_PRICE_CENTS = 1_000_000\n")
    module = test_module(
        """
        from catalog import MAX_PRICE_CENTS

        def test_a_price_above_the_maximum_is_refused(client):
            assert MAX_PRICE_CENTS
        """
    )

    quoted = quote([(catalog, None)])

    assert {(n.name, n.module) for n in quoted.names} == {
        ("MAX_PRICE_CENTS", "catalog")
    }
    assert _selected(quoted, module) == {"test_a_price_above_the_maximum_is_refused"}


def test_a_module_imported_from_its_package_counts(
    test_module: WriteTestModule,
) -> None:
    module = test_module(
        """
        from shop.core import main

        def test_the_app_builds():
            main.create_app()
        """
    )

    assert _selected(QuotedCode(names={CREATE_APP}), module) == {"test_the_app_builds"}


ORDERS_ROUTER = """
    from fastapi import APIRouter

    ORDERS = "/orders"
    router = APIRouter(prefix=ORDERS)
    users: APIRouter = APIRouter(tags=["users"])
    cache = ResponseCache(prefix="/orders")

    # <start:read-order>
    @router.get("/{order_id}")
    async def read_order(order_id: int):
        # <start:etag>
        etag = f'"{order_id}"'
        # <end:etag>
        return {"id": order_id, "etag": etag}
    # <end:read-order>

    # <start:list-orders>
    @router.get("")
    async def list_orders(limit: int = 20):
        return []
    # <end:list-orders>

    # <start:order-items>
    @router.get(path="/{order_id}/items")
    async def list_order_items(order_id: int):
        return []
    # <end:order-items>

    # <start:cached-order>
    @cache.get("/{order_id}")
    def cached_order(order_id: int):
        return None
    # <end:cached-order>

    # <start:register>
    @users.post("/users")
    async def register():
        return {}
    # <end:register>
"""

REQUESTS = """
    import httpx

    ORDERS = "/orders"

    async def test_an_order_is_read_back(client, order):
        response = await client.get(f"/orders/{order['id']}?fields=total")
        assert response.status_code == 200

    async def test_the_listing_pages(client):
        response = await client.get("/orders?limit=2")
        assert response.status_code == 200

    async def test_an_order_cannot_be_deleted(client, order):
        response = await client.delete(f"/orders/{order['id']}")
        assert response.headers.get("allow") == "GET, HEAD"

    async def test_a_placed_order_has_a_location(client):
        response = await client.post("/orders", json={"items": []})
        assert response.headers["location"] == f"/orders/{response.json()['id']}"

    async def test_head_answers_as_get_does(client):
        response = await client.head("/orders/7")
        assert response.headers["etag"]

    def test_the_running_server_serves_an_order(server):
        response = httpx.get(f"http://127.0.0.1:{server.port}/orders/7")
        assert response.status_code == 200

    async def test_a_path_built_from_a_constant(client):
        response = await client.get(f"{ORDERS}/7/")
        assert response.status_code == 200

    async def test_a_request_by_method_name(client):
        response = await client.request("GET", ORDERS + "/7")
        assert response.status_code == 200

    async def test_the_items_of_an_order(client):
        response = await client.get("/orders/7/items")
        assert response.status_code == 200

    async def test_an_empty_order_id_reaches_no_items(client):
        response = await client.get("/orders//items")
        assert response.status_code == 404

    async def test_a_user_registers(client):
        response = await client.post("/users", json={"email": "ada@example.com"})
        assert response.status_code == 201
"""


@pytest.mark.parametrize(
    ("section", "requested_by"),
    [
        (
            "read-order",
            {
                "test_an_order_is_read_back",
                "test_head_answers_as_get_does",
                "test_the_running_server_serves_an_order",
                "test_a_path_built_from_a_constant",
                "test_a_request_by_method_name",
            },
        ),
        # A fragment of a handler is requested with it.
        (
            "etag",
            {
                "test_an_order_is_read_back",
                "test_head_answers_as_get_does",
                "test_the_running_server_serves_an_order",
                "test_a_path_built_from_a_constant",
                "test_a_request_by_method_name",
            },
        ),
        ("list-orders", {"test_the_listing_pages"}),
        ("order-items", {"test_the_items_of_an_order"}),
        # A decorator spelt like a route, of something not an APIRouter.
        ("cached-order", set()),
        # A router without a prefix, declared with a type.
        ("register", {"test_a_user_registers"}),
    ],
)
def test_a_route_handler_is_named_by_a_request_of_its_method_and_path(
    service_module: Callable[[str, str], Path],
    test_module: WriteTestModule,
    section: str,
    requested_by: set[str],
) -> None:
    router = service_module("orders.py", ORDERS_ROUTER)
    module = test_module(REQUESTS)

    assert _selected(quote([(router, section)]), module) == requested_by


def test_a_quoted_shared_fixture_selects_no_test_by_its_name(
    service_module: Callable[[str, str], Path], test_module: WriteTestModule
) -> None:
    service_module("support/__init__.py", "")
    fixtures = service_module(
        "support/fixtures.py",
        """
        import pytest

        # <start:rollback>
        @pytest.fixture
        async def session(connection):
            yield connection
        # <end:rollback>
        """,
    )
    module = test_module(
        """
        from support.fixtures import session

        async def test_a_user_is_saved(session):
            assert session
        """
    )

    quoted = quote([(fixtures, "rollback")])

    # Most tests request `session`: its own tests are the page's evidence.
    assert {n.name for n in quoted.names} == {"session"}
    assert _selected(quoted, module) == set()


def test_a_quoted_test_includes_its_decorators(test_module: WriteTestModule) -> None:
    module = test_module(
        """
        import pytest

        # <start:status-codes>
        @pytest.mark.parametrize("status", [200, 304])
        # <end:status-codes>
        def test_a_cacheable_status_keeps_its_etag(status):
            assert status

        def test_another():
            assert True
        """
    )

    [section] = sections_in(module)
    quoted = QuotedCode(
        test_sections={module: [(section.start_line, section.end_line)]}
    )

    assert _selected(quoted, module) == {"test_a_cacheable_status_keeps_its_etag"}


def test_a_script_is_named_by_its_name(
    service_module: Callable[[str, str], Path], test_module: WriteTestModule
) -> None:
    script = service_module(
        "scripts/load_models.py",
        """
        def tables():
            return ["users", "orders"]
        """,
    )
    module = test_module(
        """
        from tests.support.shop_fixtures import load_script

        load_models = load_script("load_models")

        def test_every_table_is_listed():
            assert load_models.tables()

        def test_another():
            assert True
        """
    )
    imported = test_module(
        """
        from load_models import tables

        def test_the_orders_table_is_listed():
            assert "orders" in tables()
        """
    )

    quoted = quote([(script, None)])

    assert _selected(quoted, module) == {"test_every_table_is_listed"}
    # Imported by its own name, with its folder on the path.
    assert _selected(quoted, imported) == {"test_the_orders_table_is_listed"}


def test_a_package_is_not_named_by_the_file_name_every_package_has(
    service_module: Callable[[str, str], Path],
) -> None:
    package = service_module("throwaway/__init__.py", "PORT = 5432\n")

    assert "__init__.py" not in quote([(package, None)]).file_names


def test_a_fragment_reads_an_imported_modules_definitions_as_attributes(
    service_module: Callable[[str, str], Path],
) -> None:
    service_module("shop/__init__.py", "")
    service_module("shop/users/__init__.py", "")
    service_module(
        "shop/users/security.py",
        """
        def create_access_token(subject):
            return subject
        """,
    )
    users = service_module(
        "shop/users/service.py",
        """
        from shop.users import security

        class UserService:
            def token_for(self, user):
                # <start:token>
                return security.create_access_token(str(user.id))
                # <end:token>
        """,
    )

    quoted = quote([(users, "token")])

    assert ("create_access_token", "shop.users.security") in {
        (n.name, n.module) for n in quoted.names
    }
