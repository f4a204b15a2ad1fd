"""Markdown and files generated from the registry.

Everything repeated across principle pages (ID badge, the rule, the review
comment, the source link) and every page listing principles (checklist,
reading order, ID index) is produced here, so no list is kept by hand.
"""

import html
import json
from pathlib import PurePosixPath

from handbook.registry import LEVELS, Principle, Registry

LEVEL_LABELS = {"must": "Must", "should": "Should", "consider": "Consider"}
# Severity prefixes reviewers already use (Google's eng-practices style).
REVIEW_PREFIX = {"must": "Blocking", "should": "Should fix", "consider": "Optional"}


def relative(from_page: str, to_path: str) -> str:
    """Relative link from one docs/ page to another docs/ path or site URL."""
    depth = len(PurePosixPath(from_page).parent.parts)
    return "../" * depth + to_path


def absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + "/" + path


def review_comment(principle: Principle, site_url: str) -> str:
    return (
        f"{REVIEW_PREFIX[principle.level]} ({principle.id}): {principle.title}. "
        f"{principle.summary} {absolute(site_url, principle.short_url)}"
    )


def principle_header(registry: Registry, principle: Principle, site_url: str) -> str:
    area = next(a for a in registry.areas if a.key == principle.area)
    tags = " ".join(f"`{tag}`" for tag in principle.tags)
    short = absolute(site_url, principle.short_url)
    return (
        f"# {principle.title}\n\n"
        f'<span class="pbp-id" title="Stable ID: cite it in reviews">{principle.id}</span>'
        f'<span class="pbp-level pbp-level--{principle.level}">{LEVEL_LABELS[principle.level]}</span>'
        f" {area.title} · {tags}\n\n"
        f'!!! rule "The rule"\n\n    {principle.summary}\n\n'
        f"    Short link: [{short}]({short})\n\n"
    )


def review_section(principle: Principle, site_url: str) -> str:
    return (
        "## In code review\n\n"
        "Paste this into a review comment; the short link never breaks.\n\n"
        f"```text\n{review_comment(principle, site_url)}\n```\n\n"
    )


def source_link(principle: Principle, anchor: str) -> str:
    link = relative(principle.path.as_posix(), f"source.md#{anchor}")
    return (
        f"From *Python Backend Design Principles*, section [{principle.source}]({link}). "
        f"Published in the handbook on {principle.since.isoformat()}.\n"
    )


def assemble_principle(
    registry: Registry, principle: Principle, body: str, anchor: str, site_url: str
) -> str:
    """A principle page as rendered: generated parts placed around the author's sections."""
    before_related, related_marker, rest = body.partition("\n## Related")
    if not related_marker:
        raise ValueError(f"docs/{principle.path}: '## Related' is missing")
    related, source_marker, source_notes = rest.partition("\n## Source")
    page = principle_header(registry, principle, site_url)
    page += before_related.strip("\n") + "\n\n"
    page += review_section(principle, site_url)
    page += "## Related" + related.rstrip("\n") + "\n\n## Source\n\n"
    if source_marker:
        page += source_notes.strip("\n") + "\n\n"
    return page + source_link(principle, anchor)


def checklist(registry: Registry, site_url: str) -> str:
    lines = [
        "# Checklist",
        "",
        "Every principle, grouped by area. Copy the Markdown below into an issue or pull "
        "request to track a review or an audit; each item links to its principle.",
        "",
    ]
    for area, principles in registry.areas_in_use():
        lines += [
            f"## {area.title}",
            "",
            "| ID | Level | Principle |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| [`{p.id}`]({p.path.as_posix()}) | {LEVEL_LABELS[p.level]} | "
            f"**{p.title}.** {p.summary} |"
            for p in principles
        ]
        lines.append("")
    lines += [
        "## Copy as a task list",
        "",
        "```markdown",
        checklist_markdown(registry, site_url).rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(lines)


def checklist_markdown(registry: Registry, site_url: str) -> str:
    """The checklist as a Markdown task list, ready to paste into an issue."""
    lines = ["## Python Backend Principles checklist", ""]
    for area, principles in registry.areas_in_use():
        lines += [f"### {area.title}", ""]
        lines += [
            f"- [ ] [{p.id}]({absolute(site_url, p.short_url)}) {p.title} ({p.level})"
            for p in principles
        ]
        lines.append("")
    return "\n".join(lines)


def reading_order(registry: Registry) -> str:
    lines = [
        "# Start here",
        "",
        "The onboarding reading order. Areas come in the order a new backend engineer meets "
        "them; inside an area, the *must* rules come before *should* and *consider*. "
        "The order is derived from the registry, so a new principle takes its place here "
        "by itself.",
        "",
    ]
    number = 0
    for area, principles in registry.areas_in_use():
        lines += [f"## {area.title}", "", area.description, ""]
        for p in principles:
            number += 1
            lines.append(
                f"{number}. [{p.title}]({p.path.as_posix()}) `{p.id}` — {p.summary}"
            )
        lines.append("")
    return "\n".join(lines)


def id_index(registry: Registry) -> str:
    lines = [
        "# Principle IDs",
        "",
        "Every ID ever published. IDs are never reused, and the short link "
        "`/id/<ID>/` of every one keeps working: merged IDs lead to the principle "
        "that absorbed them, retired IDs lead here.",
        "",
        "| ID | Status | Where it leads |",
        "| --- | --- | --- |",
    ]
    by_id = {p.id: p for p in registry.principles}
    for entry in sorted(registry.lock, key=lambda e: e.id):
        anchor = f'<span id="{entry.id.lower()}"></span>'
        if entry.status == "active":
            p = by_id[entry.id]
            lines.append(
                f"| {anchor}`{entry.id}` | active | [{p.title}]({p.path.as_posix()}) |"
            )
        elif entry.status == "merged-into":
            # load_registry refuses a merged-into entry without a target.
            target = by_id[entry.target]  # type: ignore[index]
            lines.append(
                f"| {anchor}`{entry.id}` | merged into `{target.id}` | [{target.title}]({target.path.as_posix()}) |"
            )
        else:
            lines.append(f"| {anchor}`{entry.id}` | retired | {entry.reason} |")
    return "\n".join(lines) + "\n"


def changelog(registry: Registry) -> str:
    """Principles by the date they were published, newest first."""
    lines = [
        "# Changes",
        "",
        "Principles by the date they were published, newest first. IDs that were "
        "merged or retired are listed in [Principle IDs](ids.md); their short links "
        "keep working.",
        "",
    ]
    by_date: dict[str, list[Principle]] = {}
    for principle in registry.reading_order():
        by_date.setdefault(principle.since.isoformat(), []).append(principle)
    for date in sorted(by_date, reverse=True):
        lines += [f"## {date}", ""]
        lines += [
            f"- **Added** [`{p.id}`]({p.path.as_posix()}): {p.title}."
            for p in by_date[date]
        ]
        lines.append("")
    return "\n".join(lines)


def principles_json(registry: Registry, site_url: str) -> str:
    """Machine-readable registry for tools and review bots."""
    principles = [
        {
            "id": p.id,
            "title": p.title,
            "summary": p.summary,
            "level": p.level,
            "area": p.area,
            "tags": list(p.tags),
            "url": absolute(site_url, p.url),
            "short_url": absolute(site_url, p.short_url),
            "since": p.since.isoformat(),
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


def redirect_html(target_url: str, canonical_url: str, principle_id: str) -> str:
    """A static redirect page: works on any static host, no server rules needed.

    ``target_url`` is relative, so the redirect works wherever the site is
    served (``task docs`` included); the canonical link is absolute.
    """
    url = html.escape(target_url, quote=True)
    canonical = html.escape(canonical_url, quote=True)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{principle_id}</title>\n"
        f'<link rel="canonical" href="{canonical}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        '<meta name="robots" content="noindex">\n'
        f"<script>location.replace({json.dumps(target_url)} + location.hash)</script>\n"
        "</head>\n<body>\n"
        f'<p>{principle_id} lives at <a href="{url}">{canonical}</a>.</p>\n'
        "</body>\n</html>\n"
    )
