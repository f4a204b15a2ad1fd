"""Departures from a principle, recorded in the code where they happen.

A *should* or *consider* rule may be broken on purpose. The place that breaks
it says so in a comment that names the ID and gives the reason, so that a
reviewer sees which rule was weighed and ``git grep "Departs from"`` lists
every exception in a codebase:

    # Departs from API-ETAG: the account is read once per sign-in, never polled.

The check below holds this repository to the same form: the ID must exist,
must not be a *must* (a must has no exceptions), and the reason must be there.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from handbook.locations import LocatedError, Location
from handbook.registry import Registry

MARKER = "Departs from"
REASON_PLACEHOLDER = "<why this place is the exception>"

# The marker in a comment of any language the repository holds: Python,
# shell, YAML, TOML and Dockerfiles use '#'; SQL uses '--'.
_COMMENTED_MARKER = re.compile(rf"(?:^|\s)(?:#|--)\s*{MARKER}\b(?P<rest>.*)$")
_ID_THEN_REASON = re.compile(
    r"^\s+(?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)(?P<colon>:?)\s*(?P<reason>.*?)\s*$"
)


@dataclass(frozen=True)
class Departure:
    """One recorded departure: where, from which principle, and why."""

    location: Location
    principle_id: str
    reason: str


def departure_comment(principle_id: str, reason: str = REASON_PLACEHOLDER) -> str:
    """The comment that records a departure from a principle."""
    return f"# {MARKER} {principle_id}: {reason}"


def find_departures(path: Path, text: str, registry: Registry) -> list[Departure]:
    """Every departure comment in a file, each checked against the registry."""
    levels = {p.id: p.level for p in registry.principles}
    gone = {
        e.id: f"was merged into {e.target}; cite {e.target}"
        if e.status == "merged-into"
        else f"is retired ({e.reason}); remove the comment or cite another ID"
        for e in registry.lock
        if e.status != "active"
    }
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _COMMENTED_MARKER.search(line)
        if marker is None:
            continue
        where = Location(path, number)
        parsed = _ID_THEN_REASON.match(marker["rest"])
        if parsed is None:
            raise LocatedError(
                where, f"'{MARKER}' needs a principle ID: {departure_comment('ID')}"
            )
        principle_id = parsed["id"]
        if principle_id in gone:
            raise LocatedError(where, f"{principle_id} {gone[principle_id]}")
        if principle_id not in levels:
            raise LocatedError(where, f"{principle_id} is not a principle ID")
        if levels[principle_id] not in ("should", "consider"):
            raise LocatedError(
                where,
                f"{principle_id} is a {levels[principle_id]}: it has no exceptions, "
                "so the code must follow it",
            )
        if not parsed["colon"] or not parsed["reason"]:
            raise LocatedError(
                where,
                f"say why after the ID: {departure_comment(principle_id)}",
            )
        found.append(Departure(where, principle_id, parsed["reason"]))
    return found
