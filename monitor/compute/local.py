"""The ``local`` engine: both windows read into memory and scored by ``monitor.stats``.

What ``monitor check`` has always done; the pushdown engines are held equal to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor import sources, stats
from monitor.compute.base import ComputeEngine, WindowStatistics
from monitor.config.models import MonitorConfig
from monitor.results import MetricComparison, Performance
from monitor.stats.methods import Kind
from monitor.windows import Windows


def prediction_columns(monitor: MonitorConfig) -> list[str]:
    prediction = monitor.prediction
    if prediction is None:
        return []
    return [c for c in (prediction.column, prediction.score) if c is not None]


def not_features(monitor: MonitorConfig) -> set[str]:
    excluded = {monitor.source.timestamp, *prediction_columns(monitor)}
    if monitor.target is not None:
        excluded.add(monitor.target.column)
        if monitor.target.join_on:
            excluded.add(monitor.target.join_on)
    return excluded


def wanted_columns(monitor: MonitorConfig) -> list[str] | None:
    """Only what the monitor uses is read; ``None`` (all) when features are to be inferred."""
    if monitor.features is None:
        return None
    columns = [*monitor.features.all, *prediction_columns(monitor)]
    target = monitor.target
    if target is not None and target.join_on and target.join_on not in columns:
        columns.append(target.join_on)
    return list(dict.fromkeys(columns))


class LocalEngine(ComputeEngine):
    name = "local"

    def row_counts(self, windows: Windows) -> tuple[int, int]:
        """Rows per window, reading only the time column."""
        with sources.open_source(self.source) as source:
            reference = source.read_window([], windows.reference.start, windows.reference.end)
            current = source.read_window([], windows.current.start, windows.current.end)
        return len(reference), len(current)

    def read(self, monitor: MonitorConfig, windows: Windows) -> tuple[pd.DataFrame, pd.DataFrame]:
        columns = wanted_columns(monitor)
        current = sources.read_window(monitor, columns, windows.current.start, windows.current.end)
        reference = sources.read_window(monitor, columns, windows.reference.start, windows.reference.end)
        return reference, current

    def evaluate(self, monitor: MonitorConfig, windows: Windows) -> WindowStatistics:
        reference, current = self.read(monitor, windows)
        return compute_frames(monitor, reference, current)


def compute_frames(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> WindowStatistics:
    """Every statistic of ``monitor`` from the two windows' frames."""
    result = WindowStatistics("local", rows=len(current), reference_rows=len(reference))
    if monitor.features is not None:
        result.numerical = list(monitor.features.numerical)
        result.categorical = list(monitor.features.categorical)
    else:
        sample = reference if len(reference) else current
        result.numerical, result.categorical = stats.infer_column_kinds(sample, not_features(monitor))
        result.features_inferred = True
    result.drift = stats.dataset_drift(
        reference, current, result.numerical, result.categorical, monitor.drift
    )
    if monitor.prediction is not None:
        result.prediction_drift = prediction_drift(monitor, reference, current)
    if monitor.target is not None:
        result.performance = performance(monitor, reference, current)
    quality: Sequence[str] = [*result.numerical, *result.categorical, *prediction_columns(monitor)]
    result.missing = stats.missing_shares(current, quality)
    return result


def prediction_drift(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> stats.ColumnDrift:
    prediction = monitor.prediction
    assert prediction is not None
    column = prediction.drift_column
    numeric = prediction.score is not None or prediction.task == "regression"
    kind: Kind = "numerical" if numeric else "categorical"
    override = monitor.drift.columns.get(column)
    method = override.method if override else monitor.drift.method
    threshold = override.threshold if override else monitor.drift.threshold
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
    comparisons = [MetricComparison(n, current_metrics.get(n), reference_metrics.get(n)) for n in names]
    return Performance(rows_with_target, comparisons)
