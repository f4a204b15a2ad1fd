"""The generated pages that list principles: Checklist, Start here, Principle IDs, Changes.

Each is derived from the registry (and Start here from the reading list),
so a new principle takes its place on every list by itself and no list is
kept by hand.
"""

import html
import math

from handbook.checker.coverage import checked_by_tools
from handbook.content.registry import Principle, Registry
from handbook.content.review_comments import absolute
from handbook.site.local_links import local_links_warning
from handbook.site.principle_page import level_badge
from handbook.site.reading_list import DESIGN_DOCUMENT_ANCHOR, Part, Stop, parts


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
            f"{level_badge(p.level)} "
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
        # A link, not a pointer at a list below: on a phone the list starts a
        # screen further down, and the first screen had no way in.
        f"[Open the first principle]({stops[0].principle.path.as_posix()}) and "
        "follow **Next** at the foot of each page: it "
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
        f"{level_badge(principle.level)} "
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
