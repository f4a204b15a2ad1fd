"""Evidence for SEC-BODY-LIMIT: request bodies are refused over a size limit.

Each test reproduces a claim docs/principles/security/body-limit.md makes,
against the service's settings and its real app.
"""

from claims_support import prose
from httpx import AsyncClient
from shop_fixtures import assert_error

from handbook.docs_tree import DOCS_DIR
from shop.core.config import Settings

PAGE = DOCS_DIR / "principles" / "security" / "body-limit.md"


async def test_the_default_limit_is_64_kib_and_answers_in_the_common_body(
    client: AsyncClient,
) -> None:
    limit = Settings.model_fields["max_request_body_bytes"].default
    assert limit == 64 * 1024

    over = await client.post(
        "/users",
        content=b"x" * (limit + 1),
        headers={"Content-Type": "application/json"},
    )
    at = await client.post(
        "/users", content=b"x" * limit, headers={"Content-Type": "application/json"}
    )

    error = assert_error(over, 413, "content_too_large")
    assert error["message"] == f"Request body larger than {limit} bytes"
    assert_error(at, 422, "validation_error")  # read, then refused as bad JSON
    page = prose(PAGE)
    assert "`max_request_body_bytes` (default 64 KiB)" in page
    assert "the code `content_too_large`" in page
