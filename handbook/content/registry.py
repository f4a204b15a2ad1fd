"""The principle registry: every principle page's front matter, checked.

A principle page lives at ``docs/principles/<area>/<slug>.md`` and declares
its identity in YAML front matter. The registry loads them all, validates
every field, and holds them against two committed data files in
``docs/_data/``:

* ``areas.yml`` — the areas in onboarding order; it decides the reading order.
* ``ids.lock.yml`` — every ID ever published. IDs are never removed or reused:
  a principle that goes away is marked ``merged-into`` another or ``retired``,
  and its short URL keeps working.

Every problem is a :class:`~handbook.content.locations.LocatedError` naming the file
and line to fix.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handbook.content.locations import LocatedError, Location
from handbook.content.markdown_document import MarkdownDocument, read_document
from handbook.content.yaml_nodes import (
    compose_file,
    mapping_entries,
    node_location,
    node_value,
)

PRINCIPLES_DIR = "principles"
DATA_DIR = "_data"
LEVELS = ("must", "should", "consider")
REQUIRED_FIELDS = (
    "id",
    "title",
    "short_name",
    "summary",
    "area",
    "level",
    "tags",
    "source",
    "since",
)
# A short name is what the sidebar, search results and Start here show beside
# the ID: long enough to say what the rule is about, short enough for one line.
SHORT_NAME_WORDS = (2, 4)
# Optional: ``aliases``, a list of the words readers search with (tool names,
# error messages, API names); shown on the page and boosted in search.
ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
LOCK_STATUSES = ("active", "merged-into", "retired")


@dataclass(frozen=True)
class Area:
    """A group of principles; ``areas.yml`` lists them in reading order."""

    key: str
    title: str
    description: str


@dataclass(frozen=True)
class Principle:
    """One principle, as declared by its page's front matter."""

    id: str
    title: str
    short_name: str
    """Two to four words, shown with the ID where a list of principles is scanned."""
    summary: str
    area: str
    level: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    """Headings of the source document the principle comes from, main one first."""
    since: dt.date
    path: Path
    """Page path relative to ``docs/``, e.g. ``principles/tooling/uv-only.md``."""
    document: MarkdownDocument = field(compare=False, repr=False)
    """The page as read: front matter, body, code blocks, sections."""
    aliases: tuple[str, ...] = ()
    """Words readers search with: tool names, error messages, API names."""

    @property
    def label(self) -> str:
        """``ID · short name``: how lists of principles name one."""
        return f"{self.id} · {self.short_name}"

    @property
    def source(self) -> str:
        """The main source heading (the first of ``sources``)."""
        return self.sources[0]

    def identity(self) -> dict[str, str]:
        """What every machine-readable list of principles gives first for
        each (principles.json, the checker's catalogue): ID, names, summary,
        level and area."""
        return {
            "id": self.id,
            "title": self.title,
            "short_name": self.short_name,
            "summary": self.summary,
            "level": self.level,
            "area": self.area,
        }

    @property
    def url(self) -> str:
        """Site-relative URL of the page (directory URLs)."""
        return self.path.with_suffix("").as_posix() + "/"

    @property
    def short_url(self) -> str:
        """Site-relative short URL that never changes: ``id/<ID>/``."""
        return f"id/{self.id}/"


@dataclass(frozen=True)
class LockEntry:
    """One line of the IDs lock."""

    id: str
    status: str
    target: str | None
    reason: str | None
    location: Location


@dataclass(frozen=True)
class Registry:
    """All principles, their areas and the IDs lock, validated together."""

    areas: tuple[Area, ...]
    principles: tuple[Principle, ...]
    lock: tuple[LockEntry, ...]

    def by_id(self, principle_id: str) -> Principle:
        return next(p for p in self.principles if p.id == principle_id)

    def by_path(self, path: Path | str) -> Principle | None:
        path = Path(path)
        return next((p for p in self.principles if p.path == path), None)

    def in_area(self, area: Area) -> list[Principle]:
        return [p for p in self.reading_order() if p.area == area.key]

    def areas_in_use(self) -> list[tuple[Area, list[Principle]]]:
        """Each area that has principles, with them in reading order."""
        grouped = [(area, self.in_area(area)) for area in self.areas]
        return [(area, principles) for area, principles in grouped if principles]

    def reading_order(self) -> list[Principle]:
        """Onboarding order: areas as listed, then must before should before
        consider, then by title. Derived, never kept by hand."""
        area_rank = {area.key: rank for rank, area in enumerate(self.areas)}
        return sorted(
            self.principles,
            key=lambda p: (area_rank[p.area], LEVELS.index(p.level), p.title),
        )

    def redirects(self) -> dict[str, str]:
        """Short-URL targets for every ID in the lock, retired ones included."""
        targets = {p.id: p.url for p in self.principles}
        for entry in self.lock:
            if entry.status == "merged-into":
                # load_registry refuses a merged-into entry without a target.
                targets[entry.id] = targets[entry.target]  # type: ignore[index]
            elif entry.status == "retired":
                targets[entry.id] = f"ids/#{entry.id.lower()}"
        return targets


def load_principle(
    docs_dir: Path, document: MarkdownDocument, areas: dict[str, Area]
) -> Principle:
    """Validate one principle page's front matter; the first bad field fails."""
    for name in REQUIRED_FIELDS:
        if document.meta.get(name) in (None, "", []):
            raise LocatedError(
                document.location(1), f"front matter lacks the required field '{name}'"
            )
    fields = _Fields(document)
    return Principle(
        id=fields.check("id", _is_id, "is not an uppercase mnemonic like TEST-ROLLBACK"),
        area=_area(fields, areas, document.path.relative_to(docs_dir)),
        level=fields.check("level", LEVELS.__contains__, f"is not one of {', '.join(LEVELS)}"),
        tags=tuple(fields.strings("tags", "tags must be a list of strings")),
        aliases=tuple(
            alias.strip()
            for alias in fields.strings(
                "aliases",
                "aliases must be a list of strings (words readers search with)",
                default=[],
            )
        ),
        since=fields.check("since", _is_date, "is not a date like 2026-11-26"),
        title=_title(fields),
        short_name=_short_name(fields),
        summary=_summary(fields),
        sources=_sources(fields),
        path=document.path.relative_to(docs_dir),
        document=document,
    )  # fmt: skip


class _Fields:
    """Front matter fields, read with a check; a failed check names the field's line."""

    def __init__(self, document: MarkdownDocument) -> None:
        self.document = document

    def fail(self, name: str, message: str) -> LocatedError:
        return LocatedError(self.document.field_location(name), message)

    def check(self, name: str, valid: Callable[[Any], bool], problem: str) -> Any:
        value = self.document.meta[name]
        if not valid(value):
            raise self.fail(name, f"{name} {value!r} {problem}")
        return value

    def strings(
        self, name: str, message: str, default: list[str] | None = None
    ) -> list[str]:
        """A list of non-blank strings."""
        value = self.document.meta.get(name, default)
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise self.fail(name, message)
        return value


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and ID_PATTERN.match(value) is not None


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date)


def _area(fields: _Fields, areas: dict[str, Area], relative: Path) -> str:
    """The area exists, and the page lives in its folder."""
    area = fields.check(
        "area",
        areas.__contains__,
        f"is not in docs/_data/areas.yml ({', '.join(areas)})",
    )
    expected_dir = Path(PRINCIPLES_DIR) / area
    if relative.parent != expected_dir:
        raise fields.fail(
            "area", f"a principle of area {area!r} belongs in docs/{expected_dir}/"
        )
    return str(area)


def _text(fields: _Fields, name: str) -> str:
    value = fields.document.meta[name]
    if not isinstance(value, str):
        raise fields.fail(name, f"{name} must be a string")
    return value


def _title(fields: _Fields) -> str:
    """A statement, without a final full stop."""
    value = _text(fields, "title")
    if value.rstrip().endswith("."):
        raise fields.fail("title", "a title is a statement without a final full stop")
    return value.strip()


def _short_name(fields: _Fields) -> str:
    """Two to four words, on one line: a name to scan, not a sentence."""
    value = " ".join(_text(fields, "short_name").split())
    fewest, most = SHORT_NAME_WORDS
    if not fewest <= len(value.split()) <= most:
        raise fields.fail(
            "short_name",
            f"short_name {value!r} has {len(value.split())} words: give the "
            f"principle a name of {fewest} to {most} words (the title holds the rule)",
        )
    return value


# A sentence ends inside the text: . ! or ? (perhaps closed by a quote or a
# bracket), then a space, whatever follows: a second sentence may start in
# lower case, with a digit or with code. The stops that end no sentence are
# those of e.g., i.e., vs., etc. and an ellipsis ("Mapped[...] and"); any
# other abbreviation is refused, and the message says which are allowed.
_INNER_SENTENCE_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<!\.\.)"
    r"[.!?][\"'\u2019\u201d)\]]*\s+(?=\S)"
)


def _summary(fields: _Fields) -> str:
    """One sentence, ending with a full stop; read as one line."""
    value = " ".join(_text(fields, "summary").split())
    if not value.endswith(".") or _INNER_SENTENCE_END.search(value):
        raise fields.fail(
            "summary",
            "the summary is one sentence ending with a full stop (a stop inside"
            " it ends a sentence, except in e.g., i.e., vs., etc. and ...)",
        )
    return value


def _sources(fields: _Fields) -> tuple[str, ...]:
    """One heading of the source, or a list of them when a page covers several."""
    value = fields.document.meta["source"]
    headings = value if isinstance(value, list) else [value]
    if not all(isinstance(h, str) and h.strip() for h in headings):
        raise fields.fail("source", "source must be a heading, or a list of headings")
    stripped = tuple(h.strip() for h in headings)
    if len(set(stripped)) != len(stripped):
        raise fields.fail("source", "source lists a heading twice")
    return stripped


def load_areas(path: Path) -> dict[str, Area]:
    root = compose_file(path)
    if not isinstance(root, yaml.SequenceNode) or not root.value:
        raise LocatedError(
            Location(path, 1), "areas.yml must be a non-empty list of areas"
        )
    areas: dict[str, Area] = {}
    for node in root.value:
        item = node_value(path, node, "an area")
        key = item.get("key") if isinstance(item, dict) else None
        location = node_location(path, node)
        if not key or not item.get("title") or not item.get("description"):
            raise LocatedError(location, "each area needs key, title and description")
        if key in areas:
            raise LocatedError(location, f"area {key!r} is listed twice")
        areas[key] = Area(
            key=key,
            title=item["title"],
            description=" ".join(item["description"].split()),
        )
    return areas


def load_lock(path: Path) -> list[LockEntry]:
    """Each ID's entry at its line; an ID listed twice is an error (YAML
    alone would keep the last silently)."""
    root = compose_file(path)
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise LocatedError(
            Location(path, 1), "the IDs lock must map each ID to its status"
        )
    entries: dict[str, LockEntry] = {}
    for principle_id, key, node in mapping_entries(path, root, "the IDs lock"):
        location = node_location(path, key)
        if first := entries.get(principle_id):
            raise LocatedError(
                location,
                f"ID {principle_id} is listed twice (first on line "
                f"{first.location.line})",
            )
        value = node_value(path, node, principle_id) or {}
        if not isinstance(value, dict):
            raise LocatedError(
                location, f"{principle_id}: give its status as {{status: active}}"
            )
        entries[principle_id] = _lock_entry(principle_id, value, location)
    return list(entries.values())


# What each status needs besides itself, and how to say it is missing.
_STATUS_NEEDS = {
    "merged-into": ("target", "a merged ID needs 'target: <ID it merged into>'"),
    "retired": ("reason", "a retired ID needs a 'reason'"),
}


def _lock_entry(
    principle_id: str, value: dict[str, Any], location: Location
) -> LockEntry:
    status = value.get("status")
    if status not in LOCK_STATUSES:
        raise LocatedError(
            location,
            f"{principle_id}: status must be one of {', '.join(LOCK_STATUSES)}",
        )
    needed, problem = _STATUS_NEEDS.get(status, ("status", ""))
    if not value.get(needed):
        raise LocatedError(location, f"{principle_id}: {problem}")
    return LockEntry(
        principle_id, status, value.get("target"), value.get("reason"), location
    )


def check_against_lock(
    principles: Iterable[Principle], lock: list[LockEntry], lock_path: Path
) -> None:
    """IDs are published for good: none disappears, none is reused."""
    by_id = _unique_ids(principles)
    locked = {entry.id: entry for entry in lock}
    for principle in by_id.values():
        _check_published(principle, locked.get(principle.id), lock_path)
    for entry in lock:
        _check_kept(entry, locked, by_id)


def _unique_short_names(principles: Iterable[Principle]) -> None:
    """Two principles with one name could not be told apart in the sidebar."""
    by_name: dict[str, Principle] = {}
    for principle in principles:
        key = principle.short_name.casefold()
        if first := by_name.get(key):
            raise LocatedError(
                principle.document.field_location("short_name"),
                f"short_name {principle.short_name!r} is already the name of "
                f"{first.id} (docs/{first.path}): pick a name that tells them apart",
            )
        by_name[key] = principle


def _unique_ids(principles: Iterable[Principle]) -> dict[str, Principle]:
    by_id: dict[str, Principle] = {}
    for principle in principles:
        if first := by_id.get(principle.id):
            raise LocatedError(
                principle.document.field_location("id"),
                f"duplicate ID {principle.id}: docs/{first.path} already uses it",
            )
        by_id[principle.id] = principle
    return by_id


def _check_published(
    principle: Principle, entry: LockEntry | None, lock_path: Path
) -> None:
    """A page's ID is in the lock, and active: never one that was given up."""
    where = principle.document.field_location("id")
    if entry is None:
        raise LocatedError(
            where,
            f"ID {principle.id} is not in {lock_path.as_posix()}: add "
            f"'{principle.id}: {{status: active}}' to publish it",
        )
    if entry.status != "active":
        raise LocatedError(
            where,
            f"ID {principle.id} was {entry.status} ({entry.location}); IDs are never "
            "reused: pick a new one",
        )


def _check_kept(
    entry: LockEntry, locked: dict[str, LockEntry], by_id: dict[str, Principle]
) -> None:
    """A published ID still leads somewhere: its page, or the one it merged into."""
    if entry.status == "active" and entry.id not in by_id:
        raise LocatedError(
            entry.location,
            f"published ID {entry.id} has no page any more: restore the page, or mark "
            "the ID 'merged-into' another (its short URL will redirect there) or "
            "'retired' with a reason",
        )
    if entry.status == "merged-into":
        target = locked.get(entry.target or "")
        if target is None or target.status != "active" or entry.target not in by_id:
            raise LocatedError(
                entry.location,
                f"{entry.id} is merged into {entry.target}, which is not an active ID",
            )


def load_registry(docs_dir: Path) -> Registry:
    """Load every principle page under ``docs/principles`` and validate all of it."""
    docs_dir = Path(docs_dir)
    pages = sorted((docs_dir / PRINCIPLES_DIR).rglob("*.md"))
    return registry_of(
        docs_dir, [read_document(page) for page in pages if page.name != "index.md"]
    )


def registry_of(docs_dir: Path, documents: Iterable[MarkdownDocument]) -> Registry:
    """The registry of principle pages already read, checked against the data files."""
    data_dir = docs_dir / DATA_DIR
    areas = load_areas(data_dir / "areas.yml")
    lock_path = data_dir / "ids.lock.yml"
    lock = load_lock(lock_path)
    principles = [load_principle(docs_dir, document, areas) for document in documents]
    check_against_lock(principles, lock, lock_path)
    _unique_short_names(principles)
    return Registry(
        areas=tuple(areas.values()), principles=tuple(principles), lock=tuple(lock)
    )
