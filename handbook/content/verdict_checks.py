"""The checks that keep verdicts.yml true to the source, the registry and the pages.

Each check is one pass over the typed verdicts and raises a
:class:`LocatedError` at the line of ``verdicts.yml`` to fix. Besides the
file's own consistency (quotes, test ids, complete coverage of the source),
three checks keep the verdicts current as pages are added and changed:

* a verdict may name a principle only if that principle *covers* the
  statement: the principle cites the statement's section, or its page links
  the statement, or one of the verdict's tests is in its evidence module;
* a ``not-verifiable`` verdict on a statement whose section a principle
  cites must list that principle in ``not_shown_on`` (its page was checked
  and does not verify the statement), so a new page for the section
  re-opens the verdict; a verdict saying no page covers a topic names the
  topic in ``no_page``, and no principle may have it in its title, tags or
  aliases;
* a ``corrected`` verdict's correction is on each page it names: the page
  links ``corrections.md#<key>`` and carries, after its includes are
  expanded, the words ``shown`` gives for it, which are words of the
  correction itself.
"""

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from handbook.content.evidence import evidence_module
from handbook.content.includes import expand
from handbook.content.locations import LocatedError, Location
from handbook.content.registry import Principle, Registry
from handbook.content.source_document import without_trailing_spaces
from handbook.content.test_ids import check_test_id
from handbook.content.verdict_records import Verdict, Verdicts

# Free text that says a topic has no page; such a verdict must name the topic
# in `no_page`, where the build can check it.
NO_PAGE_CLAIM = re.compile(r"\bno (?:page|principle)s?\b", re.IGNORECASE)


def check_all(verdicts: Verdicts, registry: Registry, repo_root: Path) -> None:
    """Every pass, in the order a contributor would fix things."""
    check_quotes(verdicts)
    check_principle_ids(verdicts, registry)
    check_test_ids(verdicts, repo_root)
    check_defects(verdicts)
    check_complete(verdicts)
    check_principles_cover(verdicts, registry)
    check_not_verifiable_is_current(verdicts, registry)
    check_no_page_claims(verdicts, registry)
    check_corrections_on_pages(verdicts, registry)


def _fold(text: str) -> str:
    return " ".join(text.split())


# --- The file's own consistency -----------------------------------------------------


def check_quotes(verdicts: Verdicts) -> None:
    """A quote is the source's own text; a part's quote lies inside its block."""
    for v in verdicts.entries:
        if not v.quote:
            continue
        in_code = not v.part or without_trailing_spaces(
            v.quote
        ) in without_trailing_spaces(v.statement.text)
        if not (v.statement.contains(v.quote) and in_code):
            raise LocatedError(
                v.line_of("quote"),
                f"{v.key}: the quote is not in the source's text of this statement "
                f"({verdicts.source.path.name}:{v.statement.line}); quote it verbatim",
            )


def check_principle_ids(verdicts: Verdicts, registry: Registry) -> None:
    ids = {p.id for p in registry.principles}
    for v in verdicts.entries:
        for name, named in (
            ("principles", v.principles),
            ("shown", tuple(v.shown)),
            ("not_shown_on", v.not_shown_on),
        ):
            for principle in named:
                if principle not in ids:
                    raise LocatedError(
                        v.line_of(name), f"{v.key}: unknown principle ID {principle!r}"
                    )


def check_test_ids(verdicts: Verdicts, repo_root: Path) -> None:
    for v in verdicts.entries:
        own = v.tests[: len(v.tests) - sum(len(d.tests) for d in v.defects)]
        for test_id in own:
            check_test_id(test_id, v.line_of("tests"), repo_root)
        for defect in v.defects:
            for test_id in defect.tests:
                check_test_id(test_id, defect.location, repo_root)


def check_defects(verdicts: Verdicts) -> None:
    """Each defect of a statement has a test of its own."""
    for v in verdicts.entries:
        for defect in v.defects:
            others = {t for d in v.defects if d is not defect for t in d.tests}
            if set(defect.tests) <= others:
                raise LocatedError(
                    defect.location,
                    f"{v.key}: this defect has no test of its own; every test it "
                    "names also shows another defect",
                )


def check_complete(verdicts: Verdicts) -> None:
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


# --- Current with the registry and the pages -------------------------------------------


def page_text(principle: Principle) -> str:
    """The page as a reader sees it: its Markdown with every include expanded.

    Built from the document the registry already read, so checking verdicts
    costs the build no second read of any page."""
    document = principle.document
    included = [b for b in document.fences if b.is_include]
    return "\n".join([document.text, *(expand(b) for b in included)])


def covers(principle: Principle, verdict: Verdict) -> bool:
    """The principle cites the statement's section, its page links the
    statement, or its evidence module holds one of the verdict's tests."""
    if verdict.statement.section in principle.sources:
        return True
    text = page_text(principle)
    anchors = {verdict.key, verdict.statement.anchor}
    if any(
        f"{page}#{a})" in text
        for page in ("source.md", "corrections.md")
        for a in anchors
    ):
        return True
    module = evidence_module(principle)
    return any(PurePosixPath(t.split("::")[0]) == module for t in verdict.tests)


def check_principles_cover(verdicts: Verdicts, registry: Registry) -> None:
    for v in verdicts.entries:
        for principle_id in v.principles:
            principle = registry.by_id(principle_id)
            if not covers(principle, v):
                raise LocatedError(
                    v.line_of("principles"),
                    f"{v.key}: {principle_id} does not cover this statement: it does "
                    f"not cite {v.statement.section!r} as a source, its page does not "
                    f"link source.md#{v.statement.anchor}, and no test named here is in "
                    f"{evidence_module(principle)}. Name the principle that shows it.",
                )


def _citing(registry: Registry, section: str) -> list[str]:
    return sorted(p.id for p in registry.principles if section in p.sources)


def check_not_verifiable_is_current(verdicts: Verdicts, registry: Registry) -> None:
    """A page added for a section re-opens its not-verifiable verdicts."""
    for v in verdicts.by_kind("not-verifiable"):
        section = v.statement.section
        citing = _citing(registry, section)
        for principle_id in v.not_shown_on:
            if principle_id not in citing:
                raise LocatedError(
                    v.line_of("not_shown_on"),
                    f"{v.key}: {principle_id} does not cite {section!r}; "
                    "not_shown_on lists only principles that do",
                )
        if unchecked := [p for p in citing if p not in v.not_shown_on]:
            raise LocatedError(
                v.location,
                f"{v.key}: 'not verifiable here', but {', '.join(unchecked)} "
                f"cite{'s' if len(unchecked) == 1 else ''} {section!r}. If the page "
                "shows the statement, make the verdict holds or corrected and name it; "
                "if it does not, add it to not_shown_on.",
            )


def _mentions(principle: Principle, topic: str) -> bool:
    words = [principle.title, principle.summary, *principle.tags, *principle.aliases]
    pattern = re.compile(rf"\b{re.escape(topic)}\b", re.IGNORECASE)
    return any(pattern.search(w) for w in words)


def check_no_page_claims(verdicts: Verdicts, registry: Registry) -> None:
    for v in verdicts.entries:
        for name in ("why", "instead", "note", "happens"):
            text = getattr(v, name)
            if NO_PAGE_CLAIM.search(text) and not v.no_page:
                raise LocatedError(
                    v.line_of(name),
                    f"{v.key}: says a topic has no page; name the topic in "
                    "no_page, so the build can check that no page covers it",
                )
        for topic in v.no_page:
            if covering := [p.id for p in registry.principles if _mentions(p, topic)]:
                raise LocatedError(
                    v.line_of("no_page"),
                    f"{v.key}: says no page covers {topic!r}, but "
                    f"{', '.join(covering)} {'has' if len(covering) == 1 else 'have'} "
                    "it in its title, summary, tags or "
                    "aliases: re-examine the verdict against that page",
                )


def _missing(words: Iterable[str], text: str) -> list[str]:
    folded = _fold(text)
    return [w for w in words if _fold(w) not in folded]


def check_corrections_on_pages(verdicts: Verdicts, registry: Registry) -> None:
    """Each page a correction names links it and carries its corrected form."""
    for v in verdicts.by_kind("corrected"):
        if extra := sorted(set(v.shown) - set(v.principles)):
            raise LocatedError(
                v.line_of("shown"),
                f"{v.key}: 'shown' names {extra[0]}, which 'principles' does not",
            )
        for principle_id in v.principles:
            if principle_id not in v.shown:
                raise LocatedError(
                    v.line_of("shown"),
                    f"{v.key}: 'shown' gives no words of the correction for "
                    f"{principle_id}: which part of the correction does its page carry?",
                )
            if not_in_correction := _missing(v.shown[principle_id], v.correction):
                raise LocatedError(
                    v.line_of("shown"),
                    f"{v.key}: {not_in_correction[0]!r} is not in the correction; "
                    "'shown' quotes the correction's own words",
                )
            principle = registry.by_id(principle_id)
            text = page_text(principle)
            page = Path("docs") / principle.path
            if f"corrections.md#{v.key})" not in text:
                raise LocatedError(
                    v.line_of("principles"),
                    f"{v.key}: {page} shows this correction but never links "
                    f"corrections.md#{v.key}",
                )
            if not_on_page := _missing(v.shown[principle_id], text):
                raise LocatedError(
                    v.line_of("shown"),
                    f"{v.key}: {page} does not carry the correction: "
                    f"{not_on_page[0]!r} is not on it (its includes expanded)",
                )
