"""/id/ and /principles/ lead to the list of principle IDs.

Both are folders of the built site (every short URL lives under /id/, every
principle page under /principles/) without a page of their own, so a reader
who trims a link back to one met a 404, or a folder listing on hosts that
show one. A static redirect page in each works on any static host, with or
without JavaScript.

Written by the build's last step (``handbook.site.build.Build.finish``), beside
the short URLs' redirects.
"""

import html
import json
from pathlib import Path

ID_LIST = "ids/"
LISTING_FOLDERS = ("id", "principles")


def redirect_page(target: str, canonical: str) -> str:
    """A page that sends the reader to ``target`` (relative) at once."""
    url = html.escape(target, quote=True)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Principle IDs</title>\n"
        f'<link rel="canonical" href="{html.escape(canonical, quote=True)}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        '<meta name="robots" content="noindex">\n'
        f"<script>location.replace({json.dumps(target)})</script>\n"
        "</head>\n<body>\n"
        f'<p>Every principle is listed by ID on <a href="{url}">Principle IDs</a>.</p>\n'
        "</body>\n</html>\n"
    )


def write_listing_redirects(site_dir: Path, site_url: str) -> None:
    canonical = site_url.rstrip("/") + "/" + ID_LIST
    redirect = redirect_page("../" + ID_LIST, canonical)
    for folder in LISTING_FOLDERS:
        page = site_dir / folder / "index.html"
        # A rebuild into the same folder finds its own redirect there.
        if page.exists() and page.read_text(encoding="utf-8") != redirect:
            raise FileExistsError(f"{page}: the site has a page here already")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(redirect, encoding="utf-8")
