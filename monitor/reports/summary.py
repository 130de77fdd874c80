"""One stored run as the index pages and ``monitor history`` show it, and the charts over runs.

Charts run oldest window to newest; each has its own vertical axis: the drift share on 0 to
1, the main performance metric on its own measured range, each column's drift score on 0 to
its largest score or threshold (p-values on 0 to 1) with the threshold drawn across.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.reports.columns import ColumnScore, column_trends
from monitor.reports.trend import (
    DRIFT_COLOR,
    METRIC_COLOR,
    REFERENCE_COLOR,
    SCORE_COLOR,
    Chart,
    Line,
    line_chart,
    padded_range,
)

# Every status a run can have (docs/reference.md, "JSON output"); anything else shows as unknown.
STATUSES = ("ok", "alert", "no_data", "error")


@dataclass(frozen=True)
class RunSummary:
    """What the index and ``monitor history`` show of one run."""

    run_id: str
    monitor: str
    at: datetime
    window_start: datetime
    window_end: datetime
    rows: int
    reference_rows: int
    status: str  # 'ok' | 'alert' | 'no_data' | 'error'
    drift_share: float | None
    drifted_columns: list[str]
    metric: str | None
    metric_current: float | None
    metric_reference: float | None
    report_path: Path | None
    error: str | None
    # False: history (an older window than one already evaluated, or a backfill)
    live: bool = True
    dataset_drift: bool | None = None
    drift_share_threshold: float | None = None  # the dataset drifts at a share of at least this
    column_scores: Mapping[str, ColumnScore] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)  # data-incident alerts firing: "rule subject"


def newest_window_first(runs: list[RunSummary]) -> list[RunSummary]:
    """Runs by window end, newest first; of two runs of one window, the later run first."""
    return sorted(runs, key=lambda run: (run.window_end, run.at), reverse=True)


def _oldest_first(runs: Sequence[RunSummary]) -> list[RunSummary]:
    return list(reversed(newest_window_first(list(runs))))


def main_metric(runs: Sequence[RunSummary]) -> str | None:
    """The metric the newest window measured; older runs that tracked another are left out."""
    return next((run.metric for run in newest_window_first(list(runs)) if run.metric), None)


def drift_share_chart(runs: Sequence[RunSummary], *, width: int, height: int, compact: bool = False) -> Chart:
    """The share of drifted columns per window, on 0 to 1; windows with dataset drift in red."""
    ordered = _oldest_first(runs)
    alarms = [bool(run.dataset_drift) for run in ordered]
    line = Line("drift share", DRIFT_COLOR, [run.drift_share for run in ordered], alarms=alarms)
    threshold = None if compact else next((run.drift_share_threshold for run in reversed(ordered)), None)
    axis = "drift share, 0 to 1"
    if threshold is not None:
        axis += f"; dataset drift at ≥ {threshold:.3g}"
    return line_chart(
        [run.window_end for run in ordered],
        [run.live for run in ordered],
        [line],
        low=0.0,
        high=1.0,
        threshold=threshold,
        alarm_label="dataset drift",
        title="Dataset drift share",
        axis=axis,
        width=width,
        height=height,
        compact=compact,
    )


def performance_chart(
    runs: Sequence[RunSummary], *, width: int, height: int, compact: bool = False
) -> Chart | None:
    """The main metric and its reference (dashed) on the metric's own range; None without one."""
    ordered = _oldest_first(runs)
    metric = main_metric(ordered)
    current = [run.metric_current if run.metric == metric else None for run in ordered]
    reference = [run.metric_reference if run.metric == metric else None for run in ordered]
    known = [value for value in [*current, *reference] if value is not None and math.isfinite(value)]
    if metric is None or not known:
        return None
    low, high = padded_range(known)
    return line_chart(
        [run.window_end for run in ordered],
        [run.live for run in ordered],
        [
            Line(metric, METRIC_COLOR, current),
            Line(f"{metric} (reference)", REFERENCE_COLOR, reference, dashed=True),
        ],
        low=low,
        high=high,
        title=f"Performance: {metric}",
        axis=f"{metric}, {min(known):.3g} to {max(known):.3g}",
        width=width,
        height=height,
        compact=compact,
    )


def column_charts(
    runs: Sequence[RunSummary], *, limit: int, width: int, height: int
) -> tuple[list[Chart], int]:
    """One chart per column's drift score against its threshold, most pressing first, at most
    ``limit``; and how many columns were left out."""
    ordered = _oldest_first(runs)
    trends, left_out = column_trends([run.column_scores for run in ordered], limit)
    times, live = [run.window_end for run in ordered], [run.live for run in ordered]
    charts = [
        line_chart(
            times,
            live,
            [Line(f"{trend.method} score", SCORE_COLOR, trend.scores, alarms=trend.drifted)],
            low=0.0,
            high=trend.scale_high() * (1.0 if trend.p_value else 1.1),
            threshold=trend.threshold,
            title=trend.column,
            axis=f"{trend.method}, drift at {trend.threshold_text}",
            width=width,
            height=height,
        )
        for trend in trends
    ]
    return charts, left_out
