"""The registry for tools, not readers: ``principles.json`` and ``/llms.txt``.

Review bots, the 404 page's suggestions and language models read these
files; both are generated from the registry, so they list what the pages
list.
"""

import json

from handbook.checker.coverage import coverage_record
from handbook.content.anatomy import LEVELS_WITH_EXCEPTIONS
from handbook.content.departures import departure_comment
from handbook.content.registry import LEVELS, Registry
from handbook.content.review_comments import absolute


def principles_json(registry: Registry, site_url: str) -> str:
    """Machine-readable registry for tools and review bots."""
    principles = [
        {
            **p.identity(),
            "tags": list(p.tags),
            # What readers also call it; the 404 page suggests a principle by them.
            "aliases": list(p.aliases),
            "url": absolute(site_url, p.url),
            "short_url": absolute(site_url, p.short_url),
            "since": p.since.isoformat(),
            # How code records a deliberate departure; a must has none.
            "departure_comment": departure_comment(p.id)
            if p.level in LEVELS_WITH_EXCEPTIONS
            else None,
            # What `principles check` checks it with, or why nothing does.
            "checker": coverage_record(p.id),
        }
        for p in registry.reading_order()
    ]
    redirects = {
        entry.id: {
            "status": entry.status,
            "target": entry.target,
            "reason": entry.reason,
        }
        for entry in registry.lock
        if entry.status != "active"
    }
    document = {
        "levels": list(LEVELS),
        "principles": principles,
        "retired_or_merged": redirects,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def llms_txt(registry: Registry, site_url: str, description: str) -> str:
    """``/llms.txt`` (llmstxt.org): every principle with its short URL."""
    lines = [
        "# Python Backend Principles",
        "",
        f"> {description}",
        "",
        "Each principle has a stable ID and a short URL that never breaks. "
        "Levels: must (block the merge), should (the default), consider (depends on "
        f"the service). Machine-readable: {absolute(site_url, 'principles.json')}. "
        f"All principles on one page, for printing: {absolute(site_url, 'print/')}.",
        "",
    ]
    for area, principles in registry.areas_in_use():
        lines += [f"## {area.title}", ""]
        lines += [
            f"- [{p.id}: {p.title}]({absolute(site_url, p.short_url)}): "
            f"({p.level}) {p.summary}"
            for p in principles
        ]
        lines.append("")
    return "\n".join(lines)
