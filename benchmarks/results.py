"""The results file: its shape, how it is checked, read, written and cited.

One JSON document (``docs/_data/benchmarks.json`` by default) holds the
date, the machine, the package and server versions, and for every scenario
its raw samples (one per measured run, warm-up runs kept apart) with their
summary. The docs build reads it; nothing in it is typed by hand, and
:func:`problems` recomputes every summary from its samples to make sure.

Pages cite a measurement by ``<scenario>.<measurement key>``, for example
``n_plus_one.1000.lazy.queries``: the median, formatted with its unit.
"""

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Literal, TypedDict, cast

from benchmarks.stats import Stats, summarize

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO_ROOT / "docs" / "_data" / "benchmarks.json"
SCHEMA_VERSION = 1
MIN_MEASURED_RUNS = 3

# What a value is counted in, and how a page prints it.
UNITS = ("ms", "queries", "bytes", "req/s", "ratio", "count")
# Every version the page states; the servers' come from the servers.
REQUIRED_VERSIONS = (
    "python",
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "asyncpg",
    "argon2-cffi",
    "pwdlib",
    "redis",
    "postgresql",
    "redis-server",
)
REQUIRED_MACHINE = ("cores", "memory_bytes", "cpu_model", "platform")


class Measurement(TypedDict):
    key: str
    label: str
    unit: str
    samples: list[float]
    warmup_samples: list[float]
    stats: Stats


class Chart(TypedDict):
    title: str
    unit: str
    keys: list[str]
    labels: list[str]
    """A short label per row (the table's labels are longer)."""


class Scenario(TypedDict):
    name: str
    title: str
    principle: str
    description: str
    parameters: dict[str, Any]
    warmup_runs: int
    measured_runs: int
    measurements: list[Measurement]
    charts: list[Chart]
    plans: dict[str, str]


class Results(TypedDict):
    schema: int
    date: str
    mode: Literal["full", "quick"]
    wall_seconds: float
    # "_id": the secret scan knows a commit id for what it is.
    commit_id: str | None
    machine: dict[str, Any]
    versions: dict[str, str]
    database_settings: dict[str, str]
    scenarios: list[Scenario]


class ResultsError(ValueError):
    """The results file is missing, unreadable or not what the page needs."""


def measurement(
    key: str,
    label: str,
    unit: str,
    samples: list[float],
    warmup_samples: list[float],
) -> Measurement:
    """A measurement with its summary computed from ``samples``."""
    return Measurement(
        key=key,
        label=label,
        unit=unit,
        samples=samples,
        warmup_samples=warmup_samples,
        stats=summarize(samples).as_dict(),
    )


def citation_keys(results: Results) -> dict[str, tuple[Scenario, Measurement]]:
    """Every citable key, ``<scenario>.<measurement>``, with what it names."""
    return {
        f"{scenario['name']}.{m['key']}": (scenario, m)
        for scenario in results["scenarios"]
        for m in scenario["measurements"]
    }


def format_value(value: float, unit: str) -> str:
    """A value as a page prints it: three significant digits, then the unit."""
    if unit in ("queries", "bytes", "count"):
        number = f"{round(value):,}"
        return number if unit == "count" else f"{number} {unit}"
    if unit == "ratio":
        return f"{_significant(value)}\N{MULTIPLICATION SIGN}"
    return f"{_significant(value)} {unit}"


def format_range(low: float, high: float, unit: str) -> str:
    """``low`` to ``high`` with the unit once (``2.45 to 3.05 ms``, with a dash), or one value."""
    first, last = format_value(low, unit), format_value(high, unit)
    if first == last:
        return first
    number = first.removesuffix(f" {unit}").removesuffix("\N{MULTIPLICATION SIGN}")
    return f"{number} \N{EN DASH} {last}"


def _significant(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    return f"{value:,.{decimals}f}"


def problems(data: Any) -> list[str]:
    """What keeps ``data`` from being a results file the page can show."""
    if not isinstance(data, dict):
        return ["the document is not a JSON object"]
    found: list[str] = []
    if data.get("schema") != SCHEMA_VERSION:
        found.append(f"schema is {data.get('schema')!r}, expected {SCHEMA_VERSION}")
    for field in ("date", "mode", "machine", "versions", "scenarios"):
        if field not in data:
            found.append(f"no {field!r}")
    if found:
        return found
    machine, versions = data["machine"], data["versions"]
    found += [f"machine: no {k!r}" for k in REQUIRED_MACHINE if not machine.get(k)]
    found += [f"versions: no {k!r}" for k in REQUIRED_VERSIONS if not versions.get(k)]
    if not data["scenarios"]:
        found.append("no scenarios")
    for scenario in data["scenarios"]:
        found += _scenario_problems(scenario)
    return found


def _scenario_problems(scenario: dict[str, Any]) -> list[str]:
    name = scenario.get("name", "?")
    found = [
        f"{name}: no {field!r}"
        for field in ("title", "principle", "description", "measurements")
        if not scenario.get(field)
    ]
    runs = scenario.get("measured_runs", 0)
    if runs < MIN_MEASURED_RUNS:
        found.append(f"{name}: {runs} measured runs, at least {MIN_MEASURED_RUNS}")
    keys = set()
    for m in scenario.get("measurements", []):
        where = f"{name}.{m.get('key')}"
        keys.add(m.get("key"))
        if m.get("unit") not in UNITS:
            found.append(f"{where}: unit {m.get('unit')!r} is not one of {UNITS}")
        samples = m.get("samples") or []
        if len(samples) != runs:
            found.append(f"{where}: {len(samples)} samples for {runs} measured runs")
            continue
        # Each field of the summary, as a number (a Stats value reads as an object).
        expected = dataclasses.asdict(summarize(samples))
        stats = m.get("stats", {})
        if any(
            not math.isclose(stats.get(k, math.nan), v) for k, v in expected.items()
        ):
            found.append(f"{where}: stats do not match the samples")
    for chart in scenario.get("charts", []):
        if unknown := [key for key in chart["keys"] if key not in keys]:
            found.append(f"{name}: chart {chart['title']!r} shows unknown {unknown}")
        if len(chart.get("labels", [])) != len(chart["keys"]):
            found.append(f"{name}: chart {chart['title']!r} needs one label per key")
    return found


def load(path: Path = DEFAULT_PATH) -> Results:
    """Read and check a results file; ``ResultsError`` says what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(
            f"{path}: no results file; run `uv run task bench` to measure"
        ) from None
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path}:{error.lineno}: not JSON: {error.msg}") from None
    if found := problems(data):
        raise ResultsError(f"{path}: " + "; ".join(found))
    return cast(Results, data)


def write(results: Results, path: Path) -> None:
    """Write ``results`` after checking them, so a bad file is never left behind."""
    if found := problems(results):
        raise ResultsError("refusing to write results: " + "; ".join(found))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
