"""The page at each short URL, ``/id/<ID>/``: a redirect that previews well.

Every ID ever published keeps a short link, so each gets a static redirect
page to its principle (or to what became of it). Chat apps and code hosts
read that page, not its target, to preview a pasted link: it carries the
principle's title and rule as its description and Open Graph tags.
"""

import html
import json
from dataclasses import dataclass

from handbook.content.registry import Registry


@dataclass(frozen=True)
class LinkPreview:
    """What a chat app or a pull request shows for a pasted short link."""

    title: str
    description: str
    site_name: str


def link_preview(registry: Registry, principle_id: str, site_name: str) -> LinkPreview:
    """The preview of /id/<ID>/: the principle's title and rule, or what became of the ID."""
    by_id = {p.id: p for p in registry.principles}
    if principle := by_id.get(principle_id):
        return LinkPreview(
            f"{principle.id}: {principle.title}", principle.summary, site_name
        )
    entry = next(e for e in registry.lock if e.id == principle_id)
    if entry.status == "merged-into":
        # load_registry refuses a merged-into entry without a target.
        target = by_id[entry.target]  # type: ignore[index]
        return LinkPreview(
            f"{principle_id}, merged into {target.id}: {target.title}",
            target.summary,
            site_name,
        )
    return LinkPreview(
        f"{principle_id} (retired)", entry.reason or "This ID was retired.", site_name
    )


def redirect_html(
    target_url: str, canonical_url: str, principle_id: str, preview: LinkPreview
) -> str:
    """A static redirect page: works on any static host, no server rules needed.

    ``target_url`` is relative, so the redirect works wherever the site is
    served (``task docs`` included); the canonical link is absolute. Link
    previewers (chat apps, code hosts) read the page without following the
    redirect, so it carries the principle's own description and Open Graph
    tags, not just its ID.
    """
    url = html.escape(target_url, quote=True)
    canonical = html.escape(canonical_url, quote=True)
    title = html.escape(preview.title, quote=True)
    description = html.escape(preview.description, quote=True)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<meta name="description" content="{description}">\n'
        f'<meta property="og:site_name" content="{html.escape(preview.site_name, quote=True)}">\n'
        f'<meta property="og:title" content="{title}">\n'
        f'<meta property="og:description" content="{description}">\n'
        f'<meta property="og:url" content="{canonical}">\n'
        '<meta property="og:type" content="article">\n'
        '<meta name="twitter:card" content="summary">\n'
        f'<link rel="canonical" href="{canonical}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        '<meta name="robots" content="noindex">\n'
        f"<script>location.replace({json.dumps(target_url)} + location.hash)</script>\n"
        "</head>\n<body>\n"
        f'<p>{principle_id} lives at <a href="{url}">{canonical}</a>.</p>\n'
        "</body>\n</html>\n"
    )
