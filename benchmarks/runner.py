"""What every scenario shares: the plan of runs, the recorder, the environment.

A scenario repeats one measurement ``warmup_runs + measured_runs`` times.
The warm-up runs fill caches (the database's, the connection pool, the
interpreter's) and are kept apart, never summarised; each measured run
contributes one sample to every measurement it records.
"""

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.dataset import Dataset
from benchmarks.results import Chart, Measurement, Scenario, measurement

# Samples are rounded to this many significant digits: more is noise, and
# the file stays readable in a diff.
SIGNIFICANT_DIGITS = 6


@dataclass(frozen=True)
class Plan:
    """How often to run, and how big: ``quick`` shrinks sizes for a smoke test."""

    warmup_runs: int
    measured_runs: int
    quick: bool

    @classmethod
    def full(cls) -> "Plan":
        return cls(warmup_runs=1, measured_runs=5, quick=False)

    @classmethod
    def quick_plan(cls) -> "Plan":
        return cls(warmup_runs=1, measured_runs=3, quick=True)

    def runs(self) -> Iterator[int]:
        """Run indices; the first ``warmup_runs`` are warm-up runs."""
        return iter(range(self.warmup_runs + self.measured_runs))


@dataclass(frozen=True)
class Environment:
    """The real servers and data a scenario measures against."""

    database_url: str
    redis_url: str | None
    workdir: Path
    dataset: Dataset


@dataclass
class Recorder:
    """Collects one value per run for each declared measurement."""

    plan: Plan
    _declared: dict[str, tuple[str, str]] = field(default_factory=dict)
    _samples: dict[str, list[float]] = field(default_factory=dict)
    _warmup: dict[str, list[float]] = field(default_factory=dict)

    def declare(self, key: str, label: str, unit: str) -> None:
        """Name a measurement before recording it; the order is the table's."""
        self._declared[key] = (label, unit)
        self._samples[key] = []
        self._warmup[key] = []

    def record(self, run: int, values: dict[str, float]) -> None:
        """The values one run measured; warm-up runs are kept apart."""
        target = self._warmup if run < self.plan.warmup_runs else self._samples
        for key, value in values.items():
            if key not in self._declared:
                raise KeyError(f"measurement {key!r} was never declared")
            target[key].append(float(f"{value:.{SIGNIFICANT_DIGITS}g}"))

    def measurements(self) -> list[Measurement]:
        return [
            measurement(key, label, unit, self._samples[key], self._warmup[key])
            for key, (label, unit) in self._declared.items()
        ]


@dataclass(frozen=True)
class ScenarioInfo:
    """What a scenario measures, for the page: its title, principle and method.

    The principle's ID is the only link to its page: the registry knows where
    the page is, so nothing here can disagree with it."""

    name: str
    title: str
    principle: str
    description: str


def scenario_result(
    info: ScenarioInfo,
    plan: Plan,
    recorder: Recorder,
    *,
    parameters: dict[str, Any],
    charts: list[Chart],
    plans: dict[str, str] | None = None,
) -> Scenario:
    return Scenario(
        name=info.name,
        title=info.title,
        principle=info.principle,
        description=info.description,
        parameters=parameters,
        warmup_runs=plan.warmup_runs,
        measured_runs=plan.measured_runs,
        measurements=recorder.measurements(),
        charts=charts,
        plans=plans or {},
    )


def chart(title: str, unit: str, rows: dict[str, str]) -> Chart:
    """A figure of the measurements ``rows`` names, each with a short label."""
    return Chart(title=title, unit=unit, keys=list(rows), labels=list(rows.values()))


def taking_turns(variants: Iterable[str], run_index: int) -> list[str]:
    """The variants in the order one run measures them: rotated by one place
    each run, so that no variant always runs first, last or on a warm cache."""
    order = list(variants)
    shift = run_index % len(order)
    return order[shift:] + order[:shift]


async def timed_ms(action: Callable[[], Awaitable[object]], repeat: int = 1) -> float:
    """Mean wall-clock milliseconds of ``repeat`` sequential calls of ``action``."""
    started = time.perf_counter()
    for _ in range(repeat):
        await action()
    return (time.perf_counter() - started) * 1000 / repeat


RunScenario = Callable[[Environment, Plan], Awaitable[Scenario]]
