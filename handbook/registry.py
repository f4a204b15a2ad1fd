"""The principle registry: every principle page's front matter, checked.

A principle page lives at ``docs/principles/<area>/<slug>.md`` and declares
its identity in YAML front matter. The registry loads them all, validates
every field, and holds them against two committed data files in
``docs/_data/``:

* ``areas.yml`` — the areas in onboarding order; it decides the reading order.
* ``ids.lock.yml`` — every ID ever published. IDs are never removed or reused:
  a principle that goes away is marked ``merged-into`` another or ``retired``,
  and its short URL keeps working.

Every problem is a :class:`~handbook.locations.LocatedError` naming the file
and line to fix.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from handbook import yaml_loading
from handbook.locations import LocatedError, Location, line_of

PRINCIPLES_DIR = "principles"
DATA_DIR = "_data"
LEVELS = ("must", "should", "consider")
REQUIRED_FIELDS = ("id", "title", "summary", "area", "level", "tags", "source", "since")
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
    summary: str
    area: str
    level: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    """Headings of the source document the principle comes from, main one first."""
    since: dt.date
    path: Path
    """Page path relative to ``docs/``, e.g. ``principles/tooling/uv-only.md``."""
    aliases: tuple[str, ...] = ()
    """Words readers search with: tool names, error messages, API names."""

    @property
    def source(self) -> str:
        """The main source heading (the first of ``sources``)."""
        return self.sources[0]

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


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, line where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise LocatedError(
            Location(path, 1), "no YAML front matter (start the file with '---')"
        )
    end = next(
        (i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None
    )
    if end is None:
        raise LocatedError(
            Location(path, 1), "front matter is not closed by a '---' line"
        )
    try:
        meta = yaml_loading.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise LocatedError(
            Location(path, line), f"front matter is not valid YAML: {error}"
        ) from error
    if not isinstance(meta, dict):
        raise LocatedError(
            Location(path, 2), "front matter must be a mapping of fields"
        )
    return meta, "".join(lines[end + 1 :]), end + 2


def _field_location(path: Path, text: str, name: str) -> Location:
    return Location(path, line_of(text, f"{name}:"))


def load_principle(docs_dir: Path, path: Path, areas: dict[str, Area]) -> Principle:
    """Load and validate one principle page's front matter."""
    text = path.read_text(encoding="utf-8")
    meta, _, _ = split_front_matter(path, text)
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, "", []):
            raise LocatedError(
                Location(path, 1), f"front matter lacks the required field '{name}'"
            )

    def fail(name: str, message: str) -> LocatedError:
        return LocatedError(_field_location(path, text, name), message)

    if not isinstance(meta["id"], str) or not ID_PATTERN.match(meta["id"]):
        raise fail(
            "id", f"id {meta['id']!r} is not an uppercase mnemonic like TEST-ROLLBACK"
        )
    if meta["area"] not in areas:
        raise fail(
            "area",
            f"area {meta['area']!r} is not in docs/_data/areas.yml ({', '.join(areas)})",
        )
    expected_dir = Path(PRINCIPLES_DIR) / meta["area"]
    relative = path.relative_to(docs_dir)
    if relative.parent != expected_dir:
        raise fail(
            "area",
            f"a principle of area {meta['area']!r} belongs in docs/{expected_dir}/",
        )
    if meta["level"] not in LEVELS:
        raise fail(
            "level", f"level {meta['level']!r} is not one of {', '.join(LEVELS)}"
        )
    tags = meta["tags"]
    if not isinstance(tags, list) or not all(
        isinstance(tag, str) and tag for tag in tags
    ):
        raise fail("tags", "tags must be a list of strings")
    aliases = meta.get("aliases", [])
    if not isinstance(aliases, list) or not all(
        isinstance(alias, str) and alias.strip() for alias in aliases
    ):
        raise fail(
            "aliases",
            "aliases must be a list of strings (words readers search with)",
        )
    if not isinstance(meta["since"], dt.date):
        raise fail("since", f"since {meta['since']!r} is not a date like 2026-11-26")
    for name in ("title", "summary"):
        if not isinstance(meta[name], str):
            raise fail(name, f"{name} must be a string")
    # One heading, or a list of them when a page covers several sections.
    sources = meta["source"] if isinstance(meta["source"], list) else [meta["source"]]
    if not all(isinstance(s, str) and s.strip() for s in sources):
        raise fail("source", "source must be a heading, or a list of headings")
    sources = [s.strip() for s in sources]
    if len(set(sources)) != len(sources):
        raise fail("source", "source lists a heading twice")
    if meta["title"].rstrip().endswith("."):
        raise fail("title", "a title is a statement without a final full stop")
    if not meta["summary"].rstrip().endswith("."):
        raise fail("summary", "the summary is one sentence ending with a full stop")
    return Principle(
        id=meta["id"],
        title=meta["title"].strip(),
        summary=" ".join(meta["summary"].split()),
        area=meta["area"],
        level=meta["level"],
        tags=tuple(tags),
        sources=tuple(sources),
        since=meta["since"],
        path=relative,
        aliases=tuple(alias.strip() for alias in aliases),
    )


def load_areas(path: Path) -> dict[str, Area]:
    text = path.read_text(encoding="utf-8")
    data = yaml_loading.safe_load(text)
    if not isinstance(data, list) or not data:
        raise LocatedError(
            Location(path, 1), "areas.yml must be a non-empty list of areas"
        )
    areas: dict[str, Area] = {}
    for item in data:
        key = item.get("key") if isinstance(item, dict) else None
        location = Location(path, line_of(text, f"- key: {key}"))
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
    text = path.read_text(encoding="utf-8")
    data = yaml_loading.safe_load(text) or {}
    if not isinstance(data, dict):
        raise LocatedError(
            Location(path, 1), "the IDs lock must map each ID to its status"
        )
    seen_lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if match := re.match(r"^([A-Z][A-Z0-9-]*):", line):
            if match[1] in seen_lines:
                raise LocatedError(
                    Location(path, number),
                    f"ID {match[1]} is listed twice (first on line {seen_lines[match[1]]})",
                )
            seen_lines[match[1]] = number
    entries = []
    for principle_id, value in data.items():
        location = Location(path, seen_lines.get(principle_id, 1))
        value = value or {}
        status = value.get("status")
        if status not in LOCK_STATUSES:
            raise LocatedError(
                location,
                f"{principle_id}: status must be one of {', '.join(LOCK_STATUSES)}",
            )
        if status == "merged-into" and not value.get("target"):
            raise LocatedError(
                location,
                f"{principle_id}: a merged ID needs 'target: <ID it merged into>'",
            )
        if status == "retired" and not value.get("reason"):
            raise LocatedError(
                location, f"{principle_id}: a retired ID needs a 'reason'"
            )
        entries.append(
            LockEntry(
                principle_id, status, value.get("target"), value.get("reason"), location
            )
        )
    return entries


def check_against_lock(
    principles: Iterable[Principle],
    lock: list[LockEntry],
    docs_dir: Path,
    lock_path: Path,
) -> None:
    """IDs are published for good: none disappears, none is reused."""
    by_id: dict[str, Principle] = {}
    for principle in principles:
        if principle.id in by_id:
            first = by_id[principle.id]
            raise LocatedError(
                _field_location(
                    docs_dir / principle.path,
                    (docs_dir / principle.path).read_text(),
                    "id",
                ),
                f"duplicate ID {principle.id}: docs/{first.path} already uses it",
            )
        by_id[principle.id] = principle
    locked = {entry.id: entry for entry in lock}
    for principle in by_id.values():
        page = docs_dir / principle.path
        entry = locked.get(principle.id)
        if entry is None:
            raise LocatedError(
                _field_location(page, page.read_text(), "id"),
                f"ID {principle.id} is not in {lock_path.as_posix()}: add '{principle.id}: {{status: active}}' to publish it",
            )
        if entry.status != "active":
            raise LocatedError(
                _field_location(page, page.read_text(), "id"),
                f"ID {principle.id} was {entry.status} ({entry.location}); IDs are never reused: pick a new one",
            )
    for entry in lock:
        if entry.status == "active" and entry.id not in by_id:
            raise LocatedError(
                entry.location,
                f"published ID {entry.id} has no page any more: restore the page, or mark the ID "
                "'merged-into' another (its short URL will redirect there) or 'retired' with a reason",
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
    data_dir = docs_dir / DATA_DIR
    areas = load_areas(data_dir / "areas.yml")
    lock_path = data_dir / "ids.lock.yml"
    lock = load_lock(lock_path)
    pages = sorted((docs_dir / PRINCIPLES_DIR).rglob("*.md"))
    principles = [
        load_principle(docs_dir, page, areas)
        for page in pages
        if page.name != "index.md"
    ]
    check_against_lock(principles, lock, docs_dir, lock_path)
    return Registry(
        areas=tuple(areas.values()), principles=tuple(principles), lock=tuple(lock)
    )
