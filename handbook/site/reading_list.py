"""The onboarding reading list: Start here's order, and each page's place in it.

Day one is every *must*, week one the rest, each in the registry's reading
order (areas as a new engineer meets them, then level, then title). Start
here lists it, and each principle page shows its place ("Day one · 4 of 31
· 3 min") and links on with Next and Previous in the same order, so a
reader who follows Next reads the list as Start here gives it.

Both ends connect to the pages around the list: Start here comes before
its first item, and the Reference service overview, the first of the
things to do after reading, comes after its last. Every other page keeps
MkDocs' Next and Previous, which follow the sidebar.
"""

from dataclasses import dataclass

from handbook.content.registry import Principle, Registry

START_HERE = "start-here.md"
DESIGN_DOCUMENT_ANCHOR = "the-source"
"""The heading on Start here that says what the design document is: every
principle page's source link points to it."""
AFTER_READING = "reference/index.md"
"""Where Next leads from the last item: run the reference service."""


@dataclass(frozen=True)
class Part:
    """Day one or week one."""

    name: str
    """As the place indicator says it: ``Day one``."""
    heading: str
    """Its heading on Start here."""
    anchor: str
    """That heading's id, which place indicators link to."""


DAY_ONE = Part("Day one", "Day one: the must rules", "day-one")
WEEK_ONE = Part("Week one", "Week one: should and consider", "week-one")


@dataclass(frozen=True)
class Stop:
    """One principle on the reading list."""

    principle: Principle
    part: Part
    number: int
    """Its number within its part, from 1, as Start here numbers it."""
    of: int
    """How many principles its part has."""
    minutes: int

    @property
    def place(self) -> str:
        """``Day one · 4 of 31 · 3 min``."""
        return f"{self.part.name} · {self.number} of {self.of} · {self.minutes} min"

    @property
    def ends_part(self) -> bool:
        return self.number == self.of


def reading_list(registry: Registry, minutes: dict[str, int]) -> list[Stop]:
    """Every principle once: day one's musts, then week one, in reading order."""
    order = registry.reading_order()
    parts = [
        (DAY_ONE, [p for p in order if p.level == "must"]),
        (WEEK_ONE, [p for p in order if p.level != "must"]),
    ]
    return [
        Stop(principle, part, number, len(principles), minutes[principle.id])
        for part, principles in parts
        for number, principle in enumerate(principles, start=1)
    ]


def parts(stops: list[Stop]) -> list[tuple[Part, list[Stop]]]:
    """The list split into its parts, in order; a part without stops is left out."""
    grouped: dict[Part, list[Stop]] = {}
    for stop in stops:
        grouped.setdefault(stop.part, []).append(stop)
    return list(grouped.items())


def neighbours(stops: list[Stop]) -> dict[str, tuple[str | None, str | None]]:
    """Each page's (previous, next) in reading order, by path relative to docs/.

    Every principle, Start here (Next: the first item) and the page after the
    list (Previous: the last item); a side the list does not decide is None,
    which leaves MkDocs' sidebar neighbour (Start here's Previous is Home).
    """
    uris = [stop.principle.path.as_posix() for stop in stops]
    chain: list[str | None] = [START_HERE, *uris, AFTER_READING]
    links: dict[str, tuple[str | None, str | None]] = {
        uri: (chain[at], chain[at + 2]) for at, uri in enumerate(uris)
    }
    if uris:
        links[START_HERE] = (None, uris[0])
        links[AFTER_READING] = (uris[-1], None)
    return links
