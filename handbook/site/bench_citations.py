"""Measured numbers in prose: the ``[[bench:<scenario>.<measurement>]]`` placeholder.

A page never types a measured number. It writes, in its prose,

    listing 1,000 orders lazily issued [[bench:n_plus_one.1000.lazy.queries]]

and the build replaces the placeholder (see :mod:`handbook.content.placeholders`)
with the measurement's median from ``docs/_data/benchmarks.json``, formatted
with its unit and linked to the scenario's section of the "Measured
performance" page, whose figure and table show the spread. An unknown key
stops the build at the page's path and line.
"""

from benchmarks.results import Results, citation_keys, format_value
from handbook.content.locations import LocatedError
from handbook.content.placeholders import Kind, PageAddress, Placeholder, Stage
from handbook.site.benchmarks_page import PAGE, anchor
from handbook.site.principle_page import relative


def bench_kind(results: Results) -> Kind:
    """The ``bench`` placeholder, resolved against ``results``."""
    known = citation_keys(results)

    def check(placeholder: Placeholder) -> None:
        if not placeholder.argument:
            raise LocatedError(
                placeholder.location,
                "a benchmark citation names its measurement: "
                "[[bench:<scenario>.<measurement>]]",
            )
        if placeholder.argument not in known:
            raise LocatedError(
                placeholder.location,
                f"unknown benchmark key {placeholder.argument!r}: no such measurement "
                "in docs/_data/benchmarks.json (its keys are "
                "<scenario name>.<measurement key>)",
            )

    def expand(placeholder: Placeholder, page: PageAddress) -> str:
        """The median with its unit, linked to its figure; the spread in the title."""
        scenario, measurement = known[placeholder.argument]
        stats, unit = measurement["stats"], measurement["unit"]
        link = relative(page.uri, PAGE) + "#" + anchor(scenario["name"])
        low, high = format_value(stats["min"], unit), format_value(stats["max"], unit)
        spread = "the same in every run" if low == high else f"{low} to {high}"
        note = f"median of {stats['n']} runs, {spread}; measured {results['date'][:10]}"
        return f'[{format_value(stats["median"], unit)}]({link} "{note}")'

    return Kind(Stage.MARKDOWN, check, expand)
