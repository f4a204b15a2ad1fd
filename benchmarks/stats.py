"""Summaries of repeated measurements: median, quartiles, range.

Quantiles interpolate linearly between the two nearest ranks (the
"inclusive" method of :func:`statistics.quantiles`, numpy's default), so
the median of an even number of samples is the mean of the middle two.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0 to 1) of ``values``, linearly interpolated."""
    if not values:
        raise ValueError("no values to summarise")
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be within 0..1, got {fraction}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = math.ceil(position)
    weight = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * weight


class Stats(TypedDict):
    """A :class:`Summary` as the results file stores it (``stats`` of a measurement)."""

    n: int
    median: float
    q1: float
    q3: float
    iqr: float
    min: float
    max: float


@dataclass(frozen=True)
class Summary:
    """Median and spread of one measurement's samples."""

    n: int
    median: float
    q1: float
    q3: float
    iqr: float
    min: float
    max: float

    def as_dict(self) -> Stats:
        """Field by field, so the type checker holds the two declarations
        together: a field missing or mistyped on either side is an error."""
        return Stats(
            n=self.n,
            median=self.median,
            q1=self.q1,
            q3=self.q3,
            iqr=self.iqr,
            min=self.min,
            max=self.max,
        )


def summarize(samples: Sequence[float]) -> Summary:
    """Summarise ``samples`` (one value per measured run)."""
    q1, median, q3 = (percentile(samples, f) for f in (0.25, 0.5, 0.75))
    return Summary(
        n=len(samples),
        median=median,
        q1=q1,
        q3=q3,
        iqr=q3 - q1,
        min=min(samples),
        max=max(samples),
    )
