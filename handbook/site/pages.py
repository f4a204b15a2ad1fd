"""Markdown and files generated from the registry.

Everything repeated across principle pages (ID badge, the rule, the review
comment, the source link) and every page listing principles (checklist,
reading order, ID index) is produced here, so no list is kept by hand.
"""

import html
import ipaddress
import json
import math
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from handbook.checker.coverage import (
    checked_by_markdown,
    checked_by_tools,
    coverage_record,
)
from handbook.content.anatomy import LEVELS_WITH_EXCEPTIONS
from handbook.content.departures import departure_comment
from handbook.content.registry import LEVELS, Principle, Registry
from handbook.content.review_comments import absolute, review_comment, review_line
from handbook.content.source_document import slugify
from handbook.site.lead_pair import lead_markdown
from handbook.site.reading_list import START_HERE, Part, Stop, parts

LEVEL_LABELS = {"must": "Must", "should": "Should", "consider": "Consider"}
# docs/checker.md from a principle page (docs/principles/<area>/<slug>.md).
CHECKER_FROM_PRINCIPLE = "../../checker.md"
# Material's "content-copy" icon, inlined like the theme's own copy buttons.
COPY_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true">'
    '<path d="M19 21H8V7h11m0-2H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 '
    '2-2V7a2 2 0 0 0-2-2m-3-4H4a2 2 0 0 0-2 2v14h2V3h12z"/></svg>'
)


def is_local(url: str) -> bool:
    """Whether only this machine can open ``url``: `task docs` serves on 127.0.0.1."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a name, not an address
        return False
    return address.is_loopback or address.is_unspecified


# The class that marks both, so the print page can drop each principle's
# copies for its one warning at the top (print_page.py).
LOCAL_LINKS_CLASS = "pbp-local-links"


def local_links_warning(link_url: str, indent: str = "") -> str:
    """A visible warning beside copy buttons whose links only this machine can open.

    Empty when ``link_url`` is a real address. ``mkdocs serve`` replaces
    ``site_url`` with its own local address, so under `task docs` the
    published address has to come from ``extra.published_url``.
    """
    if not is_local(link_url):
        return ""
    lines = [
        f'!!! warning {LOCAL_LINKS_CLASS} "Local links"',
        "",
        f"    The links you copy here start with `{link_url}`, this build's local "
        "address: colleagues can't open them. Set `PUBLISHED_URL` to the handbook's "
        "published address (for example `PUBLISHED_URL=https://handbook.example.com/ "
        "uv run task docs`) to copy links that work for everyone.",
        "",
    ]
    return "".join(f"{indent}{line}\n" if line else "\n" for line in lines) + "\n"


def local_links_reminder(link_url: str) -> str:
    """One line beside copy buttons far below the page's warning: the reader
    who scrolled to them has not seen it, and must not copy a local link unaware."""
    if not is_local(link_url):
        return ""
    return (
        f'<p class="{LOCAL_LINKS_CLASS}" data-search-exclude markdown>'
        f"**Local links:** what you copy here links to `{link_url}`, which "
        "colleagues can't open; the warning under the rule says how to copy "
        "links that work for everyone.</p>\n\n"
    )


def relative(from_page: str, to_path: str) -> str:
    """Relative link from one docs/ page to another docs/ path or site URL."""
    depth = len(PurePosixPath(from_page).parent.parts)
    return "../" * depth + to_path


def principle_header(
    registry: Registry, principle: Principle, site_url: str, stop: Stop | None = None
) -> str:
    area = next(a for a in registry.areas if a.key == principle.area)
    tags = " ".join(f"`{tag}`" for tag in principle.tags)
    short = absolute(site_url, principle.short_url)
    # The badge links to the short URL (relative, so it works wherever the
    # site is served); the button beside it copies the absolute short URL.
    badge_href = relative(principle.url + "index.html", principle.short_url)
    # The badge line and the aliases stay out of search teasers (the ID, tags
    # and aliases are indexed as the page's tags, which rank highest).
    header = (
        f"# {principle.title}\n\n"
        f'<p class="pbp-meta" data-search-exclude markdown>'
        f'<span class="pbp-badges">'
        f'<a class="pbp-id" href="{html.escape(badge_href)}" '
        f'title="Stable ID: cite it in reviews. Short link: {html.escape(short)}">{principle.id}</a>'
        f'<button type="button" class="pbp-copy-link md-icon" '
        f'data-clipboard-text="{html.escape(short)}" '
        f'title="Copy the short link" aria-label="Copy the short link to {principle.id}">'
        f"{COPY_ICON}</button>"
        f'<span class="pbp-level pbp-level--{principle.level}">{LEVEL_LABELS[principle.level]}</span>'
        f"</span>"
        f" {area.title} · {tags}</p>\n\n"
    )
    if stop is not None:
        header += reading_place(stop)
    if principle.aliases:
        terms = ", ".join(f"`{alias}`" for alias in principle.aliases)
        header += f'<p class="pbp-aliases" data-search-exclude markdown>Also searched as: {terms}</p>\n\n'
    # The page's one full warning: in the rule, on the first screen, beside
    # the short link and its copy button, where every reader passes before
    # any copy button. The review comments further down get a one-line
    # reminder (review_section): a reader copying one has scrolled past it.
    return header + (
        f'!!! rule "The rule"\n\n    {principle.summary}\n\n'
        f"    Short link: [{short}]({short})\n\n"
        f"    {checked_by_markdown(principle.id, CHECKER_FROM_PRINCIPLE)}\n\n"
        + local_links_warning(site_url, indent="    ")
    )


def reading_place(stop: Stop) -> str:
    """Where the page is on Start here's list: ``Day one · 4 of 31 · 3 min``,
    the part linked to its heading there."""
    page = stop.principle.path.as_posix()
    part = relative(page, f"{START_HERE}#{stop.part.anchor}")
    return (
        f'<p class="pbp-place" data-search-exclude markdown>'
        f"[{stop.part.name}]({part}) · {stop.number} of {stop.of} · "
        f"{stop.minutes} min</p>\n\n"
    )


def milestone(stop: Stop, following: Stop | None) -> str:
    """The end of a part, on its last page: what was read, and what comes next.

    After the last part, what to do with what was read: run the reference
    service, review a pull request with the checklist, run the checker.
    """
    if not stop.ends_part:
        return ""
    page = stop.principle.path.as_posix()

    def link(path: str) -> str:
        return relative(page, path)

    lines = [
        '<div class="admonition success pbp-milestone" data-search-exclude markdown>',
        f'<p class="admonition-title">End of {stop.part.name.lower()}</p>',
        "",
        f"That was the last of the {stop.of} principles of "
        f"[{stop.part.name.lower()}]({link(START_HERE + '#' + stop.part.anchor)}).",
        "",
    ]
    if following is not None:
        nxt = following.principle
        lines += [
            f"{following.part.name} starts with "
            f"[`{nxt.id}` · {nxt.short_name}]({link(nxt.path.as_posix())}), "
            "the next page.",
            "",
        ]
    else:
        lines += [
            "What to do next:",
            "",
            f"1. **Run the reference service**, the code these pages quote: "
            f"[how to start it]({link('reference/index.md#run-it')}).",
            f"2. **Review a pull request** with the [checklist]({link('checklist.md')}), "
            f"citing each finding by its ID as [code review]({link('code-review.md')}) "
            "shows.",
            f"3. **Run the checker**, `principles check`, on a service: "
            f"[Checker]({link('checker.md')}).",
            "",
        ]
    return "\n".join([*lines, "</div>", ""]) + "\n"


def review_section(principle: Principle, site_url: str) -> str:
    return (
        "## In code review\n\n"
        "Paste this into a review comment; the short link never breaks.\n\n"
        + local_links_reminder(site_url)
        + f"```text\n{review_comment(principle, site_url)}\n```\n\n"
        "Or the [one-line form]("
        + relative(principle.path.as_posix(), "code-review.md#the-one-line-form")
        + "), when the thread is busy:\n\n"
        f"```text\n{review_line(principle, site_url)}\n```\n\n"
    )


def source_link(principle: Principle, anchor: str) -> str:
    """Where the principle comes from: its main section, then any others."""
    sections = [
        f"[{principle.source}]({relative(principle.path.as_posix(), f'source.md#{anchor}')})"
    ]
    sections += [
        f"[{heading}]({relative(principle.path.as_posix(), f'source.md#{slugify(heading)}')})"
        for heading in principle.sources[1:]
    ]
    label = "section" if len(sections) == 1 else "sections"
    explained = relative(
        principle.path.as_posix(), f"{START_HERE}#{DESIGN_DOCUMENT_ANCHOR}"
    )
    return (
        "The source of this principle is the design document the handbook checks "
        f"and corrects, *Python Backend Design Principles* ([what it is]({explained})): "
        f"{label} {', '.join(sections)}. "
        f"Published in the handbook on {principle.since.isoformat()}.\n"
    )


def record_departure(principle: Principle) -> str:
    """The generated end of 'When it doesn't apply': how to record a departure."""
    guide = relative(principle.path.as_posix(), "code-review.md#record-a-departure")
    return (
        "Where you depart, say so next to the code, with the ID, so that a "
        f"reviewer sees the rule was weighed: `{departure_comment(principle.id)}` "
        f"([how departures are recorded]({guide})).\n\n"
    )


def assemble_principle(
    registry: Registry,
    principle: Principle,
    lines: list[str],
    anchor: str,
    site_url: str,
    verified_by: str = "",
    stop: Stop | None = None,
    following: Stop | None = None,
) -> str:
    """A principle page as rendered: generated parts placed around the author's sections.

    ``lines`` are the page file's lines (placeholders expanded), which the
    document's section spans index: the header comes first, the departure
    note and the review comment before Related, the source link at the end.
    """
    document = principle.document
    related, notes = document.section("Related"), document.section("Source")
    if related is None:  # check_anatomy refuses such a page at load time
        raise ValueError(f"docs/{principle.path}: '## Related' is missing")

    def text(start: int, end: int) -> str:
        return "\n".join(lines[start - 1 : end - 1])

    page = principle_header(registry, principle, site_url, stop)
    page += lead_markdown(document, lines) + verified_by
    page += text(document.body_line, related.line).strip("\n") + "\n\n"
    if principle.level in LEVELS_WITH_EXCEPTIONS:
        page += record_departure(principle)
    page += review_section(principle, site_url)
    page += text(related.line, related.end).rstrip("\n") + "\n\n## Source\n\n"
    # What "the source" is comes first, so the notes after it can say "the source".
    page += source_link(principle, anchor)
    if notes:
        page += "\n" + text(notes.line + 1, notes.end).strip("\n") + "\n"
    return page + ("\n" + milestone(stop, following) if stop else "")


def checklist(registry: Registry, site_url: str) -> str:
    """One line per principle, grouped by area: readable on a 390 px phone."""
    lines = [
        "# Checklist",
        "",
        "Every principle, grouped by area, one line each. "
        "[Copy it as Markdown](#copy-as-a-task-list) into an issue or pull request "
        "to track a review or an audit; each item links to its principle. After "
        "each, what `principles check` checks it with ([the checker](checker.md)), "
        "or that no rule can: review it by hand.",
        "",
    ]
    for area, principles in registry.areas_in_use():
        lines += [f"## {area.title}", "", '<div class="pbp-checklist" markdown>', ""]
        lines += [
            f"- [`{p.id}`]({p.path.as_posix()}) "
            f'<span class="pbp-level pbp-level--{p.level}">{LEVEL_LABELS[p.level]}</span> '
            f"{p.title} {_checked_note(p)}"
            for p in principles
        ]
        lines += ["", "</div>", ""]
    lines += [
        "## Copy as a task list",
        "",
        local_links_warning(site_url).rstrip("\n"),
        "",
        "```markdown",
        checklist_markdown(registry, site_url).rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(lines)


def _checked_note(principle: Principle) -> str:
    """What ``principles check`` checks a principle with, after its checklist line."""
    tools = checked_by_tools(principle.id)
    text = f"checked by {tools}" if tools else "not machine-checked"
    return f'<span class="pbp-checked">· {text}</span>'


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


WORDS_PER_MINUTE = 200
"""Reading speed for technical prose with code (a common estimate is 200-250)."""


def reading_minutes(page_text: str) -> int:
    """Minutes to read a page: its words (code included) at 200 a minute, rounded up.

    A word is anything between whitespace, as a reader's eye meets it.
    """
    words = len(page_text.split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def reading_order(registry: Registry, stops: list[Stop]) -> str:
    """Day one: every *must*, in reading order. Week one: the rest. Each part
    numbered from 1, as each page's place on the list counts."""
    lines = [
        "# Start here",
        "",
        "The onboarding reading list. **Day one** is every *must* rule: the ones "
        "that block a merge. **Week one** is the rest, *should* before *consider*. "
        "Inside each, areas come in the order a new backend engineer meets them. "
        "Reading times count every word on the page, code included, at "
        f"{WORDS_PER_MINUTE} words a minute. The list is derived from the registry, "
        "so a new principle takes its place here by itself.",
        "",
        "Open the first principle and follow **Next** at the foot of each page: it "
        "goes through this list in this order, and each page shows where you are "
        "(*Day one · 4 of 31 · 3 min*).",
        "",
        f"**The source: what the pages argue with.** {DESIGN_DOCUMENT_NOTE}",
        f"{{: #{DESIGN_DOCUMENT_ANCHOR} }}",
        "",
    ]
    for part, part_stops in parts(stops):
        lines += _reading_section(registry, part, part_stops)
    return "\n".join(lines)


DESIGN_DOCUMENT_ANCHOR = "the-source"
DESIGN_DOCUMENT_NOTE = (
    "The handbook grew out of one design document, *Python Backend Design "
    "Principles*, which you do not need to read first. Every principle cites "
    "the part it comes from, and where that document is wrong for today's "
    "tools the page shows what works and says so. The "
    "[design document](source.md) page shows it whole, with a verdict on each "
    "statement, and [Corrections](corrections.md) lists what the handbook "
    "corrects."
)
"""What "the source" is, said where a reader first meets the handbook."""


def _reading_section(registry: Registry, part: Part, stops: list[Stop]) -> list[str]:
    """One part of the reading list, area by area."""
    total = sum(stop.minutes for stop in stops)
    lines = [
        f"## {part.heading} {{#{part.anchor}}}",
        "",
        f"{len(stops)} principles, about {total} minutes.",
        "",
    ]
    for area in registry.areas:
        in_area = [stop for stop in stops if stop.principle.area == area.key]
        if in_area:
            lines += [f"### {area.title}", "", '<div class="pbp-reading" markdown>', ""]
            lines += [_reading_item(stop) for stop in in_area]
            lines += ["", "</div>", ""]
    return lines


def _reading_item(stop: Stop) -> str:
    """One entry: number, ID · short name, level, minutes; the full rule below."""
    principle = stop.principle
    return (
        f'- <span class="pbp-number">{stop.number}.</span> '
        f"[`{principle.id}` · {principle.short_name}]({principle.path.as_posix()}) "
        f'<span class="pbp-level pbp-level--{principle.level}">'
        f"{LEVEL_LABELS[principle.level]}</span> "
        f"· {stop.minutes} min<br>"
        f'<span class="pbp-rule">{html.escape(principle.title)}</span>'
    )


def id_index(registry: Registry) -> str:
    lines = [
        "# Principle IDs",
        "",
        "Every ID ever published. IDs are never reused, and the short link "
        "`/id/<ID>/` of every one keeps working: merged IDs lead to the principle "
        "that absorbed them, retired IDs lead here.",
        "",
        # Nearly every ID is active: only the exceptions say what became of them.
        "| ID | Where it leads |",
        "| --- | --- |",
    ]
    by_id = {p.id: p for p in registry.principles}
    for entry in sorted(registry.lock, key=lambda e: e.id):
        anchor = f'<span id="{entry.id.lower()}"></span>'
        if entry.status == "active":
            p = by_id[entry.id]
            lines.append(f"| {anchor}`{entry.id}` | [{p.title}]({p.path.as_posix()}) |")
        elif entry.status == "merged-into":
            # load_registry refuses a merged-into entry without a target.
            target = by_id[entry.target]  # type: ignore[index]
            lines.append(
                f"| {anchor}`{entry.id}` | **Merged into `{target.id}`:** "
                f"[{target.title}]({target.path.as_posix()}) |"
            )
        else:
            lines.append(f"| {anchor}`{entry.id}` | **Retired:** {entry.reason} |")
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
            "short_name": p.short_name,
            "summary": p.summary,
            "level": p.level,
            "area": p.area,
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
