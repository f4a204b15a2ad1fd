"""Departures from a principle, recorded in the code where they happen.

A *should* or *consider* rule may be broken on purpose. The place that breaks
it says so in a comment that names the ID and gives the reason, so that a
reviewer sees which rule was weighed and ``git grep "Departs from"`` lists
every exception in a codebase:

    # Departs from API-ETAG: the account is read once per sign-in, never polled.

The check below holds this repository to the same form: the ID must exist,
must not be a *must* (a must has no exceptions), and the reason must be there.
``principles check`` (``handbook.checker``) applies the same check to any
repository, from the rule data it ships instead of the registry.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from handbook.content.locations import LocatedError, Location

if TYPE_CHECKING:
    from handbook.content.registry import Registry

MARKER = "Departs from"
REASON_PLACEHOLDER = "<why this place is the exception>"

# The marker in a comment of any language the repository holds: Python,
# shell, YAML, TOML and Dockerfiles use '#'; SQL uses '--'.
_COMMENTED_MARKER = re.compile(rf"(?:^|\s)(?:#|--)\s*{MARKER}\b(?P<rest>.*)$")
# The same, in the text of a comment alone (its '#' or '--' included).
_COMMENT_TEXT = re.compile(rf"^(?:#|--)\s*{MARKER}\b(?P<rest>.*)$")
_ID_THEN_REASON = re.compile(
    r"^\s+(?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)(?P<colon>:?)\s*(?P<reason>.*?)\s*$"
)


@dataclass(frozen=True)
class Departure:
    """One recorded departure: where, from which principle, and why."""

    location: Location
    principle_id: str
    reason: str


@dataclass(frozen=True)
class IdRules:
    """What a departure's ID is checked against: every live ID's level, and
    why each ID that went away (merged or retired) can no longer be cited."""

    levels: Mapping[str, str]
    gone: Mapping[str, str]

    @classmethod
    def from_registry(cls, registry: "Registry") -> "IdRules":
        return cls(
            levels={p.id: p.level for p in registry.principles},
            gone={
                e.id: gone_message(e.status, e.target, e.reason)
                for e in registry.lock
                if e.status != "active"
            },
        )


def gone_message(status: str, target: str | None, reason: str | None) -> str:
    """Why an ID that is no longer active cannot be cited in a departure."""
    if status == "merged-into":
        return f"was merged into {target}; cite {target}"
    return f"is retired ({reason}); remove the comment or cite another ID"


def departure_comment(principle_id: str, reason: str = REASON_PLACEHOLDER) -> str:
    """The comment that records a departure from a principle."""
    return f"# {MARKER} {principle_id}: {reason}"


def check_departure(
    where: Location, rest: str, rules: IdRules
) -> Departure | LocatedError:
    """One marker's verdict: the departure it records, or what is wrong with it.

    ``rest`` is the comment's text after the marker.
    """
    parsed = _ID_THEN_REASON.match(rest)
    if parsed is None:
        return LocatedError(
            where, f"'{MARKER}' needs a principle ID: {departure_comment('ID')}"
        )
    principle_id = parsed["id"]
    if principle_id in rules.gone:
        return LocatedError(where, f"{principle_id} {rules.gone[principle_id]}")
    if principle_id not in rules.levels:
        return LocatedError(where, f"{principle_id} is not a principle ID")
    level = rules.levels[principle_id]
    if level not in ("should", "consider"):
        return LocatedError(
            where,
            f"{principle_id} is a {level}: it has no exceptions, "
            "so the code must follow it",
        )
    if not parsed["colon"] or not parsed["reason"]:
        return LocatedError(
            where, f"say why after the ID: {departure_comment(principle_id)}"
        )
    return Departure(where, principle_id, parsed["reason"])


def marker_in_comment(comment: str) -> str | None:
    """The text after the marker when ``comment`` (a whole comment) is one."""
    match = _COMMENT_TEXT.match(comment.strip())
    return None if match is None else match["rest"]


def scan_departures(
    path: Path, text: str, rules: IdRules
) -> Iterator[Departure | LocatedError]:
    """Every departure comment in a file, line by line, with its verdict."""
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _COMMENTED_MARKER.search(line)
        if marker is not None:
            yield check_departure(Location(path, number), marker["rest"], rules)


def find_departures(path: Path, text: str, registry: "Registry") -> list[Departure]:
    """Every departure comment in a file; the first bad one is raised."""
    found = []
    for result in scan_departures(path, text, IdRules.from_registry(registry)):
        if isinstance(result, LocatedError):
            raise result
        found.append(result)
    return found
