"""The typed records of verdicts.yml: what :func:`handbook.content.verdicts.load_verdicts`
returns and :mod:`handbook.content.verdict_checks` checks."""

from dataclasses import dataclass, field
from pathlib import Path

from handbook.content.locations import Location
from handbook.content.source_document import SourceDocument, Statement

KINDS = ("holds", "corrected", "not-verifiable")
LABELS = {
    "holds": "Holds",
    "corrected": "Corrected",
    "not-verifiable": "Not verifiable here",
}


@dataclass(frozen=True)
class Defect:
    """One of several things wrong with a statement, and the tests showing it."""

    text: str
    tests: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class Verdict:
    """The verdict on one statement of the source, or on one part of a code block."""

    key: str
    statement: Statement
    part: str | None
    verdict: str
    title: str
    quote: str = ""
    happens: str = ""
    correction: str = ""
    shown: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Principle ID -> words of the correction its page must carry."""
    defects: tuple[Defect, ...] = ()
    principles: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    """Every test named, the defects' included."""
    why: str = ""
    instead: str = ""
    not_shown_on: tuple[str, ...] = ()
    """Principles citing the statement's section whose pages were checked
    and do not verify it (a not-verifiable verdict only)."""
    no_page: tuple[str, ...] = ()
    """Topics the verdict says no page covers."""
    note: str = ""
    location: Location = field(default_factory=lambda: Location(Path(), 0))
    field_lines: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LABELS[self.verdict]

    def line_of(self, name: str) -> Location:
        """Where a field of this entry is written, for error messages."""
        return Location(
            self.location.path, self.field_lines.get(name, self.location.line)
        )


@dataclass(frozen=True)
class Verdicts:
    path: Path
    source: SourceDocument
    entries: tuple[Verdict, ...]

    def of(self, statement: Statement) -> list[Verdict]:
        """The statement's own verdict, or the verdicts on its parts, in order."""
        return [v for v in self.entries if v.statement.anchor == statement.anchor]

    def by_kind(self, kind: str) -> list[Verdict]:
        return [v for v in self.entries if v.verdict == kind]

    def counts(self) -> dict[str, int]:
        return {kind: len(self.by_kind(kind)) for kind in KINDS}
