"""Measured numbers in prose: ``[[bench:<scenario>.<measurement>]]`` placeholders.

A page never types a measured number. It writes, in its prose,

    listing 1,000 orders lazily issued [[bench:n_plus_one.1000.lazy.queries]]

and the build replaces the placeholder with the measurement's median from
``docs/_data/benchmarks.json``, formatted with its unit and linked to the
scenario's section of the "Measured performance" page, whose figure and
table show the spread. The double brackets cannot be mistaken for an
attr_list ``{...}``, a link, or any pymdownx syntax, and a placeholder is
refused inside a code block, where the docs tests run and lint the code.

An unknown key, a malformed placeholder or one inside a code block stops
the build with the page's path and line.
"""

import re
from pathlib import Path

from benchmarks.results import Results, citation_keys, format_value
from handbook.benchmarks_page import PAGE, anchor
from handbook.fences import fenced_lines
from handbook.locations import LocatedError, Location
from handbook.pages import relative

OPENING = "[[bench:"
# A placeholder, or an inline code span, which is left alone: that is how a
# page shows the syntax itself.
_KEY = r"[A-Za-z0-9_.\-]+"
_PLACEHOLDER = re.compile(rf"\[\[bench:({_KEY})\]\]")
_TOKEN = re.compile(rf"(?P<code>`+).+?(?P=code)|\[\[bench:(?P<key>{_KEY})\]\]")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def check(path: Path, text: str, results: Results, first_line: int = 1) -> None:
    """Raise a LocatedError at the first placeholder the build cannot resolve.

    ``first_line`` is the line of ``path`` that ``text`` starts on.
    """
    known = citation_keys(results)
    in_code = fenced_lines(path, text)
    for number, line in enumerate(text.splitlines(), start=first_line):
        prose = _CODE_SPAN.sub("", line)
        if OPENING not in prose:
            continue
        location = Location(path, number)
        if number - first_line + 1 in in_code:
            raise LocatedError(
                location, "benchmark citations belong in prose, not in a code block"
            )
        keys = _PLACEHOLDER.findall(prose)
        if len(keys) != prose.count(OPENING):
            raise LocatedError(
                location,
                "malformed benchmark citation: write [[bench:<scenario>.<measurement>]]",
            )
        for key in keys:
            if key not in known:
                raise LocatedError(
                    location,
                    f"unknown benchmark key {key!r}: no such measurement in "
                    "docs/_data/benchmarks.json (its keys are "
                    "<scenario name>.<measurement key>)",
                )


def resolve(markdown: str, results: Results, page_uri: str) -> str:
    """Replace each placeholder with its median, linked to the results page.

    Call :func:`check` first: an unknown key here is a ``KeyError``.
    """
    known = citation_keys(results)

    def cite(match: re.Match[str]) -> str:
        if match["key"] is None:
            return match[0]  # inline code, as written
        scenario, m = known[match["key"]]
        stats, unit = m["stats"], m["unit"]
        link = relative(page_uri, PAGE) + "#" + anchor(scenario["name"])
        low, high = format_value(stats["min"], unit), format_value(stats["max"], unit)
        spread = "the same in every run" if low == high else f"{low} to {high}"
        note = f"median of {stats['n']} runs, {spread}; measured {results['date'][:10]}"
        return f'[{format_value(stats["median"], unit)}]({link} "{note}")'

    return _TOKEN.sub(cite, markdown)


def cite(
    path: Path, source: str, markdown: str, results: Results, page_uri: str
) -> str:
    """Check ``source`` (the page's file), then resolve ``markdown`` (its body)."""
    check(path, source, results)
    return resolve(markdown, results, page_uri)
