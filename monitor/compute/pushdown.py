"""A monitor's statistics from aggregates computed by a SQL engine, equal to the local ones.

The same steps as ``monitor.runner`` and ``monitor.stats``, with each pass over the data
replaced by a statement of ``monitor.compute.statements`` (docs/reference.md, "Where the
statistics are computed"): per window a profile (rows, finite counts, extremes, missing
counts), then per column only what its method needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from monitor.compute import multiclass, scores
from monitor.compute.base import PUSHED_DOWN, WindowStatistics
from monitor.compute.batch import prefetch
from monitor.compute.concurrent import drift_columns, prefetch_gaps, profile_windows
from monitor.compute.performance import window_performance
from monitor.compute.quality import Counts, data_quality
from monitor.compute.statements import (
    WindowSpec,
    cdf_gap,
    distinct_profile,
    distinct_values,
    histogram,
    profile,
    repeats_sample,
    row_count,
    standard_deviations,
    value_counts,
)
from monitor.config.models import MonitorConfig
from monitor.errors import ConfigError
from monitor.records.drift import ColumnDrift, DriftResult, Kind
from monitor.records.windows import Windows

if TYPE_CHECKING:
    from monitor.compute.sql import SqlEngine, TypeKind

from monitor.drift_methods import canonical_name, get_method
from monitor.sources.base import ColumnNotFoundError, unique
from monitor.stats.binning import HISTOGRAM_MIN_DISTINCT
from monitor.stats.columns import INTEGER_CARDINALITY_LIMIT
from monitor.stats.drift import check_method
from monitor.stats.methods import auto_method_by_size as auto_method

# a CDF groups a column's values first when a sample of its rows holds fewer distinct values
# than this share of its values
REPEATS_BELOW_DISTINCT_SHARE = 0.95


@dataclass
class Profile:
    """One window's rows, and per column its finite count, extremes and missing count."""

    rows: int
    finite: dict[str, int] = field(default_factory=dict)
    low: dict[str, float | None] = field(default_factory=dict)
    high: dict[str, float | None] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)


def _present(value: Any) -> bool:
    """Not missing in the drift sense: NaN and ±inf are dropped as Evidently does."""
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


class Pushdown:
    """One evaluation of one monitor over two windows on a SQL engine."""

    def __init__(self, engine: SqlEngine, monitor: MonitorConfig, windows: Windows) -> None:
        self.engine = engine
        self.monitor = monitor
        self.reference = engine.spec(windows.reference)
        self.current = engine.spec(windows.current)
        self.profiles: dict[str, Profile] = {}
        self.gaps: dict[str, scores.CdfGap] = {}  # per numerical column, once
        self.deviations: dict[str, float] = {}  # reference std per column scored by Wasserstein
        self.numerical_columns: list[str] = []  # every column whose CDF may be needed
        self.repeating: dict[str, bool] = {}  # per numerical column: its CDF groups values first
        self.types: dict[str, TypeKind] = {}
        self.categories: dict[tuple[str, bool], tuple[Counts, Counts]] = {}  # (column, numerical): counts

    def run(self) -> WindowStatistics:
        monitor = self.monitor
        result = WindowStatistics(self.engine.engine_name)
        types = self.types = self._types()
        prediction = monitor.prediction
        prediction_kind: Kind | None = None
        # a multiclass model's label drifts as a categorical column; without one, its scores only
        if prediction is not None and not (prediction.multiclass and prediction.column is None):
            numeric = prediction.score is not None or prediction.task == "regression"
            prediction_kind = "numerical" if numeric else "categorical"
        if monitor.features is not None:
            result.numerical = list(monitor.features.numerical)
            result.categorical = list(monitor.features.categorical)
        else:
            result.numerical, result.categorical = self._infer(types)
            result.features_inferred = True
        for name in result.numerical:
            if types.get(name) in ("string", "datetime"):
                raise ConfigError(
                    f"column {name!r} is treated as numerical but has type {types[name]}; "
                    "list it under features.categorical or leave it out",
                    key="features.numerical",
                )
        numerical = list(result.numerical)
        if prediction is not None:
            multiclass.check_score_types(prediction, types)
            drifting = [prediction.drift_column] if prediction_kind == "numerical" else []
            numerical = unique([*numerical, *drifting, *prediction.score_columns])
        self.numerical_columns = numerical
        quality = unique([*result.numerical, *result.categorical, *self._prediction_columns()])
        counted = unique([*quality, *([monitor.target.column] if monitor.target else [])])
        floating = [(name, types.get(name) == "float") for name in counted]
        profile_windows(self, numerical, floating)  # self.profiles, both windows at once where it gains
        result.reference_rows = self.profiles["reference"].rows
        result.rows = self.profiles["current"].rows
        if self.engine.dialect.batch_columns:  # all columns' statements at once (monitor/compute/batch.py)
            prefetch(self, result.numerical, result.categorical, prediction_kind)
        result.drift = self._dataset_drift(result.numerical, result.categorical)
        if prediction is not None and prediction_kind is not None:
            column = prediction.drift_column
            result.prediction_drift = self.column_drift(
                column, prediction_kind, *monitor.drift.setting(column)
            )
        if prediction is not None and prediction.multiclass:  # each class's score, by its own setting
            settings = [(c, monitor.drift.setting(c)) for c in prediction.score_columns]
            result.score_drift = [self.column_drift(c, "numerical", *setting) for c, setting in settings]
        if monitor.target is not None:
            result.performance = window_performance(self)
        current = self.profiles["current"]
        result.missing = {
            name: (current.missing[name] / current.rows if current.rows else 0.0) for name in quality
        }
        result.quality = data_quality(self, result)
        return result

    # -- columns ---------------------------------------------------------------------------------

    def _prediction_columns(self) -> list[str]:
        prediction = self.monitor.prediction
        return [] if prediction is None else prediction.columns

    def _types(self) -> dict[str, TypeKind]:
        from monitor.sources.window import column_key

        monitor = self.monitor
        named = [monitor.source.timestamp, *(monitor.features.all if monitor.features else [])]
        named += self._prediction_columns()
        if monitor.target is not None:
            named.append(monitor.target.column)
        try:
            return self.engine.require_columns(unique(named))
        except ColumnNotFoundError as exc:
            raise ConfigError(exc.detail, key=column_key(monitor, exc.column)) from exc

    def _infer(self, types: dict[str, TypeKind]) -> tuple[list[str], list[str]]:
        """``monitor.stats.infer_column_kinds`` from the column types and the sample window's
        distinct counts (the reference, or the current window when the reference is empty)."""
        monitor = self.monitor
        excluded = {monitor.source.timestamp, *self._prediction_columns(), *monitor.duplicate_key_columns()}
        if monitor.target is not None:
            excluded.update(c for c in (monitor.target.column, monitor.target.join_on) if c)
        candidates = [name for name in types if name not in excluded]
        counted = [name for name in candidates if types[name] in ("int", "bool", "string")]
        spec = self.reference if self.engine.one(row_count(self.reference))[0] else self.current
        row = self.engine.one(distinct_profile(spec, counted)) if counted else (0,)
        rows = int(row[0] or 0)
        present = {name: int(row[1 + 2 * i] or 0) for i, name in enumerate(counted)}
        distinct = {name: int(row[2 + 2 * i] or 0) for i, name in enumerate(counted)}
        numerical: list[str] = []
        categorical: list[str] = []
        for name in candidates:
            kind = types[name]
            if kind == "float":
                numerical.append(name)
            elif kind == "int":
                # an integer column with NULLs reaches pandas as float64: numerical
                few = distinct[name] <= INTEGER_CARDINALITY_LIMIT and present[name] == rows
                (categorical if few else numerical).append(name)
            elif kind == "bool" and present[name] == rows:
                categorical.append(name)
            elif kind == "string" and present[name] and distinct[name] <= present[name] * 0.5:
                categorical.append(name)
        return numerical, categorical

    def _profile(
        self, spec: WindowSpec, numerical: Sequence[str], quality: Sequence[tuple[str, bool]]
    ) -> Profile:
        row = self.engine.one(profile(spec, numerical, quality))
        result = Profile(int(row[0] or 0))
        position = 1
        for name in numerical:
            result.finite[name] = int(row[position] or 0)
            result.low[name] = None if row[position + 1] is None else float(row[position + 1])
            result.high[name] = None if row[position + 2] is None else float(row[position + 2])
            position += 3
        for name, _ in quality:
            result.missing[name] = int(row[position] or 0)
            position += 1
        return result

    # -- drift -----------------------------------------------------------------------------------

    def _dataset_drift(self, numerical: Sequence[str], categorical: Sequence[str]) -> DriftResult:
        config = self.monitor.drift
        columns: list[tuple[str, Kind]] = [(name, "numerical") for name in numerical]
        columns += [(name, "categorical") for name in categorical]
        settings = {}
        for name, kind in columns:
            settings[name] = config.setting(name)
            check_method(name, kind, settings[name][0])
        prefetch_gaps(self)  # the per-column CDFs at once where the engine gains from it
        self._deviations_for([name for name, kind in columns if kind == "numerical"], settings)
        results = drift_columns(self, columns, settings)  # column_drift of each, in columns' order
        scored = [result for result in results if result.score is not None]
        share = sum(result.drifted for result in scored) / len(scored) if scored else 0.0
        return DriftResult(results, share, bool(scored) and share >= config.share)

    def _gap(self, column: str) -> scores.CdfGap:
        if column not in self.gaps:
            n, m = self.profiles["reference"].finite[column], self.profiles["current"].finite[column]
            grouped = self._repeats(column)
            largest, area, distinct = self.engine.one(
                cdf_gap(self.reference, self.current, column, n, m, grouped)
            )
            self.gaps[column] = scores.CdfGap(int(largest or 0), float(area or 0.0), int(distinct or 0))
        return self.gaps[column]

    def _repeats(self, column: str) -> bool:
        """Whether ``column``'s values repeat, so that its CDF should group them first: a window
        over the distinct values then replaces a sort of every row. Judged once for every
        numerical column from a sample of the reference (or the current window)."""
        if not self.repeating:
            columns = unique([*self.numerical_columns, column])
            spec = self.reference if self.profiles["reference"].rows else self.current
            row = self.engine.one(repeats_sample(spec, columns))
            for index, name in enumerate(columns):
                values, distinct = int(row[2 * index] or 0), int(row[2 * index + 1] or 0)
                self.repeating[name] = values == 0 or distinct < REPEATS_BELOW_DISTINCT_SHARE * values
        # grouping is right whatever the values: it is only slower on distinct ones
        return self.repeating.get(column, True)

    def _deviations_for(
        self, numerical: Sequence[str], settings: Mapping[str, tuple[str, float | None]]
    ) -> None:
        """The reference std of every column scored by Wasserstein, in one statement."""
        reference, current = self.profiles["reference"], self.profiles["current"]
        wanted = []
        for column in numerical:
            method = settings[column][0]
            if method not in ("auto", "wasserstein") or not (
                reference.finite[column] and current.finite[column]
            ):
                continue
            if method == "auto" and auto_method(
                reference.finite[column], self._gap(column).distinct, "numerical"
            ) != ("wasserstein"):
                continue
            wanted.append((column, float(reference.low[column] or 0.0)))
        if wanted:
            row = self.engine.one(standard_deviations(self.reference, wanted))
            self.deviations.update(
                {column: float(value or 0.0) for (column, _), value in zip(wanted, row, strict=True)}
            )

    def _deviation(self, column: str) -> float:
        if column not in self.deviations:
            low = float(self.profiles["reference"].low[column] or 0.0)
            self.deviations[column] = float(
                self.engine.one(standard_deviations(self.reference, [(column, low)]))[0] or 0.0
            )
        return self.deviations[column]

    def column_drift(self, column: str, kind: Kind, method: str, threshold: float | None) -> ColumnDrift:
        check_method(column, kind, method)
        method = "auto" if method == "auto" else canonical_name(method)
        if method not in PUSHED_DOWN:
            raise ConfigError(
                f"column {column!r}: drift method {method!r} needs the values themselves and is not "
                "computed where the data lives; use compute: local (or auto) for this monitor",
                key="source.compute",
            )
        if kind == "numerical":
            name, score = self._numerical(column, method)
        else:
            name, score = self._categorical(column, method)
        drift_method = get_method(name)
        actual_threshold = drift_method.default_threshold if threshold is None else float(threshold)
        if score is None or math.isnan(score):
            return ColumnDrift(column, kind, name, None, actual_threshold, False)
        drifted = drift_method.drifted(score, actual_threshold)
        return ColumnDrift(column, kind, name, score, actual_threshold, drifted)

    def _numerical(self, column: str, method: str) -> tuple[str, float | None]:
        reference, current = self.profiles["reference"], self.profiles["current"]
        n, m = reference.finite[column], current.finite[column]
        gap = self._gap(column) if method in ("auto", "ks", "wasserstein") else None
        name = auto_method(n, gap.distinct, "numerical") if gap is not None and method == "auto" else method
        if n == 0 or m == 0:
            return name, None
        if name == "ks":
            assert gap is not None
            return name, scores.ks_pvalue(gap.largest_gap, n, m)
        if name == "wasserstein":
            assert gap is not None
            return name, scores.wasserstein_score(gap, n, m, self._deviation(column))
        low = min(float(reference.low[column] or 0.0), float(current.low[column] or 0.0))
        high = max(float(reference.high[column] or 0.0), float(current.high[column] or 0.0))
        if name == "hellinger":
            distinct = int(self.engine.one(distinct_values([self.reference, self.current], column))[0])
            edges = scores.sturges_edges(distinct, low, high)
            reference_counts, current_counts = self._histograms(column, edges)
            return name, scores.hellinger_from_histogram(reference_counts, current_counts, edges)
        # psi, jensenshannon and kl_div bin a column whose reference has many values; chisquare and z
        # (reached by auto on a few values) count per value, as do the others below that
        binned = name in ("psi", "jensenshannon", "kl_div") and (
            int(self.engine.one(distinct_values([self.reference], column))[0]) > HISTOGRAM_MIN_DISTINCT
        )
        if binned:
            edges = scores.sturges_edges(n + m, low, high)
            reference_counts, current_counts = self._histograms(column, edges)
        else:
            reference_counts, current_counts = self._value_counts(column, numerical=True)
        return name, scores.counted_score(name, reference_counts, current_counts, n, m)

    def _categorical(self, column: str, method: str) -> tuple[str, float | None]:
        reference_counts, current_counts = self._value_counts(column, numerical=False)
        n, m = int(reference_counts.sum()), int(current_counts.sum())
        distinct = int(np.count_nonzero(reference_counts + current_counts))
        name = auto_method(n, distinct, "categorical") if method == "auto" else method
        if n == 0 or m == 0:
            return name, None
        return name, scores.counted_score(name, reference_counts, current_counts, n, m)

    def _value_counts(self, column: str, numerical: bool) -> tuple[scores.IntArray, scores.IntArray]:
        sides: tuple[list[tuple[Any, int]], list[tuple[Any, int]]] = ([], [])
        for side, value, count in self.engine.run(
            value_counts(self.reference, self.current, column, numerical)
        ):
            if _present(value):
                sides[int(side)].append((value, int(count)))
        self.categories[column, numerical] = sides  # monitor/compute/quality.py reads the categorical ones
        return scores.aligned_counts(*sides)

    def _histograms(self, column: str, edges: scores.FloatArray) -> tuple[scores.IntArray, scores.IntArray]:
        counts = np.zeros((2, edges.size - 1), dtype=np.int64)
        for side, index, count in self.engine.run(
            histogram(self.reference, self.current, column, edges.tolist())
        ):
            counts[int(side), int(index)] += int(count)
        return counts[0], counts[1]
