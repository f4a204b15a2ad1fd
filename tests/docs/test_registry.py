"""The registry: stable IDs, complete front matter, nothing published is lost."""

import re
import shutil
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.locations import LocatedError
from handbook.content.registry import REQUIRED_FIELDS, Registry, load_registry
from handbook.content.source_document import SourceDocument


def _set_lock_entry(docs: Path, principle_id: str, entry: str) -> None:
    """Change an ID's line in the copy's IDs lock, e.g. to merged or retired."""
    lock = docs / "_data" / "ids.lock.yml"
    old = f"{principle_id}: {{status: active}}"
    assert old in lock.read_text()
    lock.write_text(lock.read_text().replace(old, f"{principle_id}: {entry}"))


def _first_page(docs: Path) -> Path:
    return sorted((docs / "principles").rglob("*.md"))[0]


def test_the_real_registry_loads(registry: Registry) -> None:
    assert len(registry.principles) >= 3


def test_every_source_section_cited_exists(registry: Registry) -> None:
    source = SourceDocument.load(DOCS_DIR)
    for principle in registry.principles:
        source.anchor_for(principle)


def test_reading_order_follows_areas_then_level(registry: Registry) -> None:
    order = registry.reading_order()
    area_rank = [a.key for a in registry.areas]
    ranks = [
        (area_rank.index(p.area), ("must", "should", "consider").index(p.level))
        for p in order
    ]
    assert ranks == sorted(ranks)


def test_a_removed_id_fails_naming_the_lock_line(docs_copy: Path) -> None:
    page = _first_page(docs_copy)
    principle_id = next(
        line.split(":", 1)[1].strip()
        for line in page.read_text().splitlines()
        if line.startswith("id:")
    )
    page.unlink()
    with pytest.raises(
        LocatedError,
        match=rf"ids\.lock\.yml:\d+: published ID {principle_id} has no page",
    ):
        load_registry(docs_copy)


def test_a_merged_id_keeps_redirecting(docs_copy: Path, registry: Registry) -> None:
    survivor, absorbed = registry.principles[0], registry.principles[1]
    (docs_copy / absorbed.path).unlink()
    _set_lock_entry(
        docs_copy, absorbed.id, f"{{status: merged-into, target: {survivor.id}}}"
    )
    merged = load_registry(docs_copy)
    assert merged.redirects()[absorbed.id] == survivor.url


def test_a_retired_id_leads_to_the_id_index(
    docs_copy: Path, registry: Registry
) -> None:
    retired = registry.principles[0]
    (docs_copy / retired.path).unlink()
    _set_lock_entry(docs_copy, retired.id, '{status: retired, reason: "superseded"}')
    assert (
        load_registry(docs_copy).redirects()[retired.id] == f"ids/#{retired.id.lower()}"
    )


def test_an_id_cannot_be_reused(docs_copy: Path, registry: Registry) -> None:
    old = registry.principles[0]
    _set_lock_entry(docs_copy, old.id, '{status: retired, reason: "gone"}')
    with pytest.raises(
        LocatedError,
        match=rf"{old.path.name}:\d+: ID {old.id} was retired .* never reused",
    ):
        load_registry(docs_copy)


def test_a_duplicate_id_fails(docs_copy: Path) -> None:
    page = _first_page(docs_copy)
    # Named to sort after the original, which is loaded first and keeps the ID.
    shutil.copy(page, page.with_name("zz-duplicate-of-" + page.name))
    with pytest.raises(LocatedError, match=r"zz-duplicate-of-.*\.md:\d+: duplicate ID"):
        load_registry(docs_copy)


def test_an_unpublished_id_must_be_added_to_the_lock(docs_copy: Path) -> None:
    page = _first_page(docs_copy)
    text = page.read_text()
    old_id = next(line for line in text.splitlines() if line.startswith("id:"))
    page.write_text(text.replace(old_id, "id: BRAND-NEW-ID"))
    with pytest.raises(
        LocatedError, match=r"\.md:\d+: ID BRAND-NEW-ID is not in .*ids\.lock\.yml"
    ):
        load_registry(docs_copy)


def test_an_id_listed_twice_in_the_lock_fails_at_its_second_line(
    docs_copy: Path, registry: Registry
) -> None:
    lock = docs_copy / "_data" / "ids.lock.yml"
    lines = lock.read_text().count("\n")
    retired = registry.principles[0].id
    lock.write_text(lock.read_text() + f'{retired}: {{status: retired, reason: "x"}}\n')
    with pytest.raises(
        LocatedError,
        match=rf"ids\.lock\.yml:{lines + 1}: ID {retired} is listed twice",
    ):
        load_registry(docs_copy)


def test_a_field_given_twice_in_a_lock_entry_fails_at_its_line(
    docs_copy: Path, registry: Registry
) -> None:
    principle_id = registry.principles[0].id
    _set_lock_entry(docs_copy, principle_id, "{status: active, status: retired}")
    with pytest.raises(
        LocatedError, match=r"ids\.lock\.yml:\d+: .*'status' given twice"
    ):
        load_registry(docs_copy)


def test_an_area_listed_twice_fails_at_its_line(docs_copy: Path) -> None:
    areas = docs_copy / "_data" / "areas.yml"
    lines = areas.read_text().count("\n")
    areas.write_text(
        areas.read_text() + "- key: tooling\n  title: Again\n  description: Again.\n"
    )
    with pytest.raises(
        LocatedError, match=rf"areas\.yml:{lines + 1}: area 'tooling' is listed twice"
    ):
        load_registry(docs_copy)


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_a_page_missing_a_field_fails(docs_copy: Path, field: str) -> None:
    page = _first_page(docs_copy)
    lines = page.read_text().splitlines(keepends=True)
    page.write_text("".join(line for line in lines if not line.startswith(f"{field}:")))
    with pytest.raises(
        LocatedError,
        match=rf"{page.name}:\d+: front matter lacks the required field '{field}'",
    ):
        load_registry(docs_copy)


@pytest.mark.parametrize(
    ("field", "bad_value", "message"),
    [
        ("id", "lower-case", "is not an uppercase mnemonic"),
        ("level", "may", "is not one of must, should, consider"),
        ("area", "misc", "is not in docs/_data/areas.yml"),
        ("since", "soon", "is not a date"),
        ("short_name", "Bound every single query parameter", "has 5 words"),
        ("short_name", "Indexes", "has 1 words"),
        ("summary", "Index every foreign key", "one sentence ending with a full stop"),
        (
            "summary",
            "Index every foreign key. Check the plan with EXPLAIN.",
            "one sentence ending with a full stop",
        ),
        (
            "summary",
            "Index every foreign key. then check the plan with EXPLAIN.",
            "one sentence ending with a full stop",
        ),
        (
            "summary",
            "Index every foreign key! 3 of 4 joins use one.",
            "one sentence ending with a full stop",
        ),
        ("title", "Orders are never lost.", "a statement without a final full stop"),
    ],
    ids=[
        "id",
        "level",
        "area",
        "since",
        "long name",
        "short name",
        "no stop",
        "two sentences",
        "a second sentence in lower case",
        "a second sentence starting with a digit",
        "title with a stop",
    ],
)
def test_a_bad_field_value_names_its_line(
    docs_copy: Path, field: str, bad_value: str, message: str
) -> None:
    page = _first_page(docs_copy)
    lines = page.read_text().splitlines(keepends=True)
    number = next(
        i for i, line in enumerate(lines, start=1) if line.startswith(f"{field}:")
    )
    lines[number - 1] = f"{field}: {bad_value}\n"
    page.write_text("".join(lines))
    with pytest.raises(LocatedError, match=rf"{page.name}:{number}: .*{message}"):
        load_registry(docs_copy)


@pytest.mark.parametrize(
    "summary",
    [
        "Index each foreign key, e.g. orders.user_id, in its migration.",
        "Index each foreign key, i.e. every column a join reads.",
        "Index a foreign key vs. scan its table on every join.",
        "Index foreign keys, unique columns, etc. in the migration.",
        "Declare columns with Mapped[...] and mapped_column(...) types.",
    ],
)
def test_a_summary_may_hold_the_allowed_abbreviations_and_an_ellipsis(
    docs_copy: Path, summary: str
) -> None:
    page = _first_page(docs_copy)
    text = re.sub(
        r"(?m)^summary: .*$", lambda _: f"summary: {summary}", page.read_text()
    )
    page.write_text(text)
    loaded = load_registry(docs_copy)
    assert summary in {principle.summary for principle in loaded.principles}


def test_short_names_are_two_to_four_words_and_tell_principles_apart(
    registry: Registry,
) -> None:
    names = [p.short_name for p in registry.principles]
    assert all(2 <= len(name.split()) <= 4 for name in names)
    assert len({name.casefold() for name in names}) == len(names)


def test_a_short_name_another_principle_has_fails_naming_its_line(
    docs_copy: Path, registry: Registry
) -> None:
    first, second = sorted(registry.principles, key=lambda p: p.path)[:2]
    page = docs_copy / second.path
    lines = page.read_text().splitlines(keepends=True)
    number = next(
        i for i, line in enumerate(lines, start=1) if line.startswith("short_name:")
    )
    lines[number - 1] = f"short_name: {first.short_name.upper()}\n"
    page.write_text("".join(lines))
    with pytest.raises(
        LocatedError,
        match=rf"{page.name}:{number}: short_name .* is already the name of {first.id}",
    ):
        load_registry(docs_copy)


def test_a_principle_is_labelled_by_id_and_short_name(registry: Registry) -> None:
    assert registry.by_id("API-ETAG").label == "API-ETAG · ETag conditional requests"
