"""The Corrections page and the verdict marks on the Source page, generated
from the verdicts (:mod:`handbook.content.verdicts` reads and checks them).

The Corrections page summarises every verdict, then gives each corrected
statement in full (the source's words, what a run does, the correction,
the principles and tests that show it), each closed until opened. The
Source page marks each statement with a link to its verdict here.
"""

import html
from collections.abc import Callable

from handbook.content.registry import Registry
from handbook.content.source_document import Statement
from handbook.content.verdict_records import KINDS, LABELS, Verdict, Verdicts

CORRECTIONS_PAGE = "corrections.md"


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


def _transcript(text: str) -> list[str]:
    """Quoted or captured text, as it is: a bare ``<pre>``, not a code block.

    Nothing here is code to copy, and a code block is five elements and a
    copy button: 116 of them kept the page over its weight budget.
    """
    # "[" as a character reference: a quoted TOML table ("[[rules]]") is not a
    # placeholder of the handbook's.
    escaped = html.escape(text.rstrip("\n")).replace("[", "&#91;")
    return [f'<pre class="pbp-transcript">{escaped}</pre>', ""]


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


def _tests(tests: tuple[str, ...]) -> str:
    return ", ".join(f"`{t}`" for t in tests)


def _corrected_entry(verdict: Verdict, registry: Registry) -> list[str]:
    """One correction, closed: its title is one line until the reader opens it.

    The ``<details>`` carries the anchor that pages and the Source page link
    to; Material opens a closed ``<details>`` that holds the URL's target.
    """
    out = [
        f'<details class="pbp-correction" id="{verdict.key}" markdown>',
        f'<summary markdown="span">{verdict.title}</summary>',
        "",
        f"**The source writes** ({_where(verdict)}):",
        "",
        *_transcript(verdict.quote),
        "**What happens** (output of a run):",
        "",
        *_transcript(verdict.happens),
    ]
    if verdict.defects:
        out += [f"**Defects ({len(verdict.defects)}), each with its own test:**", ""]
        out += [
            f"{number}. {d.text} Reproduced by {_tests(d.tests)}."
            for number, d in enumerate(verdict.defects, start=1)
        ]
        out.append("")
    out += [
        f"**Correction:** {' '.join(verdict.correction.split())}",
        "",
        f"**Shown on:** {_principle_links(registry, verdict.principles)}.",
        "",
    ]
    if not verdict.defects:
        out += [f"**Reproduced by:** {_tests(verdict.tests)}.", ""]
    if verdict.note:
        out += [f"*{' '.join(verdict.note.split())}*", ""]
    return [*out, "</details>", ""]


def _index_line(verdict: Verdict) -> str:
    """A correction in the summary: its title, linking to its detail."""
    # Titles quote config keys in brackets ("[tool.ruff.isort] is deprecated"):
    # escaped, so they neither end the link text nor read as a [[placeholder]].
    text = _cell(verdict.title).replace("[", "\\[").replace("]", "\\]")
    return f"- [{text}](#{verdict.key})"


def _id_links(registry: Registry, ids: tuple[str, ...]) -> str:
    """Principles by ID alone: the short form for a list of 95."""
    return ", ".join(f"[{i}]({registry.by_id(i).path.as_posix()})" for i in ids)


def corrections_page(verdicts: Verdicts, registry: Registry) -> str:
    """The generated Corrections page: a summary of every verdict, then the
    corrected ones in full, each closed until opened.

    No tables: a statement, its evidence and its notes are long prose, and a
    three-column table of them overflowed a 390 px phone.
    """
    counts = verdicts.counts()
    statements = len(verdicts.source.statements)
    corrected = verdicts.by_kind("corrected")
    out = [
        "# Corrections",
        "",
        f"Every statement of the [source document](source.md) was checked by running it: "
        f"{statements} statements, {len(verdicts.entries)} verdicts (code blocks are "
        f"judged part by part). **{counts['corrected']} corrected**, "
        f"**{counts['holds']} hold**, **{counts['not-verifiable']} not verifiable here**.",
        "",
        "A corrected statement fails, misbehaves or is outdated as written. Each "
        "correction quotes it, shows what a run does, corrects it, and names the "
        "principle and the test that shows it; the build fails if any goes stale.",
        "",
        "## Summary",
        "",
        f"The {counts['corrected']} corrections; a link opens its detail.",
        "",
        '<div class="pbp-index" markdown>',
        "",
        *(_index_line(v) for v in corrected),
        "",
        "</div>",
        "",
        "## Corrected",
        "",
    ]
    for verdict in corrected:
        out += _corrected_entry(verdict, registry)
    out += [
        "## Not verifiable here",
        "",
        "What each statement would need, and what was verified instead.",
        "",
    ]
    for verdict in verdicts.by_kind("not-verifiable"):
        out.append(
            f'- <span id="{verdict.key}"></span>**{_cell(verdict.title)}** ({_where(verdict)}). '
            f"*Why not:* {_cell(verdict.why)} *Verified instead:* {_cell(verdict.instead)}"
        )
    out += [
        "",
        "## Holds",
        "",
        '<details class="pbp-holds" markdown>',
        f"<summary>The {counts['holds']} statements that hold, with what shows it</summary>",
        "",
    ]
    for verdict in verdicts.by_kind("holds"):
        shown = "; ".join(
            x
            for x in (_id_links(registry, verdict.principles), _tests(verdict.tests))
            if x
        )
        note = f" {_cell(verdict.note)}" if verdict.note else ""
        out.append(
            f'- <span id="{verdict.key}"></span>**{_cell(verdict.title)}** ({_where(verdict)}).'
            + (f" *Shown by:* {shown}." if shown else "")
            + note
        )
    out += ["", "</details>"]
    return "\n".join(out) + "\n"
