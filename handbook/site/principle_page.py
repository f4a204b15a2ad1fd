"""A principle page as rendered: its generated parts, placed around the author's sections.

Everything repeated across principle pages (title, ID badge, the rule, its
place on the reading list, the departure note, the review comment, the
source link, the end of a part) is produced here from the registry, so no
page repeats it by hand and every page words it alike.
"""

import html
from pathlib import PurePosixPath

from handbook.checker.coverage import checked_by_markdown
from handbook.content.anatomy import LEVELS_WITH_EXCEPTIONS
from handbook.content.departures import departure_comment
from handbook.content.registry import Principle, Registry
from handbook.content.review_comments import absolute, review_comment, review_line
from handbook.content.source_document import slugify
from handbook.site.lead_pair import lead_markdown
from handbook.site.local_links import (
    is_local,
    local_links_reminder,
    local_links_warning,
)
from handbook.site.reading_list import DESIGN_DOCUMENT_ANCHOR, START_HERE, Stop

LEVEL_LABELS = {"must": "Must", "should": "Should", "consider": "Consider"}
# docs/checker.md from a principle page (docs/principles/<area>/<slug>.md).
CHECKER_FROM_PRINCIPLE = "../../checker.md"
# Material's "content-copy" icon, inlined like the theme's own copy buttons.
COPY_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true">'
    '<path d="M19 21H8V7h11m0-2H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 '
    '2-2V7a2 2 0 0 0-2-2m-3-4H4a2 2 0 0 0-2 2v14h2V3h12z"/></svg>'
)


def level_badge(level: str) -> str:
    """The coloured Must / Should / Consider label (handbook.css ``.pbp-level``)."""
    return f'<span class="pbp-level pbp-level--{level}">{LEVEL_LABELS[level]}</span>'


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
        f"{level_badge(principle.level)}"
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
    # Shown whole, for copying; followed, it has to open wherever this build
    # is served, which a local address (another port, another machine) may
    # not. Raw HTML, as the badge is: MkDocs would check a Markdown link's
    # relative target as a page's, and the short URLs are generated pages.
    shown = short_link_text(short, principle.id)
    link = (
        f'<a href="{html.escape(badge_href)}">{shown}</a>'
        if is_local(site_url)
        else f"[{shown}]({short})"
    )
    return header + (
        f'!!! rule "The rule"\n\n    {principle.summary}\n\n'
        f"    Short link: {link}\n\n"
        f"    {checked_by_markdown(principle.id, CHECKER_FROM_PRINCIPLE)}\n\n"
        + local_links_warning(site_url, indent="    ")
    )


def short_link_text(short: str, principle_id: str) -> str:
    """The short link as shown, its ID kept on one line (unbroken_ids.py):
    on a phone it broke after the hyphen, as ``…/id/DB-`` / ``SESSION/``."""
    head, _, tail = short.rpartition(principle_id)
    return (
        f'{html.escape(head)}<span class="pbp-nowrap">{principle_id}</span>'
        f"{html.escape(tail)}"
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
