"""Absolute words on the handbook's pages, and the ledger that answers for each.

A sentence that says "never", "always", "every", "only", "cannot" or "no
<noun>" makes a claim that one counter-example breaks. Every such sentence
of a page's prose is recorded in ``tests/principles/absolutes.yml`` with
what answers for it::

    pages:
      docs/principles/security/secrets.md:
        - sentence: A leaked app credential then cannot create, drop or truncate a table.
          tested: tests/service/test_settings.py::test_the_example_role_may_change_rows
        - sentence: Read every secret through the typed settings.
          rule: instructs the reader; it states what to do, not a fact.

* ``tested``: one or more pytest node ids of tests that exercise the case
  that would break the claim (each must be a test pytest collects:
  see :mod:`handbook.content.test_ids`);
* ``rule``: the sentence instructs the reader (the principle, a Do or a
  Don't) rather than stating a fact about the world; the value says why;
* ``not_absolute``: the word does not make a universal claim here (a
  count, "no longer", a quotation of the source that the page refutes);
  the value says why.

Otherwise the sentence is narrowed on the page until it claims only what
its test shows, and it drops out of the ledger.

The pages are every hand-written page of the site (``docs/**/*.md`` but the
source document in ``docs/_data/``, which the handbook quotes and answers
rather than claims): the principle pages, which start with YAML front
matter, and the general pages (the home page, code review, anti-patterns,
the checker...), which may have none.

An entry is keyed by its page and the sentence's words (whitespace folded,
links reduced to their text), so edits elsewhere on the page leave it
standing, and an edit to the sentence itself makes it both unrecorded and
stale: the new wording must be read again.

What counts as prose: the page's ``title`` and ``summary`` (rendered at the
top of the page), headings, paragraphs, list items and table rows. Fenced
code blocks are skipped (their code is verified by other tests), as are the
words inside inline code spans and link targets: ``never`` in
```retry=never``` is a name, not a claim. The text of a link that is a
principle's title is that principle's claim, recorded on its own page. The pages have no
admonitions or HTML comments; a line that opens one is read as prose.

``pending`` lists pages whose sentences are not yet all read; their
unrecorded sentences are counted, not hidden (the test xfails strictly,
so a page that is finished must leave the list).
"""

import functools
import re
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from handbook.content.docs_tree import markdown_pages
from handbook.content.locations import LocatedError, Location
from handbook.content.markdown_document import MarkdownDocument, read_document
from handbook.content.test_ids import check_test_id
from handbook.content.yaml_nodes import (
    compose_file,
    mapping_entries,
    node_fields,
    node_location,
    nonblank_node_text,
)

LEDGER_FILE = Path("tests/principles/absolutes.yml")
PAGES_GLOB = "docs/principles/**/*.md"
"""The principle pages: each starts with YAML front matter."""
KINDS = ("tested", "rule", "not_absolute")

# A word counts on its own, not inside a compound ("read-only", "no-op").
# "no" counts when a word follows it that is not one of the comparatives
# and idioms below ("no longer", "no more than 30"), which bound rather
# than deny.
ABSOLUTE_WORD = re.compile(
    r"(?<![\w-])(?:never|always|every(?:one|thing|where|body)?|only|cannot|can[\u2019']t"
    r"|none|nothing|nobody|nowhere"
    r"|no(?=\s+(?!longer\b|more\b|less\b|fewer\b|later\b|sooner\b|matter\b|doubt\b)"
    r"[\w`\"\u201c(]))\b(?!-)",
    re.IGNORECASE,
)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1")
_INLINE_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_REF_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\[[^\]]*\]")
_HEADING = re.compile(r"^#{1,6}\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
# A sentence ends at . ! or ? (perhaps closed by a quote, bracket or emphasis)
# followed by a space and a capital, a quote or a bracket; not after e.g. or i.e.
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bcf\.)[.!?:][\"\u201d\u2019')\]*_]*\s+(?=[A-Z\"\u201c(\[*`])"
)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a page's prose that holds an absolute word."""

    page: str
    """Repository-relative path of the page, ``docs/...``."""
    line: int
    text: str
    """The sentence's words: links reduced to their text, whitespace folded."""
    words: tuple[str, ...]
    """The absolute words it holds, in order, lower-cased."""

    @property
    def location(self) -> Location:
        return Location(Path(self.page), self.line)


@dataclass(frozen=True)
class Entry:
    """The ledger's answer for one sentence."""

    page: str
    sentence: str
    kind: str
    value: tuple[str, ...]
    """The test ids for ``tested``; the one-line reason otherwise."""
    location: Location


@dataclass(frozen=True)
class Ledger:
    path: Path
    entries: tuple[Entry, ...]
    pending: frozenset[str]
    pending_location: Location

    def for_page(self, page: str) -> dict[str, Entry]:
        return {e.sentence: e for e in self.entries if e.page == page}


# --- Extraction -----------------------------------------------------------------


def fold(text: str) -> str:
    """The words of a piece of prose: links reduced to their text, spaces folded."""
    text = _INLINE_LINK.sub(lambda m: m["text"], text)
    text = _REF_LINK.sub(lambda m: m["text"], text)
    return " ".join(text.split())


def _masked(text: str) -> str:
    """The text with code spans blanked out, same length, for matching words."""
    return _CODE_SPAN.sub(lambda m: "`" * len(m[0]), text)


def _prose_units(document: MarkdownDocument) -> Iterator[tuple[int, str]]:
    """(first line, text) of each paragraph, list item, heading and table row."""
    for field in ("title", "summary"):
        value = document.meta.get(field)
        if isinstance(value, str):
            yield document.field_location(field).line, value
    unit: list[str] = []
    start = 0
    for number in range(document.body_line, len(document.lines) + 1):
        line = document.lines[number - 1]
        in_code = number in document.fenced_lines
        starts_unit = (
            in_code
            or not line.strip()
            or bool(_HEADING.match(line))
            or bool(_LIST_ITEM.match(line))
            or line.lstrip().startswith("|")
        )
        if starts_unit and unit:
            yield start, "\n".join(unit)
            unit = []
        if in_code or not line.strip() or _TABLE_RULE.match(line):
            continue
        if not unit:
            start = number
        text = _LIST_ITEM.sub("", _HEADING.sub("", line)).strip()
        if text.startswith("|"):
            # A table row: each cell is read on its own.
            for cell in text.strip("|").split("|"):
                if cell.strip():
                    yield number, cell.strip()
            continue
        unit.append(text.removeprefix("> "))
    if unit:
        yield start, "\n".join(unit)


def _split_sentences(start: int, text: str) -> Iterator[tuple[int, str]]:
    masked = _masked(text)
    begin = 0
    for match in _SENTENCE_END.finditer(masked):
        end = match.end()
        yield start + text.count("\n", 0, begin), text[begin:end]
        begin = end
    if text[begin:].strip():
        yield start + text.count("\n", 0, begin), text[begin:]


def absolute_words(text: str, titles: Set[str] = frozenset()) -> tuple[str, ...]:
    """The absolute words of a sentence outside code spans and link targets.

    A link whose text is a principle's title cites that principle; its words
    are recorded on the principle's own page, not again on every page that
    links it.
    """

    def link_text(match: re.Match[str]) -> str:
        return "" if fold(match["text"]) in titles else match["text"]

    prose = _masked(_INLINE_LINK.sub(link_text, _REF_LINK.sub(link_text, text)))
    return tuple(m[0].lower() for m in ABSOLUTE_WORD.finditer(prose))


def sentences(
    document: MarkdownDocument, page: str, titles: Set[str] = frozenset()
) -> list[Sentence]:
    """Every sentence of the page's prose that holds an absolute word.

    ``titles`` are the principles' titles (see :func:`absolute_words`).
    """
    found = []
    for start, unit in _prose_units(document):
        for line, sentence in _split_sentences(start, unit):
            words = absolute_words(sentence, titles)
            if words:
                found.append(Sentence(page, line, fold(sentence), words))
    return found


@functools.cache
def principle_titles(repo_root: Path) -> frozenset[str]:
    """Every principle page's title, words folded."""
    return frozenset(
        fold(str(read_document(repo_root / page).meta.get("title", "")))
        for page in principle_pages(repo_root)
    )


def is_principle_page(page: str) -> bool:
    return PurePosixPath(page).match(PAGES_GLOB)


def page_sentences(repo_root: Path, page: str) -> list[Sentence]:
    """The page's absolute sentences; only a principle page must have front matter."""
    document = read_document(repo_root / page, front_matter=is_principle_page(page))
    return sentences(document, page, principle_titles(repo_root))


def principle_pages(repo_root: Path) -> list[str]:
    return sorted(
        p.relative_to(repo_root).as_posix() for p in repo_root.glob(PAGES_GLOB)
    )


def ledger_pages(repo_root: Path) -> list[str]:
    """Every page whose sentences the ledger answers for, principle and
    general: the site's hand-written pages (``markdown_pages``)."""
    return [
        page.relative_to(repo_root).as_posix()
        for page in markdown_pages(repo_root / "docs")
    ]


# --- The ledger -----------------------------------------------------------------


def _entry(path: Path, page: str, node: yaml.Node, repo_root: Path) -> Entry:
    where = node_location(path, node)
    fields = node_fields(path, node, "an entry", ("sentence", *KINDS))
    if "sentence" not in fields:
        raise LocatedError(where, "an entry names its 'sentence'")
    kinds = [k for k in KINDS if k in fields]
    if len(kinds) != 1:
        raise LocatedError(
            where,
            f"an entry gives exactly one of {', '.join(KINDS)} (it gives {len(kinds)})",
        )
    kind = kinds[0]
    sentence = fold(nonblank_node_text(path, fields["sentence"], "'sentence'"))
    value_node = fields[kind]
    if kind == "tested":
        items = (
            value_node.value
            if isinstance(value_node, yaml.SequenceNode)
            else [value_node]
        )
        if not items:
            raise LocatedError(
                node_location(path, value_node), "'tested' names at least one test"
            )
        tests = []
        for item in items:
            test_id = nonblank_node_text(path, item, "a test id").strip()
            check_test_id(test_id, node_location(path, item), repo_root)
            tests.append(test_id)
        return Entry(page, sentence, kind, tuple(tests), where)
    reason = " ".join(nonblank_node_text(path, value_node, f"'{kind}'").split())
    return Entry(page, sentence, kind, (reason,), where)


def load_ledger(path: Path, repo_root: Path) -> Ledger:
    """Read the ledger; every problem is a :class:`LocatedError` at its line."""
    root = compose_file(path)
    if root is None:
        raise LocatedError(Location(path, 1), "the ledger is empty")
    top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for name, key, value in mapping_entries(path, root, "the ledger"):
        if name not in {"pages", "pending"}:
            raise LocatedError(
                node_location(path, key), "top-level keys: pages, pending"
            )
        if name in top:  # YAML would keep the second block and drop the first
            raise LocatedError(node_location(path, key), f"{name!r} given twice")
        top[name] = (key, value)
    entries: list[Entry] = []
    seen: dict[tuple[str, str], Location] = {}
    if "pages" in top:
        pages = set(ledger_pages(repo_root))
        for page, key, items in mapping_entries(path, top["pages"][1], "'pages'"):
            if page not in pages:
                raise LocatedError(
                    node_location(path, key), f"{page} is not a page of the site"
                )
            if not isinstance(items, yaml.SequenceNode):
                raise LocatedError(
                    node_location(path, items), f"{page}: a list of entries"
                )
            for item in items.value:
                entry = _entry(path, page, item, repo_root)
                if (page, entry.sentence) in seen:
                    raise LocatedError(
                        entry.location,
                        f"this sentence is recorded already at {seen[page, entry.sentence]}",
                    )
                seen[page, entry.sentence] = entry.location
                entries.append(entry)
    pending: set[str] = set()
    pending_location = Location(path, 1)
    if "pending" in top:
        key, node = top["pending"]
        pending_location = node_location(path, key)
        if not isinstance(node, yaml.SequenceNode):
            raise LocatedError(pending_location, "'pending' is a list of pages")
        for item in node.value:
            page = nonblank_node_text(path, item, "a page")
            if not (repo_root / page).is_file():
                raise LocatedError(
                    node_location(path, item), f"{page} is not a page of the site"
                )
            pending.add(page)
    return Ledger(path, tuple(entries), frozenset(pending), pending_location)


# --- The checks -----------------------------------------------------------------


def unrecorded(found: Iterable[Sentence], ledger: Ledger, page: str) -> list[Sentence]:
    recorded = ledger.for_page(page)
    return [s for s in found if s.text not in recorded]


def stale(found: Iterable[Sentence], ledger: Ledger, page: str) -> list[Entry]:
    texts = {s.text for s in found}
    return [e for e in ledger.for_page(page).values() if e.sentence not in texts]


def describe_unrecorded(sentences: Iterable[Sentence]) -> str:
    return "\n".join(
        f"{s.location}: unrecorded absolute ({', '.join(s.words)}): {s.text}"
        for s in sentences
    )


def describe_stale(entries: Iterable[Entry]) -> str:
    return "\n".join(
        f"{e.location}: stale: {e.page} has no sentence {e.sentence!r}" for e in entries
    )


def skeleton(sentences: Iterable[Sentence]) -> str:
    """Ledger entries to fill in, for ``python -m handbook.tools.absolutes PAGE``."""
    lines = []
    for s in sentences:
        lines.append(f"    # {s.page}:{s.line} ({', '.join(s.words)})")
        lines.append(
            f"    - sentence: {yaml.safe_dump(s.text, width=10**6).strip().removesuffix('...').strip()}"
        )
        lines.append("      tested: ")
    return "\n".join(lines)


if __name__ == "__main__":
    # The command moved to the developer tools: say where, not print nothing.
    raise SystemExit("moved: uv run python -m handbook.tools.absolutes PAGE")
