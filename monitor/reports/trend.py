"""Geometry of the charts on the index pages: inline SVG, no JavaScript.

Every chart has one vertical axis with its own range and labelled ticks, so a metric
(roc_auc 0.874 to 0.566) is never read on the drift axis (0 to 1). Runs are placed by
window end, oldest left; a run without a value leaves a gap rather than a misleading
line. History runs (``live`` false) are drawn as hollow points, points past a threshold
in the alarm colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_POINTS = 200
DRIFT_COLOR, METRIC_COLOR, REFERENCE_COLOR, SCORE_COLOR = "#4d4dff", "#d4680f", "#8c959f", "#0969da"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    hollow: bool  # a history run
    alarm: bool  # past the chart's threshold


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    segments: list[str]  # SVG polyline "points" attributes, one per unbroken run of values
    points: list[Point]
    dashed: bool = False


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    title: str  # what the chart shows, e.g. "roc_auc" or "amount · psi"
    axis: str  # the vertical axis, e.g. "roc_auc, 0.566 to 0.874"
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    series: list[Series]
    ticks: list[Tick]
    threshold: Tick | None
    first_label: str
    last_label: str
    alarm_label: str = "drifted"  # what a red point means, for the legend

    @property
    def empty(self) -> bool:
        return not any(series.points for series in self.series)

    @property
    def has_history(self) -> bool:
        return any(point.hollow for series in self.series for point in series.points)

    @property
    def has_alarms(self) -> bool:
        return any(point.alarm for series in self.series for point in series.points)


@dataclass(frozen=True)
class Line:
    """One series to draw: a value per run, in the order of the runs."""

    name: str
    color: str
    values: Sequence[float | None]
    dashed: bool = False
    alarms: Sequence[bool] | None = None


class Scale:
    """Maps a value range onto the plot's vertical extent (SVG y grows downwards)."""

    def __init__(self, low: float, high: float, top: float, bottom: float) -> None:
        if high - low < 1e-12:  # a flat series sits mid-height instead of dividing by zero
            low, high = low - 0.5, high + 0.5
        self.low, self.high, self.top, self.bottom = low, high, top, bottom

    def __call__(self, value: float) -> float:
        share = (min(max(value, self.low), self.high) - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (steps of 1, 2, 2.5 or 5 times a power of ten) from ``low`` to ``high``."""
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def padded_range(values: Sequence[float]) -> tuple[float, float]:
    """The values' own range with a margin, so the extremes do not sit on the frame."""
    low, high = min(values), max(values)
    margin = (high - low) * 0.1 or max(abs(high) * 0.05, 0.01)
    return low - margin, high + margin


def _label(value: float) -> str:
    return f"{value:.3g}"


def _time_label(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def line_chart(
    times: Sequence[datetime],
    live: Sequence[bool],
    lines: Sequence[Line],
    *,
    low: float,
    high: float,
    title: str,
    axis: str,
    threshold: float | None = None,
    width: int = 640,
    height: int = 180,
    compact: bool = False,
    alarm_label: str = "drifted",
) -> Chart:
    """A chart of ``lines`` over runs at window ends ``times`` (oldest first), on ``low``..``high``.

    At most the newest ``MAX_POINTS`` runs are drawn. ``compact`` charts (the overview's
    trend cell) have no tick labels: their caption carries the range.
    """
    keep = slice(-MAX_POINTS, None)
    times, live = list(times)[keep], list(live)[keep]
    left = 5.0 if compact else 44.0
    right = width - (5.0 if compact else 12.0)
    top, bottom = (5.0, height - 5.0) if compact else (10.0, height - 22.0)
    xs = _xs(times, left, right)
    scale = Scale(low, high, top, bottom)
    labels = [_time_label(moment) for moment in times]
    series = [
        _series(line, xs, [list(line.values)[keep], labels, live], scale, list(line.alarms or [])[keep])
        for line in lines
    ]
    ticks = [] if compact else [Tick(scale(value), _label(value)) for value in nice_ticks(low, high)]
    marker = None
    if threshold is not None and low <= threshold <= high:
        marker = Tick(scale(threshold), f"threshold {_label(threshold)}")
    return Chart(
        title=title,
        axis=axis,
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        series=series,
        ticks=ticks,
        threshold=marker,
        first_label=labels[0] if labels else "",
        last_label=labels[-1] if labels else "",
        alarm_label=alarm_label,
    )


def _xs(times: Sequence[datetime], left: float, right: float) -> list[float]:
    if not times:
        return []
    start, span = times[0], (times[-1] - times[0]).total_seconds()
    return [left + ((t - start).total_seconds() / span if span > 0 else 0.5) * (right - left) for t in times]


def _series(
    line: Line, xs: list[float], columns: list[list[Any]], scale: Scale, alarms: list[bool]
) -> Series:
    values, labels, live = columns
    segments: list[str] = []
    current: list[str] = []
    points: list[Point] = []
    for index, (x, value) in enumerate(zip(xs, values, strict=True)):
        if value is None or not math.isfinite(value):
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        y = scale(value)
        current.append(f"{x:.1f},{y:.1f}")
        kind = "" if live[index] else " (history)"
        alarm = bool(alarms[index]) if index < len(alarms) else False
        points.append(Point(x, y, f"{labels[index]}{kind}: {line.name} {value:.4g}", not live[index], alarm))
    if current:
        segments.append(" ".join(current))
    return Series(line.name, line.color, segments, points, line.dashed)
