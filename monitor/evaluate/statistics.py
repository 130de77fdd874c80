"""Every statistic of a monitor over its windows' rows: drift, performance, data quality,
estimated performance, multivariate drift, and each segment's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from monitor import incidents, stats
from monitor.config.models import MonitorConfig, MultivariateConfig
from monitor.errors import ConfigError
from monitor.evaluate.frames import Frames, not_features, prediction_columns
from monitor.records.cache import MonitorCache, SegmentCache
from monitor.records.drift import ColumnDrift, Kind, MultivariateDrift
from monitor.records.quality import SchemaChange
from monitor.records.result import MetricComparison, MonitorResult, Performance
from monitor.records.segments import SkippedSegments
from monitor.stats import segments as segment_rows
from monitor.stats.multivariate import Windowed, multivariate_drift

if TYPE_CHECKING:
    from monitor.stats.estimation.cache import FitCache

log = logging.getLogger(__name__)


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
        result = with_segments(monitor, result, frames, cache)
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


def with_segments(
    monitor: MonitorConfig, result: MonitorResult, frames: Frames, cache: FitCache | None = None
) -> MonitorResult:
    """``result`` with the statistics of each checked segment (docs/reference.md, "Segments"):
    the same code as for the whole monitor, over the rows the segment's positions pick, each
    segment's fits kept in the cache under that segment."""
    config = monitor.segments
    assert config is not None
    reference, current = frames.reference, frames.current
    if len(current) == 0 and len(reference) == 0:
        return replace(result, skipped_segments=SkippedSegments())
    # an empty window checks no segment, but the other window's are still counted as skipped
    reference, current = (_with_columns(frame, config.by) for frame in (reference, current))
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
                cache=SegmentCache(cache, segment.text) if cache is not None else None,
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


def _with_columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame``, or when it has no rows, an empty frame of ``columns`` (an empty read may have none)."""
    if len(frame):
        return frame
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
