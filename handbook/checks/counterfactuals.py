"""Counterfactuals: for each principle, an edit that makes its claim false.

``tests/principles/counterfactuals.yml`` maps each principle ID to one or
more counterfactuals. A counterfactual is a small edit to the repository (a
service module, a config, a page, a test fixture) that makes the
principle's claim false, and the evidence tests that must then fail::

    DB-SESSION:
      - claim: Loaded rows stay readable after the commit, without a reload.
        edits:
          - file: snippets/shop/core/database.py
            old: expire_on_commit=False
            new: expire_on_commit=True
        fails:
          - tests/principles/data/test_session_per_request.py::test_...

An edit either replaces text (``old`` must occur exactly once in the file,
as it is after the entry's earlier edits, so a drifted edit is caught
instead of applied in the wrong place) or creates a file that does not
exist yet (``create:`` with its content). ``task falsify``
(:mod:`handbook.tools.falsify`) applies each counterfactual to a scratch copy and
runs its tests there; the loader here only checks the file, against the
repository as it is today, so that ``task test`` catches drift. Every
problem is a :class:`LocatedError` naming the line of the file to fix.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from handbook.content.locations import LocatedError, Location
from handbook.content.test_ids import check_test_id, is_collected
from handbook.content.yaml_nodes import (
    compose_file,
    node_fields,
    node_items,
    node_location,
    node_text,
)

COUNTERFACTUALS_FILE = Path("tests/principles/counterfactuals.yml")
ENTRY_FIELDS = ("claim", "edits", "fails")
EDIT_FIELDS = {"file", "old", "new", "create"}


@dataclass(frozen=True)
class Edit:
    """One change to one file of the repository, relative to its root."""

    file: str
    old: str | None
    """The text to replace (exactly one occurrence), or None to create the file."""
    new: str
    """The replacement, or the content of the created file."""
    location: Location

    def apply(self, root: Path) -> None:
        """Make this edit in the copy of the repository at ``root``."""
        path = root / self.file
        if self.old is None:
            if path.exists():
                raise LocatedError(self.location, f"{self.file} exists already")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.new, encoding="utf-8")
            return
        text = path.read_text(encoding="utf-8")
        _check_occurs_once(self, text)
        path.write_text(text.replace(self.old, self.new, 1), encoding="utf-8")


@dataclass(frozen=True)
class Counterfactual:
    """An edit that makes a principle's claim false, and the tests that must fail."""

    principle: str
    number: int
    """1-based position among the principle's counterfactuals."""
    claim: str
    edits: tuple[Edit, ...]
    fails: tuple[str, ...]
    """pytest node ids; a parametrized test may be named without its parameters."""
    location: Location
    fail_locations: tuple[Location, ...] = ()
    """Where each of ``fails`` is written, for error messages."""

    @property
    def name(self) -> str:
        """``DB-SESSION#1``: what ``task falsify`` prints and ``--only`` accepts."""
        return f"{self.principle}#{self.number}"


@dataclass(frozen=True)
class Counterfactuals:
    path: Path
    entries: tuple[Counterfactual, ...]

    def of(self, principle: str) -> list[Counterfactual]:
        return [c for c in self.entries if c.principle == principle]

    def principles(self) -> set[str]:
        return {c.principle for c in self.entries}


def _check_occurs_once(edit: Edit, text: str) -> None:
    count = text.count(edit.old or "")
    if count != 1:
        raise LocatedError(
            edit.location,
            f"the 'old' text occurs {count} times in {edit.file}; it must occur "
            f"exactly once, so the edit lands where it is meant to: {edit.old!r}",
        )


def _relative_file(path: Path, node: yaml.Node) -> str:
    name = node_text(path, node, "'file'")
    pure = PurePosixPath(name)
    if (
        pure.is_absolute()
        or ".." in pure.parts
        or not pure.parts
        or pure.parts[0] == ".git"
    ):
        raise LocatedError(
            node_location(path, node),
            f"'file' must be a path inside the repository, relative to its root: {name!r}",
        )
    return pure.as_posix()


def _edit(path: Path, node: yaml.Node, what: str) -> Edit:
    fields = node_fields(path, node, what, EDIT_FIELDS)
    where = node_location(path, node)
    if "file" not in fields:
        raise LocatedError(where, f"{what}: an edit names its 'file'")
    file = _relative_file(path, fields["file"])
    if "create" in fields:
        if {"old", "new"} & fields.keys():
            raise LocatedError(
                where,
                f"{what}: an edit either creates a file or replaces 'old' with 'new'",
            )
        return Edit(file, None, node_text(path, fields["create"], "'create'"), where)
    if not {"old", "new"} <= fields.keys():
        raise LocatedError(
            where, f"{what}: an edit gives 'old' and 'new' (or 'create' for a new file)"
        )
    old = node_text(path, fields["old"], "'old'")
    new = node_text(path, fields["new"], "'new'")
    old_where = node_location(path, fields["old"])
    if not old:
        raise LocatedError(old_where, f"{what}: 'old' is empty")
    if old == new:
        raise LocatedError(old_where, f"{what}: 'new' is the same as 'old'")
    return Edit(file, old, new, old_where)


def _replay(edits: Iterable[Edit], repo_root: Path) -> None:
    """Check the edits apply to the repository as it is, in memory."""
    texts: dict[str, str | None] = {}
    for edit in edits:
        if edit.file not in texts:
            target = repo_root / edit.file
            texts[edit.file] = (
                target.read_text(encoding="utf-8") if target.is_file() else None
            )
        text = texts[edit.file]
        if edit.old is None:
            if text is not None:
                raise LocatedError(
                    edit.location,
                    f"{edit.file} exists already: 'create' makes a new file",
                )
            texts[edit.file] = edit.new
            continue
        if text is None:
            raise LocatedError(edit.location, f"{edit.file} does not exist")
        _check_occurs_once(edit, text)
        texts[edit.file] = text.replace(edit.old, edit.new, 1)


def load_counterfactuals(
    path: Path,
    principle_ids: Iterable[str],
    repo_root: Path,
    *,
    check_tests: bool = True,
) -> Counterfactuals:
    """Read and check the counterfactuals file against the repository at ``repo_root``.

    ``check_tests=False`` leaves the named tests unchecked, for ``task falsify
    --against``, which looks for the tests a new counterfactual should name.
    """
    root = compose_file(path)
    if not isinstance(root, yaml.MappingNode):
        raise LocatedError(
            Location(path, 1),
            "expected a mapping of principle ID: [counterfactual, ...]",
        )
    known = set(principle_ids)
    seen: set[str] = set()
    entries: list[Counterfactual] = []
    for key, value in root.value:
        principle = node_text(path, key, "a principle ID")
        if principle not in known:
            raise LocatedError(
                node_location(path, key), f"unknown principle ID {principle!r}"
            )
        if principle in seen:
            raise LocatedError(
                node_location(path, key),
                f"{principle} is listed twice; put all its counterfactuals in one list",
            )
        seen.add(principle)
        for number, item in enumerate(node_items(path, value, principle), start=1):
            name = f"{principle}#{number}"
            fields = node_fields(path, item, name, ENTRY_FIELDS)
            where = node_location(path, item)
            if missing := [f for f in ENTRY_FIELDS if f not in fields]:
                raise LocatedError(
                    where, f"{name}: missing {', '.join(map(repr, missing))}"
                )
            claim = node_text(path, fields["claim"], f"{name}: 'claim'").strip()
            if not claim or "\n" in claim:
                raise LocatedError(
                    node_location(path, fields["claim"]),
                    f"{name}: 'claim' is one line: the claim this edit makes false",
                )
            edits = tuple(
                _edit(path, node, f"{name} edit {index}")
                for index, node in enumerate(
                    node_items(path, fields["edits"], f"{name}: 'edits'"), 1
                )
            )
            _replay(edits, repo_root)
            fails, fail_locations = [], []
            for node in node_items(path, fields["fails"], f"{name}: 'fails'"):
                node_id = node_text(path, node, f"{name}: a test in 'fails'")
                if check_tests:
                    check_test_id(node_id, node_location(path, node), repo_root)
                fails.append(node_id)
                fail_locations.append(node_location(path, node))
            entries.append(
                Counterfactual(
                    principle,
                    number,
                    claim,
                    edits,
                    tuple(fails),
                    where,
                    tuple(fail_locations),
                )
            )
    return Counterfactuals(path, tuple(entries))


def check_collected(
    counterfactuals: Counterfactuals, collected: frozenset[str]
) -> None:
    """Every named test is one pytest collects (a parametrized one with any parameter).

    The loader checks that the file defines the test; only a collection
    knows its parameters, and whether a test module imports at all.
    """
    for counterfactual in counterfactuals.entries:
        for test, where in zip(
            counterfactual.fails, counterfactual.fail_locations, strict=True
        ):
            if not is_collected(test, collected):
                raise LocatedError(
                    where, f"{counterfactual.name}: pytest does not collect {test}"
                )


def check_every_principle_has_one(
    counterfactuals: Counterfactuals, principle_ids: Iterable[str]
) -> None:
    """A principle without a counterfactual is a claim nobody has tried to break."""
    missing = sorted(set(principle_ids) - counterfactuals.principles())
    if missing:
        raise LocatedError(
            Location(counterfactuals.path, 1),
            f"{len(missing)} principles have no counterfactual: {', '.join(missing)}; "
            "give each an edit that makes its claim false and the test that then fails",
        )
