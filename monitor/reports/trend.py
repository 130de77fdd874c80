"""Geometry of the trend chart on the index pages: inline SVG, no JavaScript.

Two series over a monitor's runs, oldest to newest: the dataset drift share
(0 to 1, left axis) and the main performance metric (its own range, right
axis), with the metric's reference value dashed. Runs are placed by window
end; a run without a value leaves a gap rather than a misleading line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

MAX_POINTS = 200


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    segments: list[str]  # SVG polyline "points" attributes, one per unbroken run of values
    points: list[Point]
    dashed: bool = False


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    series: list[Series]
    metric_name: str | None
    metric_low: float | None
    metric_high: float | None
    first_label: str
    last_label: str

    @property
    def empty(self) -> bool:
        return not any(series.points for series in self.series)


@dataclass(frozen=True)
class TrendInput:
    """One run as the chart needs it."""

    at: datetime
    drift_share: float | None
    metric: str | None
    metric_current: float | None
    metric_reference: float | None


def _time_label(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _series(
    name: str,
    xs: list[float],
    values: list[float | None],
    to_y: _Scale,
    labels: list[str],
    *,
    dashed: bool = False,
) -> Series:
    segments: list[str] = []
    current: list[str] = []
    points: list[Point] = []
    for x, value, label in zip(xs, values, labels, strict=True):
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        y = to_y(value)
        current.append(f"{x:.1f},{y:.1f}")
        points.append(Point(x, y, f"{label}: {name} {value:.4g}"))
    if current:
        segments.append(" ".join(current))
    return Series(name, segments, points, dashed)


class _Scale:
    """Maps a value range onto the plot's vertical extent (SVG y grows downwards)."""

    def __init__(self, low: float, high: float, top: float, bottom: float) -> None:
        if high - low < 1e-12:  # a flat series sits mid-height instead of dividing by zero
            low, high = low - 0.5, high + 0.5
        self.low, self.high, self.top, self.bottom = low, high, top, bottom

    def __call__(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def trend_chart(runs: Sequence[TrendInput], *, width: int = 640, height: int = 180) -> TrendChart:
    """The chart of ``runs`` (any order); at most the newest ``MAX_POINTS`` are drawn."""
    ordered = sorted(runs, key=lambda run: run.at)[-MAX_POINTS:]
    left, right, top, bottom = 44.0, width - 56.0, 12.0, height - 26.0
    if ordered:
        start, end = ordered[0].at, ordered[-1].at
        span = (end - start).total_seconds()
        xs = [
            left + ((run.at - start).total_seconds() / span if span > 0 else 0.5) * (right - left)
            for run in ordered
        ]
    else:
        xs = []
    labels = [_time_label(run.at) for run in ordered]
    drift = _series(
        "drift share", xs, [run.drift_share for run in ordered], _Scale(0.0, 1.0, top, bottom), labels
    )
    # The main metric is the newest run's; older runs that tracked another metric are left out.
    metric_name = next((run.metric for run in reversed(ordered) if run.metric), None)
    current = [run.metric_current if run.metric == metric_name else None for run in ordered]
    reference = [run.metric_reference if run.metric == metric_name else None for run in ordered]
    known = [value for value in [*current, *reference] if value is not None]
    series = [drift]
    low = high = None
    if metric_name is not None and known:
        low, high = min(known), max(known)
        scale = _Scale(low, high, top, bottom)
        series.append(_series(metric_name, xs, current, scale, labels))
        series.append(_series(f"{metric_name} (reference)", xs, reference, scale, labels, dashed=True))
    return TrendChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        series=series,
        metric_name=metric_name,
        metric_low=low,
        metric_high=high,
        first_label=labels[0] if labels else "",
        last_label=labels[-1] if labels else "",
    )
