"""Evidence for TEST-ORGANISATION: the suite is grouped by domain, and a complete
flow runs through the real API and database."""

import ast
import subprocess
import sys
from pathlib import Path

import yaml
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, Field

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.pages import prose
from tests.support.pytest_outcomes import outcomes
from tests.support.shop_fixtures import PASSWORD, ProductFactory

PAGE = DOCS_DIR / "principles" / "testing" / "test-organisation.md"
SERVICE_TESTS = REPO_ROOT / "tests" / "service"
TEA = {"sku": "TEA-001", "quantity": 2}


# --8<-- [start:complete-flow]
# --8<-- [start:lead-flow]
async def test_a_customer_registers_signs_in_orders_and_rereads_the_order(
    client: AsyncClient, add_products: ProductFactory
) -> None:
    await add_products({"TEA-001": 450})
    registered = await client.post(
        "/users",
        json={"email": "ada@example.com", "name": "Ada", "password": PASSWORD},
    )
    assert registered.status_code == 201

    signed_in = await client.post(
        "/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

    placed = await client.post("/orders", headers=auth, json={"items": [TEA]})
    assert placed.status_code == 201
    order = placed.json()
    assert order["total_cents"] == 2 * 450  # at the catalog's price
    # --8<-- [end:lead-flow]

    listed = await client.get("/orders", headers=auth)
    assert listed.json() == {"items": [order], "next_cursor": None}

    read = await client.get(placed.headers["location"], headers=auth)
    assert read.json() == order
    unchanged = await client.get(
        placed.headers["location"],
        headers={**auth, "If-None-Match": read.headers["etag"]},
    )
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    # --8<-- [end:complete-flow]


def _test_names(module: str) -> list[str]:
    tree = ast.parse((SERVICE_TESTS / module).read_text())
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]


ERROR_WORDS = (
    "422", "404", "401", "409", "requires", "rejected", "refused", "invalid", "wrong",
)  # fmt: skip


def _error_tests(names: list[str]) -> list[str]:
    return [name for name in names if any(word in name for word in ERROR_WORDS)]


def _domains() -> list[str]:
    """The service's domain packages: every package but the wiring and shared."""
    shop = REPO_ROOT / "snippets" / "shop"
    return sorted(
        path.name
        for path in shop.iterdir()
        if (path / "__init__.py").is_file() and path.name not in {"core", "shared"}
    )


def test_each_domain_has_its_own_api_test_module_with_error_paths() -> None:
    domains = _domains()
    assert {"users", "orders", "catalog"} <= set(domains)
    for domain in domains:
        module = f"test_{domain}_api.py"
        assert (SERVICE_TESTS / module).is_file(), (
            f"the {domain} domain has no tests/service/{module}"
        )
        names = _test_names(module)
        errors = _error_tests(names)
        assert errors, (module, names)
        assert len(names) > len(errors), (module, names)
        assert f"`tests/service/{module}`" in prose(PAGE)


def test_the_users_and_orders_modules_test_several_errors_and_flows() -> None:
    for module in ("test_users_api.py", "test_orders_api.py"):
        names = _test_names(module)
        errors = _error_tests(names)
        assert len(errors) >= 3, (module, names)
        assert len(names) - len(errors) >= 3, (module, names)


def test_the_service_tests_are_files_per_domain_not_per_layer() -> None:
    names = {path.name for path in Path(SERVICE_TESTS).glob("test_*.py")}

    assert {"test_users_api.py", "test_orders_api.py"} <= names
    assert not names & {"test_models.py", "test_routers.py", "test_services.py"}


def test_the_error_tests_the_page_names_exist() -> None:
    named = {
        "test_users_api.py": "test_registering_an_existing_email_is_a_409_and_writes_nothing",
        "test_orders_api.py": "test_invalid_orders_are_a_422_naming_the_field_and_write_nothing",
    }
    for module, name in named.items():
        assert name in _test_names(module)
        assert f"`{name}`" in PAGE.read_text()
    assert "test_another_users_order_is_a_404_indistinguishable_from_a_missing_one" in (
        _test_names("test_orders_api.py")
    )


# --8<-- [start:happy-path-only]
# --8<-- [start:lead-happy-path-only]
class OrderLine(BaseModel):
    sku: str
    quantity: int  # the rule "at least 1" was forgotten: Field(gt=0)


forgetful_app = FastAPI()


@forgetful_app.post("/orders", status_code=201)
async def place_order(line: OrderLine) -> OrderLine:
    return line
    # --8<-- [end:lead-happy-path-only]


async def test_only_the_error_path_request_notices_the_missing_rule() -> None:
    transport = ASGITransport(app=forgetful_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        happy = await client.post("/orders", json={"sku": "TEA-001", "quantity": 2})
        zero = await client.post("/orders", json={"sku": "TEA-001", "quantity": 0})

    assert happy.status_code == 201  # a suite with only this request is green
    assert zero.status_code == 201  # a test that expects 422 here fails
    # --8<-- [end:happy-path-only]


class GuardedOrderLine(BaseModel):
    sku: str
    quantity: int = Field(gt=0)  # the fix the page names


guarded_app = FastAPI()


@guarded_app.post("/orders", status_code=201)
async def place_guarded_order(line: GuardedOrderLine) -> GuardedOrderLine:
    return line


async def test_the_error_path_request_is_a_422_once_the_rule_is_added() -> None:
    transport = ASGITransport(app=guarded_app)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        happy = await client.post("/orders", json={"sku": "TEA-001", "quantity": 2})
        zero = await client.post("/orders", json={"sku": "TEA-001", "quantity": 0})

    assert happy.status_code == 201  # the happy path cannot tell the two apps apart
    assert zero.status_code == 422
    assert [error["loc"] for error in zero.json()["detail"]] == [["body", "quantity"]]
    assert "fails until `quantity: int = Field(gt=0)` is added" in prose(PAGE)


# A guard on one line: line coverage counts it run by the happy path alone,
# so only branch coverage sees that its error branch was never taken.
UNTESTED_ERROR_BRANCH = """\
def checked_quantity(quantity: int) -> int:
    if quantity < 1: raise ValueError("quantity must be at least 1")
    return quantity
"""
HAPPY_PATH_ONLY = """\
from quantities import checked_quantity


def test_two_is_two():
    assert checked_quantity(2) == 2
"""


def test_an_error_branch_no_test_takes_fails_the_coverage_of_task_test(
    tmp_path: Path,
) -> None:
    taskfile = yaml.safe_load((REPO_ROOT / "Taskfile.yml").read_text())
    [pytest_command] = [c for c in taskfile["tasks"]["test"]["cmds"] if "pytest" in c]
    assert " --cov " in pytest_command
    # The repository's coverage settings, as they are, in a scratch project
    # whose one module sits where theirs does: snippets/.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    start = pyproject.index("[tool.coverage.run]")
    end = pyproject.index("\n[", pyproject.index("[tool.coverage.report]"))
    (tmp_path / "pyproject.toml").write_text(pyproject[start:end])
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "quantities.py").write_text(UNTESTED_ERROR_BRANCH)
    (tmp_path / "test_quantities.py").write_text(HAPPY_PATH_ONLY)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider",
         "--cov", "--cov-report=term-missing", "test_quantities.py"],
        cwd=tmp_path, env={"PYTHONPATH": "snippets", "PATH": ""},
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert outcomes(result.stdout) == {"passed": 1}, result.stdout + result.stderr
    assert result.returncode != 0
    assert "snippets/quantities.py" in result.stdout
    assert "2->exit" in result.stdout  # the branch to the raise, never taken
    assert "Required test coverage of 100.0% not reached" in result.stdout
    assert "fails under 100%; a branch for an error nobody tested shows up" in (
        prose(PAGE)
    )
