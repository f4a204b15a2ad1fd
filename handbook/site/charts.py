"""Horizontal bar charts as inline SVG: no script, no request, both colour schemes.

Each row is one measurement: its label on a line of its own, under it a bar
to its median and a thin line from its smallest to its largest sample, with
the median printed after it. Labels above the bars, not beside them, leave
the bars the whole width: drawn 380 units wide, the chart shows its text at
about 12 px on a 390 px phone, where a 640-unit chart with the labels at the
side shrank it to about 7 px. Text is
drawn in ``currentColor`` and the shapes take their colours from CSS
classes (``docs/assets/handbook.css``), so the chart follows the page's
light or dark scheme. The SVG is an image with a title and a description
that lists every value, for readers who cannot see it.
"""

import html
import math
from dataclasses import dataclass

WIDTH = 380
FONT_SIZE = 13
PLOT_LEFT = 8
VALUE_WIDTH = 84
LABEL_HEIGHT = 16
"""The row's label line, above its bar."""
ROW_HEIGHT = 40
BAR_HEIGHT = 12
TOP = 4
AXIS_HEIGHT = 24


@dataclass(frozen=True)
class Bar:
    label: str
    median: float
    low: float
    high: float
    text: str
    """The median as the page prints it, e.g. ``12.3 ms``."""


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick spacing (1, 2 or 5 times a power of ten) for ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == round(value) else f"{value:,g}"


def bar_chart(
    chart_id: str, title: str, description: str, bars: list[Bar], unit: str
) -> str:
    """The ``<svg>`` element (one line per element, no blank lines)."""
    plot_left = PLOT_LEFT
    plot_width = WIDTH - PLOT_LEFT - VALUE_WIDTH
    top_value = max((bar.high for bar in bars), default=1.0) or 1.0
    step = nice_step(top_value)
    axis_max = math.ceil(top_value / step) * step

    def x(value: float) -> float:
        return round(plot_left + plot_width * value / axis_max, 1)

    height = TOP + ROW_HEIGHT * len(bars) + AXIS_HEIGHT
    axis_y = TOP + ROW_HEIGHT * len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'font-size="{FONT_SIZE}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{html.escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{html.escape(description)}</desc>',
    ]
    # One path each for the grid, the bars and the ranges: a page has a
    # budget of DOM elements, and a chart is read as one image anyway.
    grid, bar_shapes, ranges = [], [], []
    tick = 0.0
    while tick <= axis_max + step / 2:
        grid.append(f"M{x(tick)} {TOP + LABEL_HEIGHT}V{axis_y}")
        parts.append(
            f'<text x="{x(tick)}" y="{axis_y + 16}" text-anchor="middle">'
            f"{_number(tick)}</text>"
        )
        tick += step
    # The unit, at the right end of the axis, past the last tick's number.
    parts.append(
        f'<text class="pbp-unit" x="{WIDTH - 2}" y="{axis_y + 16}" '
        f'text-anchor="end">{html.escape(unit)}</text>'
    )
    for row, bar in enumerate(bars):
        row_top = TOP + ROW_HEIGHT * row
        middle = row_top + LABEL_HEIGHT + (ROW_HEIGHT - LABEL_HEIGHT) / 2
        width = round(max(x(bar.median) - plot_left, 0.5), 1)
        bar_shapes.append(
            f"M{plot_left} {middle - BAR_HEIGHT / 2}h{width}v{BAR_HEIGHT}h{-width}z"
        )
        ranges.append(f"M{x(bar.low)} {middle}H{x(bar.high)}")
        parts += [
            f'<text class="pbp-label" x="{plot_left}" y="{row_top + 13}">'
            f"{html.escape(bar.label)}</text>",
            f'<text x="{x(bar.high) + 6}" y="{middle + 4}">{html.escape(bar.text)}</text>',
        ]
    parts += [
        f'<path class="pbp-grid" d="{"".join(grid)}"/>',
        f'<path class="pbp-bar" d="{"".join(bar_shapes)}"/>',
        f'<path class="pbp-range" d="{"".join(ranges)}"/>',
    ]
    parts.append("</svg>")
    return "\n".join(parts)
