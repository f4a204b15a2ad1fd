"""Coverage of the source document: every section with guidance has a principle.

A section has guidance when text or code sits directly under its heading;
a heading that only groups sub-headings ("Database Patterns") has none. A
principle covers the headings its front matter's ``source`` names.

The areas file promises topics too: each area maps every phrase of its
description that names a topic to the tag (or title words) of a principle
of that area delivering it, so the reading order never advertises a page
that does not exist.
"""

from pathlib import Path

from handbook.content import yaml_loading
from handbook.content.fences import fenced_lines
from handbook.content.markdown_document import atx_heading
from handbook.content.registry import Registry
from handbook.content.source_document import SourceDocument


def guidance_headings(source: SourceDocument) -> list[str]:
    """Headings with text or code of their own, in document order."""
    code_lines = fenced_lines(source.path, source.text)
    found: list[str] = []
    current: str | None = None
    has_content = False
    for number, line in enumerate(source.text.splitlines(), start=1):
        heading = None if number in code_lines else atx_heading(line)
        if heading and heading[0] > 1:  # the title groups the whole document
            if current and has_content:
                found.append(current)
            current, has_content = heading[1], False
        elif current and line.strip():
            has_content = True
    if current and has_content:
        found.append(current)
    return found


def uncovered_headings(registry: Registry, source: SourceDocument) -> list[str]:
    """Guidance headings no principle cites, in document order."""
    cited = {heading for p in registry.principles for heading in p.sources}
    return [h for h in guidance_headings(source) if h not in cited]


def broken_area_promises(registry: Registry, areas_file: Path) -> list[str]:
    """Topics an area promises that none of its principles delivers."""
    problems = []
    for item in yaml_loading.safe_load(areas_file.read_text(encoding="utf-8")):
        topics = item.get("topics")
        if not isinstance(topics, dict) or not topics:
            problems.append(
                f"{areas_file.name}: area {item['key']!r} maps no topics: map each "
                "phrase of its description to the tag of the principle delivering it"
            )
            continue
        description = " ".join(item["description"].split()).lower()
        principles = [p for p in registry.principles if p.area == item["key"]]
        for phrase, tag in topics.items():
            if str(phrase).lower() not in description:
                problems.append(
                    f"{areas_file.name}: area {item['key']!r}: {phrase!r} is not in "
                    "its description"
                )
            wanted = str(tag).lower()
            if not any(
                wanted in p.title.lower() or wanted in (t.lower() for t in p.tags)
                for p in principles
            ):
                problems.append(
                    f"{areas_file.name}: area {item['key']!r} promises {phrase!r}, "
                    f"but no principle of the area has {tag!r} as a tag or in its title"
                )
    return problems
