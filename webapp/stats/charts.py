"""The geometry of the page's charts, worked out here so the templates only draw: bars per day
(x in percent of the chart's width, so the SVG fills any screen while its text keeps its size;
y in pixels) with round axis steps, and bar lengths for a bar list."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

PLOT_TOP, PLOT_BOTTOM = 10, 190   # pixels
HEIGHT = 216                      # with the day labels below the plot
MAX_DAY_LABELS = 8


@dataclass(frozen=True)
class Bar:
    x: float      # percent
    width: float  # percent
    y: float
    height: float
    label: str
    value: int
    show_label: bool


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    ticks: list[Tick]
    height: int = HEIGHT
    baseline: int = PLOT_BOTTOM


def nice_step(top: float, steps: int = 4, whole: int = 1) -> int:
    """A round step (1, 2, 2.5 or 5 × 10^k, at least `whole`) with `steps` of them reaching `top`."""
    if top <= 0:
        return whole
    raw = top / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw and step >= whole and float(step).is_integer():
            return int(step)
    return max(whole, int(math.ceil(raw)))


def day_label(day: date) -> str:
    return f"{day.month}/{day.day}"


def bar_chart(days: list[date], values: list[int], whole: int = 1) -> BarChart:
    """Bars for `values` (one per day); `whole`: the smallest step the axis may take (100 for
    amounts in fen, so the axis reads whole yuan)."""
    n = max(1, len(values))
    step = nice_step(max(values, default=0), whole=whole)
    top = step * max(1, math.ceil(max(values, default=0) / step))
    span = PLOT_BOTTOM - PLOT_TOP
    every = max(1, math.ceil(n / MAX_DAY_LABELS))
    bars = []
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        height = span * value / top if top else 0
        bars.append(Bar(x=round(100 * (i + 0.15) / n, 3), width=round(70 / n, 3),
                        y=round(PLOT_BOTTOM - height, 2), height=round(height, 2),
                        label=day_label(day), value=value,
                        show_label=(n - 1 - i) % every == 0))
    ticks = [Tick(round(PLOT_BOTTOM - span * k * step / top, 2), k * step)
             for k in range(int(top / step) + 1)]
    return BarChart(bars, ticks)


def lengths(values: list[int]) -> list[float]:
    """Each value as a percent of the largest (a bar list's bars)."""
    top = max(values, default=0)
    return [round(100 * v / top, 2) if top else 0 for v in values]
