"""The statistics of one monitor for one window: sources -> windows -> stats, no rule, no store.

A monitor whose source fails (or whose data lacks a configured column) yields a
result with ``error`` set, so the caller records it and the other monitors still run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from monitor import incidents, sources, stats
from monitor.compute import evaluate_windows
from monitor.config.models import MonitorConfig, MultivariateConfig
from monitor.errors import ConfigError, MonitorError
from monitor.records.drift import ColumnDrift, Kind, MultivariateDrift
from monitor.records.quality import SchemaChange
from monitor.records.result import MetricComparison, MonitorResult, Performance
from monitor.records.windows import Interval, Windows
from monitor.sources.nulltimes import count_without_timestamp
from monitor.sources.timestamps import within_window
from monitor.stats.multivariate import FitCache, Windowed, multivariate_drift
from monitor.windows import ensure_disjoint, resolve_windows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frames:
    """The rows both windows hold, kept for the report built after the run is recorded."""

    reference: pd.DataFrame
    current: pd.DataFrame


@dataclass(frozen=True)
class Evaluation:
    result: MonitorResult
    frames: Frames | None  # None when the windows could not be read


def evaluate(name: str, monitor: MonitorConfig, at: datetime, cache: FitCache | None = None) -> Evaluation:
    """Read both windows ending at ``at`` and compute every statistic of the monitor; ``cache``
    keeps what is fitted on the reference (multivariate drift's PCA) between runs."""
    windows = resolve_windows(monitor, at)
    empty = MonitorResult(name, windows, drift_share_threshold=monitor.drift.share)
    try:
        monitor, missing_columns = incidents.without_missing_columns(monitor, windows)
        pushed = evaluate_windows(monitor, windows)
        frames: Frames | None = None
        if pushed is not None:  # computed where the data lives: no rows read, so no report
            result = pushed.onto(empty)
        else:
            frames = read_windows(name, monitor, windows)
            result = compute(monitor, empty, frames, missing_columns, cache)
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
    cache: FitCache | None = None,
) -> MonitorResult:
    reference, current = frames.reference, frames.current
    result = replace(result, rows=len(current), reference_rows=len(reference))
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
                monitor, result.windows, frames, numerical, categorical, multivariate_config, cache
            ),
        )
    quality_columns = [*numerical, *categorical, *prediction_columns(monitor)]
    schema = (*missing_columns, *changed)
    quality = incidents.data_quality(
        monitor, result.windows, reference, current, numerical, categorical, schema, drift.new_categories
    )
    return replace(
        result,
        numerical=tuple(numerical),
        categorical=tuple(categorical),
        features_inferred=monitor.features is None,
        drift=drift,
        prediction_drift=prediction_drift(monitor, reference, current) if monitor.prediction else None,
        performance=performance(monitor, reference, current) if monitor.target else None,
        missing=stats.missing_shares(current, quality_columns),
        quality=quality,
    )


def multivariate(
    monitor: MonitorConfig,
    windows: Windows,
    frames: Frames,
    numerical: Sequence[str],
    categorical: Sequence[str],
    config: MultivariateConfig,
    cache: FitCache | None = None,
) -> MultivariateDrift:
    """Drift of all features together (docs/reference.md, "Multivariate drift")."""
    data = Windowed(
        frames.reference, frames.current, monitor.source.timestamp, windows.reference.start, monitor.window
    )
    return multivariate_drift(data, numerical, categorical, config, cache)


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
    return [c for c in (prediction.column, prediction.score) if c is not None]


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
    target = monitor.target
    if target is not None and target.join_on and target.join_on not in columns:
        columns.append(target.join_on)
    return list(dict.fromkeys(columns))


def prediction_drift(monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame) -> ColumnDrift:
    """Drift of the score (else the predicted label), judged by the column's own setting."""
    prediction = monitor.prediction
    assert prediction is not None
    column = prediction.drift_column
    numeric = prediction.score is not None or prediction.task == "regression"
    kind: Kind = "numerical" if numeric else "categorical"
    method, threshold = monitor.drift.setting(column)
    return stats.column_drift(column, reference[column], current[column], kind, method, threshold)


def performance(monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame) -> Performance | None:
    target = monitor.target
    prediction = monitor.prediction
    assert target is not None
    task = prediction.task if prediction is not None else "classification"

    def metrics(frame: pd.DataFrame) -> dict[str, float]:
        labelled = frame[frame[target.column].notna()]
        if labelled.empty:
            return {}
        predicted = labelled[prediction.column] if prediction and prediction.column else None
        score = labelled[prediction.score] if prediction and prediction.score else None
        return stats.performance_metrics(task, labelled[target.column], predicted, score)

    rows_with_target = int(current[target.column].notna().sum()) if len(current) else 0
    if rows_with_target == 0:
        return None
    current_metrics, reference_metrics = metrics(current), metrics(reference)
    names = list(dict.fromkeys([*current_metrics, *reference_metrics]))
    comparisons = tuple(MetricComparison(n, current_metrics.get(n), reference_metrics.get(n)) for n in names)
    return Performance(rows_with_target, comparisons)
