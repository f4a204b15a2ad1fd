"""The CORS origins the service's settings ask for are what Chromium sends.

A browser puts its page's origin in the ``Origin`` header, serialised by the
WHATWG URL standard; CORSMiddleware compares that text with each configured
entry as it is. So the form ``serialized_origin`` tells an operator to write
(tests/service/test_settings.py) must be the browser's own.
"""

import pytest
from playwright.async_api import Page

from shop.core.config import serialized_origin

ORIGINS = [
    "http://localhost:5173/",
    "https://shop.example/app",
    "https://Shop.Example",
    "https://shop.example:443",
    "http://shop.example:80",
    "https://shop.example:8443",
    "https://bücher.example",
    "https://BÜCHER.example",
    "https://straße.example",
    "https://faß.example/checkout",
    "http://[::1]:8000",
    # Labels IDNA 2008 refuses and browsers take: a symbol, an emoji (i❤.ws
    # is a real domain), a hyphen at either end.
    "https://☃.example",
    "https://i❤.ws",
    "https://-bücher.example",
    "https://bücher-.example",
]
# Hosts a browser refuses to parse (a zero-width joiner where UTS #46's
# joiner rules forbid it, a code point UTS #46 disallows): no origin to
# write but the placeholder.
UNPARSABLE = ["https://a\u200db.example", "https://a\ufffd.example"]


@pytest.mark.parametrize("origin", ORIGINS)
async def test_the_origin_to_write_is_the_one_chromium_serialises(
    page: Page, origin: str
) -> None:
    sent = await page.evaluate("url => new URL(url).origin", origin)

    assert serialized_origin(origin) == sent


@pytest.mark.parametrize("origin", UNPARSABLE)
async def test_a_host_chromium_cannot_parse_gets_the_placeholder(
    page: Page, origin: str
) -> None:
    parsed = await page.evaluate(
        "url => { try { return new URL(url).origin } catch { return null } }", origin
    )

    assert parsed is None
    assert serialized_origin(origin) == "https://host.example"
