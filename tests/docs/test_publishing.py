"""Published under a sub-path (a GitHub Pages project site), the site still works."""

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest

from handbook.tools.static_server import serve
from tests.support.site import build_site, redirect_target

MOUNT = "/sub/path/"


@pytest.fixture(scope="module")
def sub_path_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built for http://127.0.0.1:PORT/sub/path/ and served there."""
    site_dir = tmp_path_factory.mktemp("sub-path-site")
    with serve(site_dir, mount=MOUNT) as url:
        build_site(site_dir, url)
        yield url


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1)
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _assets(page_url: str, html: str) -> set[str]:
    """Stylesheets, scripts and icons the page loads, as absolute URLs."""
    found = re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', html)
    found += re.findall(r'<script src="([^"]+)"', html)
    return {urljoin(page_url, url) for url in found}


@pytest.mark.parametrize("missing", ["nope/", "deep/er/than/the/site/"])
def test_the_404_page_loads_its_assets_under_a_sub_path(
    sub_path_site: str, missing: str
) -> None:
    status, html = _get(sub_path_site + missing)
    assert status == 404
    assert "404 - Not found" in html
    assets = _assets(sub_path_site + missing, html)
    assert len(assets) >= 3, assets
    for asset in assets:
        assert urlsplit(asset).path.startswith(MOUNT), asset
        assert _get(asset)[0] == 200, asset


def test_a_principle_page_and_its_short_url_work_under_a_sub_path(
    sub_path_site: str,
) -> None:
    status, html = _get(sub_path_site + "id/perf-eager-load/")
    assert status == 200
    target = redirect_target(html)
    page_url = urljoin(sub_path_site + "id/perf-eager-load/", target)
    assert page_url == sub_path_site + "principles/performance/eager-loading/"
    status, html = _get(page_url)
    assert status == 200
    for asset in _assets(page_url, html):
        assert _get(asset)[0] == 200, asset
    assert f"{sub_path_site}id/PERF-EAGER-LOAD/" in html  # short link on the page


def test_llms_txt_uses_the_published_address(sub_path_site: str) -> None:
    status, text = _get(sub_path_site + "llms.txt")
    assert status == 200
    assert f"({sub_path_site}id/PERF-EAGER-LOAD/)" in text


def test_the_id_folder_leads_to_the_id_list_under_a_sub_path(
    sub_path_site: str,
) -> None:
    status, html = _get(sub_path_site + "id/")
    assert status == 200
    target = redirect_target(html)
    assert urljoin(sub_path_site + "id/", target) == sub_path_site + "ids/"
    assert _get(sub_path_site + "ids/")[0] == 200
