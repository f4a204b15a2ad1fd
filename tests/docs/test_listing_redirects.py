"""/id/ and /principles/ redirect to the ID list, and never replace a page."""

from pathlib import Path
from urllib.parse import urljoin

import pytest

from handbook.site.listing_redirects import LISTING_FOLDERS, write_listing_redirects
from tests.support.site import redirect_target

SITE_URL = "https://handbook.test/"


@pytest.mark.parametrize("folder", LISTING_FOLDERS)
def test_the_built_site_sends_the_folder_to_the_id_list(
    built_site: Path, folder: str
) -> None:
    html = (built_site / folder / "index.html").read_text()
    target = redirect_target(html)
    assert urljoin(f"{SITE_URL}{folder}/", target) == f"{SITE_URL}ids/"
    assert (built_site / "ids" / "index.html").is_file()
    assert f'<link rel="canonical" href="{SITE_URL}ids/">' in html


def test_a_rebuild_into_the_same_folder_writes_the_redirects_again(
    tmp_path: Path,
) -> None:
    write_listing_redirects(tmp_path, SITE_URL)
    write_listing_redirects(tmp_path, SITE_URL)
    assert (tmp_path / "id" / "index.html").is_file()


def test_a_page_of_the_site_in_the_folder_is_never_replaced(tmp_path: Path) -> None:
    page = tmp_path / "principles" / "index.html"
    page.parent.mkdir()
    page.write_text("<h1>All principles</h1>")
    with pytest.raises(FileExistsError, match=r"principles/index\.html"):
        write_listing_redirects(tmp_path, SITE_URL)
    assert page.read_text() == "<h1>All principles</h1>"
