"""The Don't / Do pair that leads a principle page, right under the rule.

Like Ruff's rule pages ("Example" / "Use instead"), the first screen of a
principle shows the difference in code. The pair is not written twice: it
is a copy of one block of the page's ``## Don't`` section and one of its
``## Do`` section, so it is exactly as verified as those blocks (an include
of a tested named section, or an inline block pytest-examples runs), and it
cannot drift from them.

Which block leads, per section:

- the block front matter points at, ``lead: {dont: 2, do: 1}`` (the
  section's code blocks counted from 1, nested ones included);
- or the named section front matter points at, ``lead: {dont:
  "tests/x.py:core"}``: a section nested inside one that a block of that
  page section includes, so the lead is an excerpt of code the section shows,
  trimmed by markers in the tested file and never by hand;
- or, without a pointer, the section's first block that is code (not
  ``text`` output) and at most ``LEAD_MAX_LINES`` lines long, includes
  expanded.

A pointer at a missing block or section, at a section no block of the page
section includes around it, or at code longer than ``LEAD_MAX_LINES`` stops
the build at the line to fix. A section with no short code block and no
pointer leads with its opening sentence and a link to its examples instead
(the fallback): the pair stays short, and a long block is never cut.
"""

from dataclasses import dataclass

from handbook.content.fences import FencedBlock
from handbook.content.includes import expand, resolve_target
from handbook.content.locations import LocatedError, Location
from handbook.content.markdown_document import MarkdownDocument, Section
from handbook.content.snippet_sections import sections_in

LEAD_MAX_LINES = 20
"""At most this many lines per lead block: two of them and the rule fit a
laptop's first screen, and the page stays within its weight budget."""

LEAD_SECTIONS = {"dont": "Don't", "do": "Do"}
"""Front-matter key of ``lead:`` -> the section it points into, in the pair's order."""

_NOT_CODE = frozenset({"text", ""})


@dataclass(frozen=True)
class LeadItem:
    """One side of the pair: a block of its section, or its opening words."""

    section: str
    anchor: str
    block: FencedBlock | None
    """The block that leads, or that holds the excerpt that leads."""
    opening: str
    """The section's first paragraph: shown when no block leads."""
    excerpt: str | None = None
    """``path:section`` nested inside ``block``'s include, when that leads."""


def lead_pair(document: MarkdownDocument) -> list[LeadItem]:
    """Don't, then Do, each with the block that leads it (or None: the fallback)."""
    pointers = _pointers(document)
    items = []
    for key, title in LEAD_SECTIONS.items():
        section = document.section(title)
        if section is None:  # check_anatomy refuses such a page at load time
            raise LocatedError(
                document.location(document.body_line), f"'## {title}' is missing"
            )
        blocks = [b for b in document.fences if section.line < b.line < section.end]
        opening = _opening(document, section)
        pointer = pointers.get(key)
        if isinstance(pointer, str):
            holder = _holder(document, key, pointer, blocks)
            items.append(LeadItem(title, _slug(title), holder, opening, pointer))
            continue
        if pointer is not None:
            block: FencedBlock | None = _pointed(document, key, pointer, blocks)
        else:
            block = next(
                (
                    b
                    for b in blocks
                    if b.language not in _NOT_CODE and _length(b) <= LEAD_MAX_LINES
                ),
                None,
            )
        items.append(LeadItem(title, _slug(title), block, _opening(document, section)))
    return items


def fallback_sections(document: MarkdownDocument) -> list[str]:
    """The sections of a page that lead with words, not code."""
    return [item.section for item in lead_pair(document) if item.block is None]


def lead_markdown(document: MarkdownDocument, lines: list[str]) -> str:
    """The pair as Markdown, copied from ``lines`` (the page's lines as built)."""
    parts = ['<div class="pbp-lead" data-search-exclude markdown>', ""]
    for item in lead_pair(document):
        modifier = "dont" if item.anchor == "dont" else "do"
        parts.append(
            f'<p class="pbp-lead__label pbp-lead__label--{modifier}" markdown>'
            f"**{item.section}** · [see the {item.section} section](#{item.anchor})</p>"
        )
        parts.append("")
        if item.block is None:
            parts += [f'<p class="pbp-lead__opening" markdown>{item.opening}</p>', ""]
        elif item.excerpt is not None:
            fence = _block_lines(item.block, lines)
            parts += [fence[0], f'--8<-- "{item.excerpt}"', fence[-1], ""]
        else:
            parts += [*_block_lines(item.block, lines), ""]
    return "\n".join([*parts, "</div>", "", ""])


def _pointers(document: MarkdownDocument) -> dict[str, int | str]:
    lead = document.meta.get("lead")
    if lead is None:
        return {}
    where = document.field_location("lead")
    if not isinstance(lead, dict) or not set(lead) <= set(LEAD_SECTIONS):
        raise LocatedError(
            where,
            "lead must map 'dont' and/or 'do' to a block number of that section "
            'or a named section it quotes, e.g. lead: {dont: 2, do: "path.py:name"}',
        )
    for key, value in lead.items():
        if isinstance(value, str) and resolve_target(value)[1]:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise LocatedError(
                where,
                f"lead.{key} must be a block number from 1 or a 'path:section', "
                f"not {value!r}",
            )
    return dict(lead)


def _holder(
    document: MarkdownDocument, key: str, target: str, blocks: list[FencedBlock]
) -> FencedBlock:
    """The block of the page section whose include encloses the named section."""
    where = document.field_location("lead")
    path, name = resolve_target(target)
    if not path.is_file():
        raise LocatedError(where, f"lead.{key}: no file {path.name} for {target!r}")
    by_name = {s.name: s for s in sections_in(path)}
    if name not in by_name:
        raise LocatedError(where, f"lead.{key}: {path.name} has no section '{name}'")
    inner = by_name[name]
    for block in blocks:
        for quoted in block.includes:
            quoted_path, quoted_name = resolve_target(quoted)
            outer = by_name.get(quoted_name or "") if quoted_path == path else None
            if (
                outer
                and outer.start_line
                < inner.start_line
                < inner.end_line
                < outer.end_line
            ):
                length = inner.end_line - inner.start_line - 1
                if length > LEAD_MAX_LINES:
                    raise LocatedError(
                        Location(path, inner.start_line),
                        f"section '{name}' leads {document.path} but is {length} "
                        f"lines long; a lead has at most {LEAD_MAX_LINES}",
                    )
                return block
    raise LocatedError(
        where,
        f"lead.{key}: section '{name}' is not inside a section that "
        f"'## {LEAD_SECTIONS[key]}' quotes; a lead excerpt comes from code the "
        "section shows",
    )


def _pointed(
    document: MarkdownDocument, key: str, number: int, blocks: list[FencedBlock]
) -> FencedBlock:
    """The block a number points at, checked to exist and to be short."""
    title = LEAD_SECTIONS[key]
    if number > len(blocks):
        raise LocatedError(
            document.field_location("lead"),
            f"lead.{key} is {number}, but '## {title}' has {len(blocks)} code "
            f"block{'s' if len(blocks) != 1 else ''}",
        )
    block = blocks[number - 1]
    if (length := _length(block)) > LEAD_MAX_LINES:
        raise LocatedError(
            document.location(block.line),
            f"this block leads the page (lead.{key}: {number}) but is {length} lines "
            f"long; a lead block has at most {LEAD_MAX_LINES}: point at a shorter "
            f"block, or quote a shorter named section",
        )
    return block


def _length(block: FencedBlock) -> int:
    """Lines the block shows on the page, includes expanded."""
    return (expand(block) if block.is_include else block.source).count("\n")


def _block_lines(block: FencedBlock, lines: list[str]) -> list[str]:
    """The block's lines as the page has them, moved out of any indentation."""
    raw = lines[block.lines.start - 1 : block.lines.stop - 1]
    indent = len(raw[0]) - len(raw[0].lstrip(" "))
    return [line[min(indent, len(line) - len(line.lstrip(" "))) :] for line in raw]


def _opening(document: MarkdownDocument, section: Section) -> str:
    """The section's first paragraph, joined onto one line."""
    paragraph: list[str] = []
    for number in range(section.line + 1, section.end):
        if number in document.fenced_lines:
            break
        line = document.lines[number - 1].strip()
        if not line:
            if paragraph:
                break
            continue
        paragraph.append(line)
    text = " ".join(paragraph).rstrip(":").rstrip()
    return text + ("" if text.endswith((".", "!", "?")) else ".")


def _slug(title: str) -> str:
    """The heading's anchor, as the toc extension makes it."""
    return "".join(c for c in title.lower() if c.isalnum() or c in "-_ ").replace(
        " ", "-"
    )
