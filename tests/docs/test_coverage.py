"""Coverage is a test: every section of the source with guidance has a principle.

And nothing promises a page that does not exist: each topic an area's
description names is delivered by a principle of that area.
"""

import re
from pathlib import Path

import pytest
import yaml

from handbook.checks.coverage import (
    broken_area_promises,
    guidance_headings,
    uncovered_headings,
)
from handbook.content.docs_tree import DOCS_DIR, markdown_pages
from handbook.content.fences import fenced_lines
from handbook.content.registry import Area, Registry, load_registry
from handbook.content.source_document import SourceDocument
from handbook.site.site_pages import site_pages


@pytest.fixture(scope="module")
def source() -> SourceDocument:
    return SourceDocument.load(DOCS_DIR)


def test_every_guidance_section_of_the_source_has_a_principle(
    registry: Registry, source: SourceDocument
) -> None:
    missing = list(uncovered_headings(registry, source))
    assert not missing, (
        "source sections with guidance and no principle (cite them in a page's "
        f"front matter, `source:`): {missing}"
    )


def test_the_quick_start_and_example_sections_count_as_guidance(
    source: SourceDocument,
) -> None:
    headings = guidance_headings(source)
    assert "Quick Start Checklist" in headings
    assert "Example Implementation" in headings
    # A heading that only groups sub-sections has nothing to cover itself.
    assert "Database Patterns" not in headings
    assert "Model Organization" in headings


def test_a_page_citing_several_sections_is_listed_under_each(
    registry: Registry, source: SourceDocument
) -> None:
    principle = registry.by_id("SEC-SECRETS")
    assert principle.sources == (
        "Security Considerations",
        "Gitleaks Configuration",
    )
    rendered = re.split(r"\n#{2,6} ", source.render(list(registry.principles)))
    for heading in principle.sources:
        section = next(s for s in rendered if s.startswith(heading))
        assert "[SEC-SECRETS](principles/security/secrets.md)" in section


def test_a_section_nobody_cites_fails_naming_it(
    tmp_path: Path, source: SourceDocument
) -> None:
    text = source.text.replace(
        "## Anti-Patterns to Avoid",
        "## Rate Limiting\n\nLimit every public endpoint.\n\n## Anti-Patterns to Avoid",
    )
    copy = tmp_path / "source-document.md"
    copy.write_text(text)
    extended = SourceDocument(copy, text)
    registry = load_registry(DOCS_DIR)
    assert "Rate Limiting" in uncovered_headings(registry, extended)


def test_every_topic_an_area_promises_has_a_principle(registry: Registry) -> None:
    problems = broken_area_promises(registry, DOCS_DIR / "_data" / "areas.yml")
    assert not problems, "\n".join(problems)


def test_an_area_promising_a_missing_topic_fails(
    tmp_path: Path, registry: Registry
) -> None:
    areas_file = DOCS_DIR / "_data" / "areas.yml"
    areas = yaml.safe_load(areas_file.read_text())
    area = next(a for a in areas if registry.in_area(_area(registry, a["key"])))
    area["description"] += " Also rate limiting."
    area["topics"]["rate limiting"] = "rate-limit"
    broken = tmp_path / "areas.yml"
    broken.write_text(yaml.safe_dump(areas))

    problems = broken_area_promises(registry, broken)

    assert problems == [
        f"areas.yml: area {area['key']!r} promises 'rate limiting', but no "
        "principle of the area has 'rate-limit' as a tag or in its title"
    ]


def _area(registry: Registry, key: str) -> Area:
    return next(a for a in registry.areas if a.key == key)


def test_every_link_between_pages_leads_to_a_page() -> None:
    """The strict site build catches these too; this names file and line at once."""
    generated = {row.uri for row in site_pages() if row.generated}
    broken = []
    for page in markdown_pages():
        code = fenced_lines(page, page.read_text())
        for number, line in enumerate(page.read_text().splitlines(), start=1):
            if number in code:
                continue
            prose_only = re.sub(r"`[^`]*`", "", line)  # examples in inline code
            for target in re.findall(r"\]\(([^)#:\s]+\.md)(?:#[^)]*)?\)", prose_only):
                path = (page.parent / target).resolve()
                inside = path.is_relative_to(DOCS_DIR)
                name = path.relative_to(DOCS_DIR).as_posix() if inside else None
                if not path.is_file() and name not in generated:
                    broken.append(f"{page.relative_to(DOCS_DIR)}:{number}: {target}")
    assert broken == [], "links to pages that do not exist:\n" + "\n".join(broken)


def test_a_heading_is_read_the_same_by_the_pages_the_source_and_its_coverage(
    tmp_path: Path,
) -> None:
    """One reading of a heading: an attribute list is not part of its text."""
    text = "# Design\n\n## Error handling {#errors}\n\nReturn one error body.\n"
    path = tmp_path / "design.md"
    path.write_text(text)
    source = SourceDocument(path, text)

    assert guidance_headings(source) == ["Error handling"]
    assert list(source.headings) == ["Error handling"]
