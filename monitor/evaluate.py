"""The statistics of one monitor for one window: sources -> windows -> stats, no rule, no store.

A monitor whose source fails (or whose data lacks a configured column) yields a
result with ``error`` set, so the caller records it and the other monitors still run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from monitor import incidents, sources, stats
from monitor.compute import evaluate_windows
from monitor.compute.reference import CachedReference, ProfileCache
from monitor.config.models import MonitorConfig, MultivariateConfig
from monitor.errors import ConfigError, MonitorError
from monitor.records.cache import MonitorCache
from monitor.records.drift import ColumnDrift, Kind, MultivariateDrift
from monitor.records.quality import SchemaChange
from monitor.records.result import MetricComparison, MonitorResult, Performance
from monitor.records.segments import SkippedSegments
from monitor.records.windows import Interval, Windows
from monitor.sources.nulltimes import count_without_timestamp
from monitor.sources.timestamps import within_window
from monitor.stats import segments as segment_rows
from monitor.stats.multivariate import Windowed, multivariate_drift
from monitor.windows import ensure_disjoint, resolve_windows

if TYPE_CHECKING:
    from monitor.compute.profiles import ReferenceProfile
    from monitor.stats.estimation.cache import FitCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frames:
    """The rows both windows hold, kept for the report built after the run is recorded.

    ``reference_profiled``: the reference is its cached profile (each column's values, rows no
    longer pairing columns, no target): charts that pair columns skip it. ``window_rows``: the
    (reference, current) rows of the windows when the frames are samples drawn in the engine."""

    reference: pd.DataFrame
    current: pd.DataFrame
    reference_profiled: bool = False
    window_rows: tuple[int, int] | None = None


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
        monitor, missing_columns = incidents.without_missing_columns(monitor, windows)
        cached = _cached_reference(name, monitor, windows, cache)
        reference = cached.profile if cached is not None else None
        pushed = evaluate_windows(monitor, windows, reference_cached=reference is not None)
        frames: Frames | None = None
        if pushed is not None:  # computed where the data lives: no rows read, so no report
            result = pushed.onto(empty)
        elif reference is not None:
            frames = read_current(name, monitor, windows, reference)
            result = compute(monitor, empty, frames, missing_columns, reference.metrics)
        else:
            frames = read_windows(name, monitor, windows)
            result = compute(monitor, empty, frames, missing_columns, cache=cache)
            if cached is not None:
                _save_profile(cached, monitor, frames.reference)
        result = replace(
            result,
            quality=replace(result.quality, freshness=incidents.freshness(monitor, windows.current.end)),
            rows_without_timestamp=count_without_timestamp(name, monitor),
        )
    except MonitorError as exc:  # a source down or a column missing: the other monitors still run
        failed = empty.failed(exc, "source")
        # the caller tells the user (the CLI's one error line, the daemon's run log)
        log.debug("check failed: %s", failed.error)
        return Evaluation(failed, None)
    return Evaluation(result, frames)


def _cached_reference(
    name: str, monitor: MonitorConfig, windows: Windows, cache: ProfileCache | None
) -> CachedReference | None:
    if cache is None or needs_reference_rows(monitor):
        return None
    from monitor.compute.reference import cached_reference

    return cached_reference(name, monitor, windows, profiled_columns(monitor), cache)


def needs_reference_rows(monitor: MonitorConfig) -> bool:
    """Whether the monitor pairs the reference's columns within rows (segments, estimation), which
    a profile of each column's values cannot give: its reference is read on every run."""
    return monitor.segments is not None or monitor.estimation is not None or monitor.multivariate is not None


def profiled_columns(monitor: MonitorConfig) -> list[str]:
    """The reference's columns a profile keeps: every column read but the time, the target and keys
    (columns paired within rows, or unique per row)."""
    columns = wanted_columns(monitor)
    if columns is None:
        with sources.open_source(monitor.source) as source:
            columns = list(source.list_columns())
    skipped = {monitor.source.timestamp, *incidents.key_columns(monitor)}
    if monitor.target is not None:
        skipped.update(c for c in (monitor.target.column, monitor.target.join_on) if c)
    return [column for column in columns if column not in skipped]


def _save_profile(cached: CachedReference, monitor: MonitorConfig, reference: pd.DataFrame) -> None:
    from monitor.compute.profiles import build_profile

    kept = set(profiled_columns(monitor))
    columns = [column for column in reference.columns if column in kept]  # in the rows' order
    profile = build_profile(reference, columns, window_metrics(monitor, reference))
    if profile is not None:
        cached.save(profile)


def read_current(name: str, monitor: MonitorConfig, windows: Windows, reference: ReferenceProfile) -> Frames:
    """The current window's rows, and the reference rebuilt from its cached profile."""
    window = windows.current
    current = sources.read_window(monitor, wanted_columns(monitor), window.start, window.end)
    if len(current) == 0:
        log.warning(
            "monitor %s: no rows in the window %s to %s",
            name,
            windows.current.start.isoformat(),
            windows.current.end.isoformat(),
        )
    return Frames(reference.frame(), current, reference_profiled=True)


def sampled_frames(monitor: MonitorConfig, result: MonitorResult, max_rows: int) -> Frames:
    """A pushed-down run's report rows: at most ``max_rows`` of each window, drawn by the engine
    (``monitor.compute.sample``), with a target from another table joined onto them."""
    from monitor.compute import engine_class, pushdown_engine
    from monitor.compute.sample import sample_window
    from monitor.compute.sql import SqlEngine
    from monitor.sources.window import join_target

    source, target, windows = monitor.source, monitor.target, result.windows
    with engine_class(str(pushdown_engine(source)))(source) as engine:
        assert isinstance(engine, SqlEngine)  # every pushdown engine runs SQL
        wanted = wanted_columns(monitor)
        columns = [source.timestamp, *(wanted if wanted is not None else engine.column_types())]
        if target is not None and not target.separate:
            columns.append(target.column)
        columns = list(dict.fromkeys(columns))
        key = [target.join_on] if target is not None and target.join_on else columns
        reference = sample_window(engine, engine.spec(windows.reference), columns, key, max_rows)
        current = sample_window(engine, engine.spec(windows.current), columns, key, max_rows)
    if target is not None and target.separate:
        reference, current = join_target(monitor, reference), join_target(monitor, current)
    return Frames(reference, current, window_rows=(result.reference_rows, result.rows))


def read_windows(name: str, monitor: MonitorConfig, windows: Windows) -> Frames:
    ensure_disjoint(windows)
    columns = wanted_columns(monitor)
    current_window, reference_window = windows.current, windows.reference
    if monitor.source.path is not None and _touching(reference_window, current_window):
        # files are scanned whole for every read: one read of the span serves both windows
        span = sources.read_window(
            monitor,
            columns,
            min(reference_window.start, current_window.start),
            max(reference_window.end, current_window.end),
        )
        reference = _rows_within(span, monitor.source.timestamp, reference_window)
        current = _rows_within(span, monitor.source.timestamp, current_window)
    else:
        current = sources.read_window(monitor, columns, current_window.start, current_window.end)
        reference = sources.read_window(monitor, columns, reference_window.start, reference_window.end)
    if len(current) == 0:
        log.warning(
            "monitor %s: no rows in the window %s to %s",
            name,
            current_window.start.isoformat(),
            current_window.end.isoformat(),
        )
    if len(reference) == 0:
        log.warning("monitor %s: the reference window holds no rows", name)
    return Frames(reference, current)


def compute(
    monitor: MonitorConfig,
    result: MonitorResult,
    frames: Frames,
    missing_columns: tuple[SchemaChange, ...] = (),
    reference_metrics: dict[str, float] | None = None,
    cache: FitCache | None = None,
) -> MonitorResult:
    """Every statistic from the windows' rows; ``reference_metrics``: the reference's performance,
    when its rows are a profile's (which cannot pair target and prediction)."""
    reference, current = frames.reference, frames.current
    if monitor.features is not None:
        numerical, categorical = list(monitor.features.numerical), list(monitor.features.categorical)
    else:
        sample = reference if len(reference) else current
        numerical, categorical = stats.infer_column_kinds(sample, not_features(monitor))
        log.info(
            "monitor %s: inferred features: numerical %s; categorical %s",
            result.monitor,
            ", ".join(numerical) or "none",
            ", ".join(categorical) or "none",
        )
    # a column whose values changed type (number -> text) has no drift to measure: schema tells it
    changed = retyped_columns(result.monitor, monitor, reference, current, [*numerical, *categorical])
    retyped = {change.column for change in changed}
    numerical = [c for c in numerical if c not in retyped]
    categorical = [c for c in categorical if c not in retyped]
    if retyped & set(prediction_columns(monitor)):  # no score to compare: like a missing one
        monitor = monitor.model_copy(update={"prediction": None, "target": None})
    schema = (*missing_columns, *changed)
    result = statistics(
        monitor,
        result,
        reference,
        current,
        numerical,
        categorical,
        schema,
        reference_metrics=reference_metrics,
        cache=cache,
    )
    if monitor.segments is not None:
        result = with_segments(monitor, result, frames)
    return result


def statistics(
    monitor: MonitorConfig,
    result: MonitorResult,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: list[str],
    categorical: list[str],
    schema: tuple[SchemaChange, ...],
    *,
    reference_metrics: dict[str, float] | None = None,
    cache: FitCache | None = None,
) -> MonitorResult:
    """Every statistic of the monitor over these rows, the column kinds already decided."""
    result = replace(result, rows=len(current), reference_rows=len(reference))
    text = list(monitor.features.text) if monitor.features is not None else []
    drift = stats.dataset_drift(
        reference,
        current,
        numerical,
        categorical,
        monitor.drift,
        text=text,
        new_categories=bool(monitor.rules_named("new_categories")),
    )
    multivariate_config = monitor.multivariate
    if multivariate_config is not None:
        drift = replace(
            drift,
            multivariate=multivariate(
                monitor, result, reference, current, numerical, categorical, multivariate_config, cache
            ),
        )
    quality_columns = [*numerical, *categorical, *prediction_columns(monitor)]
    quality = incidents.data_quality(
        monitor, result.windows, reference, current, numerical, categorical, schema, drift.new_categories
    )
    measured = performance(monitor, reference, current, reference_metrics) if monitor.target else None
    result = replace(
        result,
        numerical=tuple(numerical),
        categorical=tuple(categorical),
        features_inferred=monitor.features is None,
        drift=drift,
        prediction_drift=prediction_drift(monitor, reference, current) if monitor.prediction else None,
        score_drift=score_drift(monitor, reference, current),
        performance=measured,
        missing=stats.missing_shares(current, quality_columns),
        quality=quality,
    )
    if monitor.estimation is not None:
        from monitor.stats.estimation import estimate_performance

        realized = (
            {m.metric: m.current for m in measured.metrics if m.current is not None} if measured else {}
        )
        estimated = estimate_performance(
            result.monitor,
            monitor,
            result.windows.reference,
            reference,
            current,
            [*numerical, *categorical],
            realized,
            cache,
        )
        result = replace(result, estimated_performance=estimated)
    return result


def with_segments(monitor: MonitorConfig, result: MonitorResult, frames: Frames) -> MonitorResult:
    """``result`` with the statistics of each checked segment (docs/reference.md, "Segments"):
    the same code as for the whole monitor, over the rows the segment's positions pick."""
    config = monitor.segments
    assert config is not None
    reference, current = frames.reference, frames.current
    if len(current) == 0 or len(reference) == 0:  # no segment can hold min_rows rows
        return replace(result, skipped_segments=SkippedSegments())
    absent = [c for c in config.by if c not in current.columns or c not in reference.columns]
    if absent:
        raise ConfigError(f"column(s) {', '.join(absent)} not found in the source", key="segments.by")
    selection = segment_rows.select(
        segment_rows.group(reference, current, config.by), config.top, config.min_rows
    )
    numerical, categorical = list(result.numerical), list(result.categorical)
    checked = []
    for segment, reference_rows, current_rows in zip(
        selection.segments, selection.reference_rows, selection.current_rows, strict=True
    ):
        empty = MonitorResult(
            result.monitor, result.windows, drift_share_threshold=monitor.drift.share, segment=segment
        )
        checked.append(
            statistics(
                monitor,
                empty,
                _rows_at(reference, reference_rows),
                _rows_at(current, current_rows),
                numerical,
                categorical,
                (),
            )
        )
    log.info(
        "monitor %s: %d segment(s) checked, %d skipped", result.monitor, len(checked), selection.skipped.count
    )
    return replace(result, segments=tuple(checked), skipped_segments=selection.skipped)


def _rows_at(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The rows at ``positions`` (ascending), numbered from 0 as a window's rows are."""
    rows = frame.take(positions)
    rows.index = pd.RangeIndex(len(rows))
    return rows


def multivariate(
    monitor: MonitorConfig,
    result: MonitorResult,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: Sequence[str],
    categorical: Sequence[str],
    config: MultivariateConfig,
    cache: FitCache | None = None,
) -> MultivariateDrift:
    """Drift of all features together (docs/reference.md, "Multivariate drift")."""
    data = Windowed(
        reference, current, monitor.source.timestamp, result.windows.reference.start, monitor.window
    )
    fits = MonitorCache(cache, result.monitor) if cache is not None else None
    return multivariate_drift(data, numerical, categorical, config, fits)


def retyped_columns(
    name: str, monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame, features: list[str]
) -> tuple[SchemaChange, ...]:
    """Columns whose values are of another type than in the reference. With a ``schema`` rule
    each is reported (and left out of the run's other figures); without one the first is a
    config error naming it: the config's kind for it no longer fits the data."""
    predicted = prediction_columns(monitor)
    changed = stats.type_changes(reference, current, [*features, *predicted])
    if not changed:
        return ()
    if not monitor.rules_named("schema"):
        first = changed[0]
        raise ConfigError(
            f"column {first.column!r} holds {first.current_type} values in the window "
            f"but {first.reference_type} values in the reference; fix the data, or add "
            "`{rule: schema}` to the monitor's alerts to be alerted and check the other columns"
        )
    log.warning(
        "monitor %s: column(s) changed type: %s", name, ", ".join(change.column for change in changed)
    )
    return tuple(
        replace(change, skipped=incidents.PREDICTION_SKIPS) if change.column in predicted else change
        for change in changed
    )


def _touching(first: Interval, second: Interval) -> bool:
    """The two windows overlap or meet: their span holds no rows that neither needs."""
    return first.start <= second.end and second.start <= first.end


def _rows_within(span: pd.DataFrame, timestamp: str, window: Interval) -> pd.DataFrame:
    """The rows of ``span`` (in time order, as sources return them) in [window.start, window.end)."""
    times = span[timestamp]
    if not times.is_monotonic_increasing:
        return within_window(span, timestamp, window.start, window.end)
    first, last = times.searchsorted([pd.Timestamp(window.start), pd.Timestamp(window.end)], side="left")
    rows = span.iloc[first:last]  # a view of the span's columns: reset_index would copy them
    rows.index = pd.RangeIndex(len(rows))
    return rows


def prediction_columns(monitor: MonitorConfig) -> list[str]:
    prediction = monitor.prediction
    if prediction is None:
        return []
    return prediction.columns


def not_features(monitor: MonitorConfig) -> set[str]:
    excluded = {monitor.source.timestamp, *prediction_columns(monitor), *incidents.key_columns(monitor)}
    if monitor.target is not None:
        excluded.add(monitor.target.column)
        if monitor.target.join_on:
            excluded.add(monitor.target.join_on)
    return excluded


def wanted_columns(monitor: MonitorConfig) -> list[str] | None:
    """Only what the monitor uses is fetched; ``None`` (all) when features are to be inferred."""
    if monitor.features is None:
        return None
    columns = [*monitor.features.all, *prediction_columns(monitor), *incidents.key_columns(monitor)]
    if monitor.segments is not None:
        columns += monitor.segments.by
    target = monitor.target
    if target is not None and target.join_on and target.join_on not in columns:
        columns.append(target.join_on)
    return list(dict.fromkeys(columns))


def score_drift(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> tuple[ColumnDrift, ...]:
    """A multiclass model: the drift of each class's score column, each by its own setting."""
    prediction = monitor.prediction
    if prediction is None or prediction.scores is None:
        return ()
    drifts = []
    for column in prediction.score_columns:
        method, threshold = monitor.drift.setting(column)
        drifts.append(
            stats.column_drift(column, reference[column], current[column], "numerical", method, threshold)
        )
    return tuple(drifts)


def prediction_drift(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> ColumnDrift | None:
    """Drift of the score (else the predicted label), judged by the column's own setting; a
    multiclass model's scores are judged each by ``score_drift``, its label here."""
    prediction = monitor.prediction
    assert prediction is not None
    if prediction.multiclass and prediction.column is None:
        return None
    column = prediction.drift_column
    numeric = prediction.score is not None or prediction.task == "regression"
    kind: Kind = "numerical" if numeric else "categorical"
    method, threshold = monitor.drift.setting(column)
    return stats.column_drift(column, reference[column], current[column], kind, method, threshold)


def window_metrics(monitor: MonitorConfig, frame: pd.DataFrame) -> dict[str, float]:
    """The performance metrics over one window's rows that have a target (none without a target)."""
    target = monitor.target
    prediction = monitor.prediction
    if target is None or target.column not in frame.columns:
        return {}
    task = prediction.task if prediction is not None else "classification"
    labelled = frame[frame[target.column].notna()]
    if labelled.empty:
        return {}
    predicted = labelled[prediction.column] if prediction and prediction.column else None
    if prediction is not None and prediction.scores is not None:
        from monitor.stats.multiclass import multiclass_metrics

        return multiclass_metrics(labelled[target.column], predicted, labelled, prediction.scores)
    score = labelled[prediction.score] if prediction and prediction.score else None
    return stats.performance_metrics(task, labelled[target.column], predicted, score)


def performance(
    monitor: MonitorConfig,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    reference_metrics: dict[str, float] | None = None,
) -> Performance | None:
    target = monitor.target
    assert target is not None
    rows_with_target = int(current[target.column].notna().sum()) if len(current) else 0
    if rows_with_target == 0:
        return None
    current_metrics = window_metrics(monitor, current)
    if reference_metrics is None:
        reference_metrics = window_metrics(monitor, reference)
    names = list(dict.fromkeys([*current_metrics, *reference_metrics]))
    comparisons = tuple(MetricComparison(n, current_metrics.get(n), reference_metrics.get(n)) for n in names)
    return Performance(rows_with_target, comparisons)
