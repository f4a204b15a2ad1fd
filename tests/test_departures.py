"""Departures from a principle are recorded in code in one checked form.

A comment ``# Departs from <ID>: <reason>`` marks code that breaks a *should*
or *consider* on purpose. Every such comment in the repository names a live
principle that allows exceptions and says why; a bad one fails with its file
and line.
"""

from dataclasses import replace
from pathlib import Path

import pytest

from handbook.content.departures import MARKER, departure_comment, find_departures
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, tracked_files
from handbook.content.locations import LocatedError, Location
from handbook.content.registry import LockEntry, Registry, load_registry

# The pages show the form with placeholders; the code is what is checked.
# The checker's fixtures hold bad departures on purpose (tests/checker/).
NOT_CODE = ("docs/", "tests/checker/fixtures/")


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The real registry, plus two IDs that went away, as the lock records them."""
    real = load_registry(DOCS_DIR)
    nowhere = Location(DOCS_DIR / "_data/ids.lock.yml", 1)
    gone = (
        LockEntry("API-PAGING", "merged-into", "API-CURSOR-PAGINATION", None, nowhere),
        LockEntry("OPS-STATSD", "retired", None, "replaced by OPS-METRICS", nowhere),
    )
    return replace(real, lock=real.lock + gone)


def tracked_text_files() -> list[Path]:
    return [
        REPO_ROOT / name
        for name in tracked_files()
        if not name.startswith(NOT_CODE) and (REPO_ROOT / name).is_file()
    ]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def test_every_departure_in_the_repository_is_well_formed(registry: Registry) -> None:
    departures = []
    for path in tracked_text_files():
        text = _read(path)
        if text is not None and MARKER in text:
            departures += find_departures(path, text, registry)
    # The reference service records its own departures; if the check found
    # none, it would be checking nothing.
    assert {d.principle_id for d in departures} >= {"API-ETAG"}


def test_a_departure_names_the_id_and_the_reason(registry: Registry) -> None:
    text = "\n".join(
        [
            "",
            departure_comment("API-ETAG", "an account is never polled."),
            "-- " + departure_comment("API-CURSOR-PAGINATION", "twelve rows")[2:],
        ]
    )
    found = find_departures(Path("shop/users/router.py"), text, registry)
    assert [(str(d.location), d.principle_id, d.reason) for d in found] == [
        ("shop/users/router.py:2", "API-ETAG", "an account is never polled."),
        ("shop/users/router.py:3", "API-CURSOR-PAGINATION", "twelve rows"),
    ]


@pytest.mark.parametrize(
    ("comment", "error"),
    [
        (f"# {MARKER} the usual rules", r"needs a principle ID"),
        (f"# {MARKER} API-NOT-A-RULE: legacy", r"API-NOT-A-RULE is not a principle"),
        (f"# {MARKER} API-PAGING: legacy", r"API-PAGING was merged into API-CU"),
        (f"# {MARKER} OPS-STATSD: legacy", r"OPS-STATSD is retired \(replaced"),
        (f"# {MARKER} DB-BOUND-PARAMS: fast", r"is a must: it has no exceptions"),
        (f"# {MARKER} API-ETAG", r"say why after the ID"),
        (f"# {MARKER} API-ETAG:   ", r"say why after the ID"),
        (f"# {MARKER} API-ETAG an account is never polled", r"say why after the ID"),
    ],
    ids=[
        "no-id",
        "unknown",
        "merged",
        "retired",
        "must",
        "no-reason",
        "empty",
        "no-colon",
    ],
)
def test_a_bad_departure_fails_naming_file_and_line(
    registry: Registry, comment: str, error: str
) -> None:
    text = f"import asyncio\n\n{comment}\nasync def read_account(): ...\n"
    with pytest.raises(LocatedError, match=rf"^shop/api\.py:3: .*{error}"):
        find_departures(Path("shop/api.py"), text, registry)
