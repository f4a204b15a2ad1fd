"""The "Measured performance" page, generated from ``docs/_data/benchmarks.json``.

Everything on it comes from the results file that ``uv run task bench``
writes: the machine, the versions, the method, and for every scenario what
was measured, a table of medians with their spread, a figure and, where
there are any, the query plans. Principle pages link here through their
citations (``handbook.site.bench_citations``), to each scenario's anchor.
"""

import html
from typing import Any

from benchmarks.results import (
    Measurement,
    Results,
    ResultsError,
    Scenario,
    format_range,
    format_value,
)
from handbook.content.registry import Registry
from handbook.site.charts import Bar, bar_chart

PAGE = "benchmarks.md"
DASH = " \N{EN DASH} "
TITLE = "Measured performance"


def check(results: Results, registry: Registry) -> None:
    """Each scenario names a principle of the registry by its ID, the only
    link to the page that cites it."""
    ids = {p.id for p in registry.principles}
    for scenario in results["scenarios"]:
        if scenario["principle"] not in ids:
            raise ResultsError(
                f"benchmarks.json: {scenario['name']} names {scenario['principle']}, "
                "which is not a principle of the registry"
            )


def anchor(scenario_name: str) -> str:
    """The id of a scenario's section: ``n_plus_one`` -> ``n-plus-one``."""
    return scenario_name.replace("_", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _gib(value: int) -> str:
    return f"{value / 1024**3:.1f} GiB"


def _machine(results: Results) -> str:
    machine = results["machine"]
    versions = results["versions"]
    packages = ", ".join(
        f"{name} {version}"
        for name, version in versions.items()
        if name not in ("python", "postgresql", "redis-server")
    )
    settings = ", ".join(
        f"`{name}={value}`" for name, value in results["database_settings"].items()
    )
    commit = results.get("commit_id") or "unknown"
    return (
        "## Machine and versions\n\n"
        f"Measured on **{results['date']}**, {results['mode']} run, "
        f"{results['wall_seconds']:g} s in all, at commit `{commit}`.\n\n"
        "| Item | Value |\n|---|---|\n"
        f"| CPU | {_cell(machine['cpu_model'])}, {machine['cores']} cores"
        f" ({machine.get('cores_usable', machine['cores'])} usable) |\n"
        f"| Memory | {_gib(machine['memory_bytes'])} |\n"
        f"| System | {_cell(machine['platform'])} |\n"
        f"| Load average (1 min) | {machine.get('load_average_at_start', '?')} at the"
        f" start, {machine.get('load_average_at_end', '?')} at the end |\n"
        f"| Python | {versions['python']} |\n"
        f"| Packages | {_cell(packages)} |\n"
        f"| PostgreSQL | {versions['postgresql']} ({settings}) |\n"
        f"| Redis | {versions['redis-server']} |\n\n"
        "The load averages say how busy the machine was with other work; the "
        "spread in each table is part of the result. PostgreSQL and Redis run "
        "on the same machine as the service, so no figure includes a network "
        f"hop to another host.{_fsync(results)}\n\n"
    )


def _fsync(results: Results) -> str:
    if results["database_settings"].get("fsync") != "off":
        return ""
    return (
        " PostgreSQL is a throwaway cluster with `fsync` off; the scenarios "
        "only read, so it writes nothing they wait for."
    )


def _method(results: Results) -> str:
    scenarios = results["scenarios"]
    warmups = sorted({s["warmup_runs"] for s in scenarios})
    runs = sorted({s["measured_runs"] for s in scenarios})
    return (
        "## Method\n\n"
        f"- Each scenario starts with {_runs(warmups, 'warm-up run')}, whose "
        "samples are discarded (kept in the file as `warmup_samples`, never "
        f"summarised), then makes {_runs(runs, 'measured run')}, each giving one "
        "sample of every measurement.\n"
        "- Tables give the **median** of the measured runs, the interquartile "
        "range (**IQR**, first to third quartile, interpolated linearly) and "
        "the smallest and largest sample, over the *n* measured runs. The "
        "raw samples are in the file.\n"
        "- In the figures, a bar reaches the median and the thin line spans "
        "the smallest to the largest sample.\n"
        "- Variants take turns within each run, the order rotating by one place "
        "each run, so no variant always runs first or last.\n"
        "- A time measured over several repetitions within a run (noted in "
        "the parameters) is their mean. Load runs have a request cap and a "
        "time cap, and go only to 127.0.0.1.\n"
        "- Nothing here is asserted by a test: the numbers are reported, not "
        "required. The tests check that this file is complete and that its "
        "summaries match its samples.\n\n"
    )


def _runs(counts: list[int], noun: str) -> str:
    """``1 warm-up run``, ``5 measured runs``, ``3 or 5 measured runs``."""
    plural = "" if counts == [1] else "s"
    return " or ".join(str(c) for c in counts) + f" {noun}{plural}"


def _parameters(parameters: dict[str, Any]) -> str:
    if not parameters:
        return ""
    items = "; ".join(
        f"{name.replace('_', ' ')}: {_value(value)}"
        for name, value in parameters.items()
    )
    return f"Parameters: {items}.\n\n"


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{_value(k)}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _table(scenario: Scenario) -> str:
    rows = [
        f"| Measurement | Median | IQR | Min{DASH}max |",
        "|---|--:|--:|--:|",
    ]
    for m in scenario["measurements"]:
        s, unit = m["stats"], m["unit"]
        rows.append(
            f"| {_cell(m['label'])} | {format_value(s['median'], unit)} "
            f"| {format_range(s['q1'], s['q3'], unit)} "
            f"| {format_range(s['min'], s['max'], unit)} |"
        )
    runs = scenario["measured_runs"]
    return (
        f"Each row summarises n = {runs} measured runs.\n\n"
        '<div class="pbp-measured" markdown>\n\n' + "\n".join(rows) + "\n\n</div>\n\n"
    )


def _figures(scenario: Scenario) -> str:
    by_key = {m["key"]: m for m in scenario["measurements"]}
    figures = []
    for number, chart in enumerate(scenario["charts"], start=1):
        chart_id = f"fig-{anchor(scenario['name'])}-{number}"
        measured = [by_key[key] for key in chart["keys"]]
        bars = [
            _bar(m, label) for m, label in zip(measured, chart["labels"], strict=True)
        ]
        description = "; ".join(
            f"{bar.label}: median {bar.text}, "
            f"from {format_value(m['stats']['min'], m['unit'])} "
            f"to {format_value(m['stats']['max'], m['unit'])}"
            for bar, m in zip(bars, measured, strict=True)
        )
        svg = bar_chart(chart_id, chart["title"], description, bars, chart["unit"])
        caption = (
            f"{html.escape(chart['title'])}: median of {scenario['measured_runs']} "
            "runs (bar) and smallest to largest run (line)."
        )
        figures.append(
            f'<figure class="pbp-chart" id="{chart_id}" data-search-exclude>\n'
            f"{svg}\n<figcaption>{caption}</figcaption>\n</figure>\n\n"
        )
    return "".join(figures)


def _bar(m: Measurement, label: str) -> Bar:
    stats, unit = m["stats"], m["unit"]
    return Bar(
        label=label,
        median=stats["median"],
        low=stats["min"],
        high=stats["max"],
        text=format_value(stats["median"], unit),
    )


def _plans(scenario: Scenario) -> str:
    if not scenario["plans"]:
        return ""
    blocks = "".join(
        f"<p><strong>{html.escape(label)}</strong></p>\n"
        f"<pre><code>{html.escape(plan)}</code></pre>\n"
        for label, plan in scenario["plans"].items()
    )
    return (
        '<details class="note">\n<summary>Query plans (EXPLAIN ANALYZE)</summary>\n'
        f"{blocks}</details>\n\n"
    )


def _scenario(scenario: Scenario, registry: Registry) -> str:
    principle = registry.by_id(scenario["principle"])
    return (
        f"## {scenario['title']} {{#{anchor(scenario['name'])}}}\n\n"
        f"Principle: [{principle.title}]({principle.path.as_posix()}) "
        f"`{principle.id}`.\n\n"
        f"{scenario['description']}\n\n"
        f"{_parameters(scenario['parameters'])}"
        f"{_figures(scenario)}"
        f"{_table(scenario)}"
        f"{_plans(scenario)}"
    )


def render(results: Results, registry: Registry) -> str:
    """The page's Markdown."""
    quick = (
        '!!! warning "Quick run"\n\n    These figures come from a `--quick` run: '
        "small sizes and short load runs, a smoke test. Run `uv run task bench` "
        "for figures to publish.\n\n"
        if results["mode"] == "quick"
        else ""
    )
    return (
        f"# {TITLE}\n\n"
        "What the performance principles are worth, measured on one machine "
        "against the reference service's own code, a real PostgreSQL and a "
        "real Redis. Every number here, and every number a principle page "
        "cites, is read from `docs/_data/benchmarks.json`, which "
        "`uv run task bench` writes; none is typed by hand. Run it to measure "
        "your own machine.\n\n"
        f"{quick}"
        f"Measured on {results['date']}, {results['machine']['cores']} cores; the "
        "[machine, versions and method](#machine-and-versions) follow the results.\n\n"
        + "".join(_scenario(s, registry) for s in results["scenarios"])
        # Results first: a reader comes for a number, the set-up is for checking it.
        + f"{_machine(results)}{_method(results)}"
    )
