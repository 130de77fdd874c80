"""The statistics of one monitor for one window: sources -> windows -> stats, no rule, no store.

A monitor whose source fails (or whose data lacks a configured column) yields a
result with ``error`` set, so the caller records it and the other monitors still run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from monitor import incidents, sources
from monitor.compute import evaluate_windows
from monitor.compute.reference import CachedReference, ProfileCache
from monitor.config.models import MonitorConfig
from monitor.errors import MonitorError
from monitor.evaluate.frames import (
    Frames,
    engine_windows,
    needs_reference_rows,
    profiled_columns,
    read_current,
    read_windows,
)
from monitor.evaluate.statistics import compute, window_metrics
from monitor.records.result import MonitorResult
from monitor.records.segments import Segment
from monitor.records.windows import Windows
from monitor.sources.nulltimes import count_without_timestamp
from monitor.windows import ensure_disjoint, resolve_windows

if TYPE_CHECKING:
    from monitor.stats.estimation.cache import FitCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    result: MonitorResult
    frames: Frames | None  # None when the windows could not be read


def evaluate(
    name: str, monitor: MonitorConfig, at: datetime, cache: ProfileCache | None = None
) -> Evaluation:
    """Read both windows ending at ``at`` and compute every statistic of the monitor.

    With a ``cache`` (the store), an absolute reference is read once and kept as its profile, so
    later runs read only their current window (docs/reference.md, "Cached reference profiles"),
    and what is fitted on the reference (estimation, multivariate drift) is kept between runs.
    """
    windows = resolve_windows(monitor, at)
    empty = MonitorResult(name, windows, drift_share_threshold=monitor.drift.share)
    try:
        ensure_disjoint(windows)  # wherever the statistics are computed, from rows or a cached profile
        monitor, missing_columns = incidents.without_missing_columns(monitor, windows)
        cached = _cached_reference(name, monitor, windows, cache)
        reference = cached.profile if cached is not None else None
        pushed = evaluate_windows(monitor, windows, reference_cached=reference is not None)
        frames: Frames | None = None
        if pushed is not None:  # computed where the data lives: no rows read, so no report
            result = pushed.onto(empty)
            result = replace(result, quality=replace(result.quality, schema=missing_columns))
            if monitor.estimation is not None:
                result = _estimated_here(monitor, windows, result, cache)
        elif reference is not None:
            frames = read_current(monitor, windows, reference)
            result = compute(monitor, empty, frames, missing_columns, reference.metrics)
        else:
            frames = read_windows(monitor, windows)
            result = compute(monitor, empty, frames, missing_columns, cache=cache)
            if cached is not None:
                _save_profile(cached, monitor, frames.reference)
        result = replace(
            result,
            quality=replace(result.quality, freshness=incidents.freshness(monitor, windows.current.end)),
            rows_without_timestamp=count_without_timestamp(name, monitor),
        )
        _warn_of_empty_windows(name, result)
    except MonitorError as exc:  # a source down or a column missing: the other monitors still run
        failed = empty.failed(exc, "source")
        # the caller tells the user (the CLI's one error line, the daemon's run log)
        log.debug("check failed: %s", failed.error)
        return Evaluation(failed, None)
    return Evaluation(result, frames)


def _warn_of_empty_windows(name: str, result: MonitorResult) -> None:
    if result.rows == 0:
        current = result.windows.current
        log.warning(
            "monitor %s: no rows in the window %s to %s",
            name,
            current.start.isoformat(),
            current.end.isoformat(),
        )
    if result.reference_rows == 0:
        log.warning("monitor %s: the reference window holds no rows", name)


def _cached_reference(
    name: str, monitor: MonitorConfig, windows: Windows, cache: ProfileCache | None
) -> CachedReference | None:
    if cache is None or needs_reference_rows(monitor):
        return None
    from monitor.compute.reference import cached_reference

    return cached_reference(name, monitor, windows, profiled_columns(monitor), cache)


def _save_profile(cached: CachedReference, monitor: MonitorConfig, reference: pd.DataFrame) -> None:
    from monitor.compute.profiles import build_profile

    kept = set(profiled_columns(monitor))
    columns = [column for column in reference.columns if column in kept]  # in the rows' order
    profile = build_profile(reference, columns, window_metrics(monitor, reference))
    if profile is not None:
        cached.save(profile)


def _estimated_here(
    monitor: MonitorConfig, windows: Windows, result: MonitorResult, cache: ProfileCache | None
) -> MonitorResult:
    """A pushed-down run's CBPE (docs/reference.md, "Estimated performance"): the engine computed
    every other figure; the estimate needs only the target, label and score columns of both
    windows, read here (with the ``segments.by`` columns, to estimate each segment as locally)."""
    from monitor.stats.estimation import estimate_performance

    assert monitor.prediction is not None
    by = list(monitor.segments.by) if monitor.segments is not None else []
    columns = list(dict.fromkeys([*monitor.prediction.columns, *by]))
    if monitor.source.spark is not None:
        reference, current = engine_windows(monitor, windows, columns)
    else:
        bounds = [
            (windows.reference.start, windows.reference.end),
            (windows.current.start, windows.current.end),
        ]
        reference, current = sources.read_windows(monitor, columns, bounds)  # at once where the source can

    def estimated(
        part: MonitorResult, rows: tuple[pd.DataFrame, pd.DataFrame], fits: FitCache | None
    ) -> MonitorResult:
        measured = part.performance.metrics if part.performance is not None else ()
        realized = {m.metric: m.current for m in measured if m.current is not None}
        features = [*part.numerical, *part.categorical]
        estimate = estimate_performance(
            result.monitor, monitor, windows.reference, *rows, features, realized, fits
        )
        return replace(part, estimated_performance=estimate)

    segments = tuple(
        estimated(part, (_in_segment(reference, part.segment), _in_segment(current, part.segment)), None)
        for part in result.segments
        if part.segment is not None
    )
    return replace(estimated(result, (reference, current), cache), segments=segments)


def _in_segment(frame: pd.DataFrame, segment: Segment) -> pd.DataFrame:
    """The rows of ``frame`` in ``segment`` (a NULL value: the rows missing it), numbered from 0."""
    keep = np.ones(len(frame), dtype=bool)
    for column, value in zip(segment.columns, segment.values, strict=True):
        values = frame[column]
        keep &= (values.isna() if value is None else values == value).to_numpy(dtype=bool)
    rows = frame[keep]
    rows.index = pd.RangeIndex(len(rows))
    return rows
