"""Verdicts on every statement of the source document, read and checked.

``docs/_data/verdicts.yml`` maps the anchor of each statement of the source
(see :class:`~handbook.content.source_document.Statement`) to what running it showed:

* ``holds`` — it runs and does what the source says; ``principles`` and/or
  ``tests`` name where that is shown.
* ``corrected`` — the source's form fails, misbehaves or is outdated. The
  entry quotes the source (``quote``, verbatim), copies what really happens
  (``happens``, output of a run), gives the ``correction``, the principle
  pages that show it, ``shown`` (per page, the words of the correction that
  page carries) and the ``tests`` that reproduce the failure. A statement
  with several defects lists them under ``defects``, each with its own tests.
* ``not-verifiable`` — it cannot be run here; ``why`` says why and
  ``instead`` what was verified in its place.

A code block gets one verdict, or one per part: a key
``<block anchor>--<part>`` with a ``title`` and a ``quote`` of the lines it
judges. The parts of a block must cover every line of it that is not blank
or a comment.

Loading goes in three steps: the YAML is parsed once into entries that
remember their lines (:func:`_parse`), each entry becomes a typed
:class:`Verdict` after its own fields are checked (:func:`_to_verdict`),
then the whole set is checked against the source, the registry and the
pages (:mod:`handbook.content.verdict_checks`). Every problem is a
:class:`LocatedError` naming the line of ``verdicts.yml`` (or of the source)
to fix.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from handbook.content import verdict_checks
from handbook.content.locations import LocatedError, Location
from handbook.content.registry import Registry
from handbook.content.source_document import SourceDocument, Statement
from handbook.content.verdict_records import KINDS, Defect, Verdict, Verdicts
from handbook.content.yaml_nodes import (
    compose_file,
    mapping_entries,
    node_fields,
    node_location,
    node_value,
)

__all__ = [
    "KINDS",
    "Defect",
    "Verdict",
    "Verdicts",
    "load_verdicts",
]

VERDICTS_FILE = Path("_data/verdicts.yml")
FIELDS = {
    "verdict",
    "title",
    "quote",
    "happens",
    "correction",
    "shown",
    "defects",
    "principles",
    "tests",
    "why",
    "instead",
    "not_shown_on",
    "no_page",
    "note",
}
REQUIRED = {
    "holds": (),
    "corrected": ("title", "quote", "happens", "correction", "principles", "shown"),
    "not-verifiable": ("why", "instead"),
}


# --- Parsing ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One top-level key of verdicts.yml, its fields, and where they are written."""

    key: str
    location: Location
    body: dict[str, Any]
    field_lines: dict[str, int]
    nodes: dict[str, yaml.Node]
    """Each field's node, for the lines of the items of a list field."""


def _parse(path: Path) -> list[_Entry]:
    """Compose the YAML once; values are constructed from the same nodes.

    Each entry's fields are read with :func:`node_fields`: an unknown field,
    or one given twice (which YAML alone would resolve by keeping the last
    silently), fails at its line.
    """
    root = compose_file(path)
    if not isinstance(root, yaml.MappingNode):
        raise LocatedError(Location(path, 1), "expected a mapping of anchor: verdict")
    entries: list[_Entry] = []
    seen: set[str] = set()
    for key, key_node, value_node in mapping_entries(path, root, "verdicts.yml"):
        where = node_location(path, key_node)
        if key in seen:
            raise LocatedError(
                where, f"{key!r} has a verdict already; one verdict per statement"
            )
        seen.add(key)
        nodes = node_fields(path, value_node, key, FIELDS)
        lines = {
            name: node_location(path, name_node).line
            for name, name_node, _ in mapping_entries(path, value_node, key)
        }
        entries.append(
            _Entry(
                key=key,
                location=where,
                body={name: node_value(path, n, key) for name, n in nodes.items()},
                field_lines=lines,
                nodes=nodes,
            )
        )
    return entries


# --- One entry -> a typed record ------------------------------------------------------


def _plain(text: str, words: int = 10) -> str:
    """The first words of a statement, without Markdown markup."""
    flat = " ".join(re.sub(r"[*`]|\[ \]", "", text).split())
    cut = flat.split(" ")
    return " ".join(cut[:words]) + (" …" if len(cut) > words else "")


def _title(statement: Statement, title: str) -> str:
    if title:
        return title
    if statement.kind == "code":
        return _plain(statement.lead) or f"{statement.language} block"
    return _plain(statement.text)


def _statement_of(
    entry: _Entry, anchors: dict[str, Statement], source: SourceDocument
) -> tuple[Statement, str | None]:
    statement, part = anchors.get(entry.key), None
    if statement is None and "--" in entry.key:
        block, _, part = entry.key.rpartition("--")
        statement = anchors.get(block)
        if statement is not None and statement.kind != "code":
            statement = None
    if statement is None:
        raise LocatedError(
            entry.location,
            f"{entry.key!r} is not the anchor of a statement of {source.path.name} "
            "(nor <code block anchor>--<part>); see the anchors on the Source page",
        )
    return statement, part


def _strings(entry: _Entry, name: str) -> tuple[str, ...]:
    """A field that holds one string or a list of them."""
    value = entry.body.get(name) or ()
    values = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise LocatedError(
            Location(entry.location.path, entry.field_lines[name]),
            f"{entry.key}: {name!r} takes a string or a list of non-empty strings",
        )
    return values


def _defects(entry: _Entry) -> tuple[Defect, ...]:
    raw = entry.body.get("defects") or []
    where = Location(entry.location.path, entry.field_lines.get("defects", 0))
    if not isinstance(raw, list) or len(raw) < 2:
        raise LocatedError(
            where,
            f"{entry.key}: 'defects' lists two or more defects, each "
            "{defect: ..., tests: [...]}; a single defect goes in 'tests'",
        )
    defects = []
    for item, node in zip(raw, entry.nodes["defects"].value, strict=True):
        here = node_location(entry.location.path, node)
        if (
            not isinstance(item, dict)
            or set(item) != {"defect", "tests"}
            or not str(item["defect"]).strip()
            or not item["tests"]
        ):
            raise LocatedError(
                here,
                f"{entry.key}: each defect is {{defect: <what is wrong>, tests: "
                "[<the tests that show it>]}",
            )
        tests = item["tests"]
        defects.append(
            Defect(
                text=" ".join(str(item["defect"]).split()),
                tests=(tests,) if isinstance(tests, str) else tuple(tests),
                location=here,
            )
        )
    return tuple(defects)


def _shown(entry: _Entry) -> dict[str, tuple[str, ...]]:
    raw = entry.body.get("shown") or {}
    where = Location(entry.location.path, entry.field_lines.get("shown", 0))
    if not isinstance(raw, dict):
        raise LocatedError(
            where,
            f"{entry.key}: 'shown' maps each principle ID to the words of the "
            "correction its page carries",
        )
    shown = {}
    for principle, words in raw.items():
        values = (words,) if isinstance(words, str) else tuple(words or ())
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise LocatedError(
                where, f"{entry.key}: 'shown' gives {principle} no words to look for"
            )
        shown[str(principle)] = values
    return shown


def _check_fields(entry: _Entry, part: str | None) -> str:
    """The entry's own shape: a kind, and what that kind requires (its
    fields are known ones, each given once: :func:`_parse` checked)."""
    body, key = entry.body, entry.key
    lines = entry.field_lines
    kind = body.get("verdict")
    if kind not in KINDS:
        raise LocatedError(
            Location(entry.location.path, lines.get("verdict", entry.location.line)),
            f"{key}: verdict must be one of {', '.join(KINDS)}, not {kind!r}",
        )
    required = list(REQUIRED[kind]) + (["title", "quote"] if part else [])
    for name in required:
        if not body.get(name):
            raise LocatedError(
                entry.location, f"{key}: a {kind!r} verdict needs {name!r}"
            )
    if kind == "corrected" and not (body.get("tests") or body.get("defects")):
        raise LocatedError(
            entry.location, f"{key}: a 'corrected' verdict needs 'tests' or 'defects'"
        )
    if body.get("tests") and body.get("defects"):
        raise LocatedError(
            Location(entry.location.path, lines["tests"]),
            f"{key}: with 'defects', each defect names its tests; drop 'tests'",
        )
    if kind == "holds" and not (body.get("principles") or body.get("tests")):
        raise LocatedError(
            entry.location, f"{key}: a 'holds' verdict names its principles or tests"
        )
    for name, only in (("shown", "corrected"), ("defects", "corrected")):
        if name in body and kind != only:
            raise LocatedError(
                Location(entry.location.path, lines[name]),
                f"{key}: {name!r} belongs to a {only!r} verdict only",
            )
    if "not_shown_on" in body and kind != "not-verifiable":
        raise LocatedError(
            Location(entry.location.path, lines["not_shown_on"]),
            f"{key}: 'not_shown_on' belongs to a 'not-verifiable' verdict only",
        )
    if "{" in str(body.get("title", "")):
        raise LocatedError(
            Location(entry.location.path, lines["title"]),
            f"{key}: no braces in a title, they end up read as heading attributes",
        )
    return str(kind)


def _to_verdict(
    entry: _Entry, anchors: dict[str, Statement], source: SourceDocument
) -> Verdict:
    statement, part = _statement_of(entry, anchors, source)
    kind = _check_fields(entry, part)
    body = entry.body
    defects = _defects(entry) if "defects" in body else ()
    tests = tuple(body.get("tests") or ()) + tuple(t for d in defects for t in d.tests)
    return Verdict(
        key=entry.key,
        statement=statement,
        part=part,
        verdict=kind,
        title=_title(statement, str(body.get("title", ""))),
        quote=str(body.get("quote", "")),
        happens=str(body.get("happens", "")),
        correction=str(body.get("correction", "")),
        shown=_shown(entry),
        defects=defects,
        principles=tuple(body.get("principles") or ()),
        tests=tests,
        why=str(body.get("why", "")),
        instead=str(body.get("instead", "")),
        not_shown_on=tuple(body.get("not_shown_on") or ()),
        no_page=_strings(entry, "no_page") if "no_page" in body else (),
        note=str(body.get("note", "")),
        location=entry.location,
        field_lines=entry.field_lines,
    )


def load_verdicts(
    docs_dir: Path, source: SourceDocument, registry: Registry, repo_root: Path
) -> Verdicts:
    """Parse, type and check verdicts.yml; the first problem found is raised."""
    path = docs_dir / VERDICTS_FILE
    anchors = {s.anchor: s for s in source.statements}
    entries = tuple(_to_verdict(e, anchors, source) for e in _parse(path))
    verdicts = Verdicts(path, source, entries)
    verdict_checks.check_all(verdicts, registry, repo_root)
    return verdicts
