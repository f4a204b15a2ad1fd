"""Verdicts on every statement of the source document, and the Corrections page.

``docs/_data/verdicts.yml`` maps the anchor of each statement of the source
(see :class:`~handbook.source_document.Statement`) to what running it showed:

* ``holds`` — it runs and does what the source says; ``principles`` and/or
  ``tests`` name where that is shown.
* ``corrected`` — the source's form fails, misbehaves or is outdated. The
  entry quotes the source (``quote``, verbatim), copies what really happens
  (``happens``, output of a run), gives the ``correction``, the principle
  pages that show it and the ``tests`` that reproduce the failure.
* ``not-verifiable`` — it cannot be run here; ``why`` says why and
  ``instead`` what was verified in its place.

A code block gets one verdict, or one per part: a key
``<block anchor>--<part>`` with a ``title`` and a ``quote`` of the lines it
judges. The parts of a block must cover every line of it that is not blank
or a comment. Every problem is a :class:`LocatedError` naming the line of
``verdicts.yml`` (or of the source) to fix.
"""

import ast
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from handbook import yaml_loading
from handbook.locations import LocatedError, Location
from handbook.registry import Registry
from handbook.source_document import (
    SourceDocument,
    Statement,
    without_trailing_spaces,
)

VERDICTS_FILE = Path("_data/verdicts.yml")
KINDS = ("holds", "corrected", "not-verifiable")
LABELS = {
    "holds": "Holds",
    "corrected": "Corrected",
    "not-verifiable": "Not verifiable here",
}
FIELDS = {
    "verdict",
    "title",
    "quote",
    "happens",
    "correction",
    "principles",
    "tests",
    "why",
    "instead",
    "note",
}
REQUIRED = {
    "holds": (),
    "corrected": ("title", "quote", "happens", "correction", "principles", "tests"),
    "not-verifiable": ("why", "instead"),
}
TEST_ID = re.compile(r"^(?P<file>tests/[\w/]+\.py)::(?P<name>\w+)(?:\[.+\])?$")
CORRECTIONS_PAGE = "corrections.md"


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
    principles: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    why: str = ""
    instead: str = ""
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


@functools.cache
def _function_names(path: Path, modified_ns: int) -> frozenset[str]:
    """Functions a test file defines; parsed once per version of the file
    (several verdicts name the same file, and `mkdocs serve` rebuilds often)."""
    del modified_ns  # part of the cache key only
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def _check_test_id(test_id: str, where: Location, repo_root: Path) -> None:
    match = TEST_ID.match(test_id)
    if not match:
        raise LocatedError(
            where,
            f"{test_id!r} is not a pytest node id (tests/<path>.py::<test>[<param>])",
        )
    path = repo_root / match["file"]
    if not path.is_file():
        raise LocatedError(where, f"{test_id!r}: {match['file']} does not exist")
    if match["name"] not in _function_names(path, path.stat().st_mtime_ns):
        raise LocatedError(
            where, f"{test_id!r}: {match['file']} defines no {match['name']}()"
        )


def _lines_of(node: yaml.Node) -> dict[str, int]:
    """Key -> 1-based line, for a YAML mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: key.start_mark.line + 1 for key, _ in node.value}


def load_verdicts(
    docs_dir: Path, source: SourceDocument, registry: Registry, repo_root: Path
) -> Verdicts:
    path = docs_dir / VERDICTS_FILE
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml_loading.compose(text)
        data = yaml_loading.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise LocatedError(Location(path, line), f"not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise LocatedError(Location(path, 1), "expected a mapping of anchor: verdict")
    key_lines = _lines_of(root)
    seen: set[str] = set()
    for key_node, _ in root.value:
        if key_node.value in seen:
            raise LocatedError(
                Location(path, key_node.start_mark.line + 1),
                f"{key_node.value!r} has a verdict already; one verdict per statement",
            )
        seen.add(key_node.value)
    field_lines = {key.value: _lines_of(value) for key, value in root.value}
    anchors = {s.anchor: s for s in source.statements}
    ids = {p.id for p in registry.principles}

    entries: list[Verdict] = []
    for key, body in data.items():
        where = Location(path, key_lines[key])
        statement, part = anchors.get(key), None
        if statement is None and "--" in key:
            block, _, part = key.rpartition("--")
            statement = anchors.get(block)
            if statement is not None and statement.kind != "code":
                statement = None
        if statement is None:
            raise LocatedError(
                where,
                f"{key!r} is not the anchor of a statement of {source.path.name} "
                "(nor <code block anchor>--<part>); see the anchors on the Source page",
            )
        if not isinstance(body, dict):
            raise LocatedError(where, f"{key}: expected a mapping of fields")
        lines = field_lines[key]
        if unknown := sorted(set(body) - FIELDS):
            raise LocatedError(
                Location(path, lines[unknown[0]]),
                f"{key}: unknown field {unknown[0]!r}; fields: {', '.join(sorted(FIELDS))}",
            )
        kind = body.get("verdict")
        if kind not in KINDS:
            raise LocatedError(
                Location(path, lines.get("verdict", where.line)),
                f"{key}: verdict must be one of {', '.join(KINDS)}, not {kind!r}",
            )
        required = list(REQUIRED[kind]) + (["title", "quote"] if part else [])
        for name in required:
            if not body.get(name):
                raise LocatedError(where, f"{key}: a {kind!r} verdict needs {name!r}")
        if kind == "holds" and not (body.get("principles") or body.get("tests")):
            raise LocatedError(
                where, f"{key}: a 'holds' verdict names its principles or tests"
            )
        if "{" in str(body.get("title", "")):
            raise LocatedError(
                Location(path, lines["title"]),
                f"{key}: no braces in a title, they end up read as heading attributes",
            )
        quote = str(body.get("quote", ""))
        in_code = not part or without_trailing_spaces(quote) in without_trailing_spaces(
            statement.text
        )
        if quote and not (statement.contains(quote) and in_code):
            raise LocatedError(
                Location(path, lines["quote"]),
                f"{key}: the quote is not in the source's text of this statement "
                f"({source.path.name}:{statement.line}); quote it verbatim",
            )
        principles = tuple(body.get("principles") or ())
        for principle in principles:
            if principle not in ids:
                raise LocatedError(
                    Location(path, lines["principles"]),
                    f"{key}: unknown principle ID {principle!r}",
                )
        tests = tuple(body.get("tests") or ())
        for test_id in tests:
            _check_test_id(test_id, Location(path, lines["tests"]), repo_root)
        entries.append(
            Verdict(
                key=key,
                statement=statement,
                part=part,
                verdict=kind,
                title=_title(statement, str(body.get("title", ""))),
                quote=quote,
                happens=str(body.get("happens", "")),
                correction=str(body.get("correction", "")),
                principles=principles,
                tests=tests,
                why=str(body.get("why", "")),
                instead=str(body.get("instead", "")),
                note=str(body.get("note", "")),
                location=where,
                field_lines=lines,
            )
        )
    verdicts = Verdicts(path, source, tuple(entries))
    _check_complete(verdicts)
    return verdicts


def _check_complete(verdicts: Verdicts) -> None:
    """Every statement has a verdict; parts of a block cover all of it."""
    source = verdicts.source
    for statement in source.statements:
        found = verdicts.of(statement)
        where = Location(source.path, statement.block_line or statement.line)
        if not found:
            raise LocatedError(
                where,
                f"statement {statement.anchor!r} has no verdict in "
                f"{verdicts.path.name}: add one (holds, corrected or not-verifiable)",
            )
        parts = [v for v in found if v.part]
        if parts and len(parts) != len(found):
            raise LocatedError(
                found[0].location,
                f"{statement.anchor}: give the block one verdict or one per part, not both",
            )
        if not parts:
            continue
        covered: set[int] = set()
        for verdict in parts:
            first = statement.line_offset(verdict.quote)
            covered.update(range(first, first + verdict.quote.count("\n") + 1))
        for offset, line in enumerate(statement.text.splitlines()):
            stripped = line.strip()
            if stripped and not stripped.startswith("#") and offset not in covered:
                raise LocatedError(
                    Location(source.path, statement.block_line + 1 + offset),
                    f"no part of {statement.anchor!r} in {verdicts.path.name} "
                    f"quotes this line: {stripped!r}",
                )


# --- Rendering -------------------------------------------------------------------


def _mark(verdict: Verdict, prefix: str) -> str:
    return (
        f"[Verdict: {verdict.label.lower()}]({prefix}{CORRECTIONS_PAGE}#{verdict.key})"
        f"{{ #{verdict.key} .pbp-verdict .pbp-verdict--{verdict.verdict} }}"
    )


def annotator(verdicts: Verdicts, prefix: str = "") -> Callable[[Statement], list[str]]:
    """The marks the Source page puts on each statement (see SourceDocument.render)."""

    def annotate(statement: Statement) -> list[str]:
        found = verdicts.of(statement)
        if len(found) == 1 and not found[0].part:
            return [_mark(found[0], prefix)]
        counts = {kind: sum(v.verdict == kind for v in found) for kind in KINDS}
        summary = ", ".join(
            f"{n} {LABELS[kind].lower()}" for kind, n in counts.items() if n
        )
        head = (
            f'<span id="{statement.anchor}"></span>'
            f"**Verdicts on its {len(found)} parts** ({summary}): "
        )
        return [head] + [f"{_mark(v, prefix)} {v.title}" for v in found]

    return annotate


def _fence(text: str, title: str) -> list[str]:
    return [f'````{{.text title="{title}"}}', text.rstrip("\n"), "````", ""]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _principle_links(registry: Registry, ids: tuple[str, ...]) -> str:
    return ", ".join(
        f"[{registry.by_id(i).title}]({registry.by_id(i).path.as_posix()}) (`{i}`)"
        for i in ids
    )


def _where(verdict: Verdict) -> str:
    statement = verdict.statement
    return (
        f"[{statement.section}](source.md#{verdict.key}), "
        f"line {statement.block_line or statement.line}"
    )


def corrections_page(verdicts: Verdicts, registry: Registry) -> str:
    """The generated Corrections page: every verdict, the corrected ones in full."""
    counts = verdicts.counts()
    statements = len(verdicts.source.statements)
    out = [
        "# Corrections",
        "",
        f"Every statement of the [source document](source.md) was checked by running it: "
        f"{statements} statements, {len(verdicts.entries)} verdicts (code blocks are "
        f"judged part by part). **{counts['corrected']} corrected**, "
        f"**{counts['holds']} hold**, **{counts['not-verifiable']} not verifiable here**.",
        "",
        "A corrected statement fails, misbehaves or is outdated as the source writes it. "
        "Each entry quotes the source, copies what really happens from a run, gives the "
        "correction and the principle that shows it, and names the test that reproduces "
        "the failure; the test suite fails if any of these goes stale.",
        "",
        "## Corrected",
        "",
    ]
    for verdict in verdicts.by_kind("corrected"):
        out += [
            f"### {verdict.title} {{ #{verdict.key} }}",
            "",
            f"**Source:** {_where(verdict)}.",
            "",
            *_fence(verdict.quote, "The source's text"),
            "**What happens:**",
            "",
            *_fence(verdict.happens, "Output of a run"),
            f"**Correction:** {' '.join(verdict.correction.split())}",
            "",
            f"**Shown on:** {_principle_links(registry, verdict.principles)}.",
            "",
            "**Reproduced by:** " + ", ".join(f"`{t}`" for t in verdict.tests) + ".",
            "",
        ]
        if verdict.note:
            out += [f"*{' '.join(verdict.note.split())}*", ""]
    out += [
        "## Not verifiable here",
        "",
        "| Statement | Why not | What was verified instead |",
        "| --- | --- | --- |",
    ]
    for verdict in verdicts.by_kind("not-verifiable"):
        out.append(
            f'| <span id="{verdict.key}"></span>{_cell(verdict.title)} ({_where(verdict)}) '
            f"| {_cell(verdict.why)} | {_cell(verdict.instead)} |"
        )
    out += [
        "",
        "## Holds",
        "",
        "| Statement | Shown by | Notes |",
        "| --- | --- | --- |",
    ]
    for verdict in verdicts.by_kind("holds"):
        shown = _principle_links(registry, verdict.principles)
        tests = ", ".join(f"`{t}`" for t in verdict.tests)
        out.append(
            f'| <span id="{verdict.key}"></span>{_cell(verdict.title)} ({_where(verdict)}) '
            f"| {_cell('; '.join(x for x in (shown, tests) if x))} | {_cell(verdict.note)} |"
        )
    return "\n".join(out) + "\n"
