"""Claims of the functional-tests and CORS pages, reproduced.

The functional-tests page quotes what ruff and pytest say about a
unittest-style test class; these tests run both on the class the page shows.
The CORS page's examples run as page examples; what they cannot show (the
service's default, the source document's wording) is checked here.
"""

import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

from claims_support import block_titled, prose, ruff_check_code
from httpx import ASGITransport, AsyncClient

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.core.main import create_app

FUNCTIONAL_PAGE = DOCS_DIR / "principles" / "testing" / "functional-tests.md"
CORS_PAGE = DOCS_DIR / "principles" / "security" / "cors.md"
SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"
UNITTEST_TITLE = "tests/test_orders_unittest.py (never committed)"
TIMEOUT_SECONDS = 120


def _quoted_lines(page: Path, title: str) -> list[str]:
    return [
        line.strip() for line in block_titled(page, title).source.splitlines() if line
    ]


def _ruff_on_unittest_class() -> subprocess.CompletedProcess[str]:
    code = block_titled(FUNCTIONAL_PAGE, UNITTEST_TITLE).source
    return ruff_check_code(code, "tests/test_example.py")


def test_ruff_reports_the_unittest_assertions_the_page_quotes() -> None:
    result = _ruff_on_unittest_class()

    assert result.returncode == 1, result.stdout + result.stderr
    headlines = [
        line for line in result.stdout.splitlines() if re.match(r"[A-Z]+\d+ ", line)
    ]
    assert headlines == _quoted_lines(FUNCTIONAL_PAGE, "Output of ruff check")
    assert "reports `PT009` and `PT027`" in prose(FUNCTIONAL_PAGE)


def test_ruff_reports_nothing_on_the_class_line_or_set_up() -> None:
    source = block_titled(FUNCTIONAL_PAGE, UNITTEST_TITLE).source.splitlines()
    reported = {
        int(match[1])
        for match in re.finditer(
            r"--> tests/test_example\.py:(\d+):", _ruff_on_unittest_class().stdout
        )
    }

    flagged = [source[number - 1].strip() for number in sorted(reported)]
    assert all(line.startswith(("self.assert", "with self.assert")) for line in flagged)
    assert "Ruff reports nothing on the `class` line or on `setUp`" in prose(
        FUNCTIONAL_PAGE
    )


def test_the_repository_selects_ruffs_pytest_style_rules() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())

    assert "PT" in pyproject["tool"]["ruff"]["lint"]["select"]
    assert "The repository selects ruff's `PT` rules" in prose(FUNCTIONAL_PAGE)


def test_a_test_case_method_gets_no_fixture_as_the_page_says(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not this repo's config
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n"
        "@pytest.fixture\n"
        "def alice():\n"
        '    return {"headers": {"Authorization": "Bearer token"}}\n'
    )
    test_file = tmp_path / "test_orders_unittest.py"
    test_file.write_text(block_titled(FUNCTIONAL_PAGE, UNITTEST_TITLE).source)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )

    output = [line.strip() for line in result.stdout.splitlines()]
    assert result.returncode == 1, result.stdout + result.stderr
    for quoted in _quoted_lines(FUNCTIONAL_PAGE, "Output of pytest"):
        assert quoted in output
    # The other two tests run and pass: only the fixture is out of reach.
    assert any(line.startswith("1 failed, 2 passed") for line in output)


def test_the_page_shows_the_repositorys_pytest_asyncio_settings() -> None:
    real = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    shown = tomllib.loads(block_titled(FUNCTIONAL_PAGE, "pyproject.toml").source)

    options = real["tool"]["pytest"]["ini_options"]
    for key, value in shown["tool"]["pytest"]["ini_options"].items():
        assert options[key] == value, key
    assert options["asyncio_mode"] == "auto"


async def test_the_services_default_lets_no_browser_origin_in() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql://shop@db.internal:5432/shop",  # type: ignore[arg-type]
        jwt_secret=secrets.token_urlsafe(48),  # type: ignore[arg-type]
    )
    app = create_app(settings)  # connects to nothing until start-up

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        preflight = await client.options(
            "/orders",
            headers={
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": "GET",
            },
        )

    assert settings.cors_origins == []
    assert "access-control-allow-origin" not in preflight.headers
    assert "an empty list, the default, lets no browser origin in" in prose(CORS_PAGE)


def test_the_source_document_says_only_configure_appropriately_about_cors() -> None:
    mentions = [
        line.strip()
        for line in SOURCE_DOCUMENT.read_text().splitlines()
        if "cors" in line.lower()
    ]

    assert mentions == ["5. **CORS** - Configure appropriately for your frontend"]
    assert 'says only "Configure appropriately for your frontend"' in prose(CORS_PAGE)
