"""One check of one monitor, from prediction log to verdict.

    sources -> windows -> stats -> alerts (rules, states, outbox) -> store

Used by ``monitor check`` and by the daemon's jobs alike. A monitor whose
source fails yields a result with ``error`` set; the others still run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pandas as pd

from monitor import compute, sources, stats
from monitor.alerts.notify import notifications_for
from monitor.alerts.rules import evaluate
from monitor.alerts.state import Step, advance, alert_id
from monitor.config.models import Config, MonitorConfig
from monitor.errors import ConfigError, MonitorError
from monitor.results import AlertSummary, MetricComparison, MonitorResult, Performance
from monitor.secrets import scrub
from monitor.sources.timestamps import within_window
from monitor.stats.methods import Kind
from monitor.store import new_id
from monitor.store.history import metric_values, run_record
from monitor.windows import Interval, resolve_windows

if TYPE_CHECKING:
    from monitor.store import SQLAlchemyStore

log = logging.getLogger(__name__)


Frames = tuple[pd.DataFrame, pd.DataFrame]


@dataclass(frozen=True)
class RuleStep:
    rule_index: int
    step: Step


class Checker:
    """Runs monitors of one config against one store (``None`` in a dry run: nothing is written)."""

    def __init__(self, config: Config, store: SQLAlchemyStore | None, *, dry_run: bool = False) -> None:
        self.config = config
        self.store = store
        self.dry_run = dry_run

    def run(self, names: Sequence[str] | None, at: datetime) -> list[MonitorResult]:
        selected = list(names) if names else list(self.config.monitors)
        unknown = [name for name in selected if name not in self.config.monitors]
        if unknown:
            known = ", ".join(self.config.monitors)
            raise ConfigError(f"unknown monitor(s) {', '.join(unknown)} (monitors: {known})")
        return [self.run_monitor(name, at) for name in selected]

    def run_monitor(self, name: str, at: datetime) -> MonitorResult:
        monitor = self.config.monitors[name]
        started_at = datetime.now(timezone.utc)
        clock = time.perf_counter()
        result, frames = self.evaluate(name, at)
        steps = [] if result.error else self._alerts(monitor, result, result.windows.current.end)
        if frames is not None and not result.error and self._report_due(result):
            self._write_report(monitor, result, *frames)
        if not self.dry_run and self.store is not None:
            notifications = notifications_for(self.config, monitor, result, steps)
            record = run_record(new_id(), result, started_at, datetime.now(timezone.utc))
            self.store.record_run(record, metric_values(result), [s.step for s in steps], notifications)
        log.info("monitor %s: checked in %.2fs", name, time.perf_counter() - clock)
        return result

    def evaluate(self, name: str, at: datetime) -> tuple[MonitorResult, Frames | None]:
        """Read both windows and compute every statistic; no rule, no store. Frames: (reference, current)."""
        monitor = self.config.monitors[name]
        windows = resolve_windows(monitor, at)
        result = MonitorResult(name, windows, drift_share_threshold=monitor.drift.share)
        try:
            pushed = compute.evaluate_windows(monitor, windows)
            if pushed is not None:  # computed where the data lives: no frames, so no report
                result.apply(pushed)
                return result, None
            frames = self._read(monitor, result)
            self._compute(monitor, result, *frames)
        except MonitorError as exc:  # a source down or a column missing: the other monitors still run
            result.fail(exc)
            # the caller tells the user (the CLI's one error line, the daemon's run log)
            log.debug("check failed: %s", result.error)
            return result, None
        return result, frames

    # -- reading and statistics -----------------------------------------------------------------

    def _read(self, monitor: MonitorConfig, result: MonitorResult) -> Frames:
        columns = _wanted_columns(monitor)
        current_window, reference_window = result.windows.current, result.windows.reference
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
        result.rows, result.reference_rows = len(current), len(reference)
        if result.rows == 0:
            log.warning(
                "monitor %s: no rows in the window %s to %s",
                result.monitor,
                current_window.start.isoformat(),
                current_window.end.isoformat(),
            )
        if result.reference_rows == 0:
            log.warning("monitor %s: the reference window holds no rows", result.monitor)
        return reference, current

    def _compute(
        self, monitor: MonitorConfig, result: MonitorResult, reference: pd.DataFrame, current: pd.DataFrame
    ) -> None:
        if monitor.features is not None:
            result.numerical = list(monitor.features.numerical)
            result.categorical = list(monitor.features.categorical)
        else:
            sample = reference if len(reference) else current
            result.numerical, result.categorical = stats.infer_column_kinds(sample, _not_features(monitor))
            result.features_inferred = True
            log.info(
                "monitor %s: inferred features: numerical %s; categorical %s",
                result.monitor,
                ", ".join(result.numerical) or "none",
                ", ".join(result.categorical) or "none",
            )
        result.drift = stats.dataset_drift(
            reference, current, result.numerical, result.categorical, monitor.drift
        )
        if monitor.prediction is not None:
            result.prediction_drift = _prediction_drift(monitor, reference, current)
        if monitor.target is not None:
            result.performance = _performance(monitor, reference, current)
        quality_columns = [*result.numerical, *result.categorical, *_prediction_columns(monitor)]
        result.missing = stats.missing_shares(current, quality_columns)

    # -- alerts ---------------------------------------------------------------------------------

    def _alerts(self, monitor: MonitorConfig, result: MonitorResult, now: datetime) -> list[RuleStep]:
        states = self.store.alert_states(result.monitor) if self.store is not None else {}
        # silences are set in wall-clock time ("for the next 2h"), whatever window --at names
        wall_clock = datetime.now(timezone.utc)
        silences = self.store.silences(wall_clock) if self.store is not None else []
        steps: list[RuleStep] = []
        for index, rule in enumerate(monitor.alerts):
            for outcome in evaluate(rule, result):
                previous = states.get(alert_id(result.monitor, outcome.rule, outcome.subject))
                silenced = any(
                    s.matches(result.monitor, outcome.rule, outcome.subject, wall_clock) for s in silences
                )
                step = advance(previous, outcome, rule, result.monitor, now, silenced=silenced)
                steps.append(RuleStep(index, step))
                after = step.after
                if after.status == "firing" or (after.status == "resolved" and step.changed):
                    result.alerts.append(AlertSummary(after.rule, after.subject, after.status, rule.channels))
        return steps

    # -- reports --------------------------------------------------------------------------------

    def _report_due(self, result: MonitorResult) -> bool:
        when = self.config.reports.when
        if self.dry_run or when == "never":
            return False
        return when == "always" or result.firing

    def _write_report(
        self, monitor: MonitorConfig, result: MonitorResult, reference: pd.DataFrame, current: pd.DataFrame
    ) -> None:
        from monitor.reports.run import write_run_report

        try:
            result.report = write_run_report(self.config, monitor, result, reference, current)
        except Exception as exc:  # a report is a convenience: never lose the run over it
            log.error("monitor %s: report not written: %s", result.monitor, scrub(str(exc)))


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


def _prediction_columns(monitor: MonitorConfig) -> list[str]:
    prediction = monitor.prediction
    if prediction is None:
        return []
    return [c for c in (prediction.column, prediction.score) if c is not None]


def _not_features(monitor: MonitorConfig) -> set[str]:
    excluded = {monitor.source.timestamp, *_prediction_columns(monitor)}
    if monitor.target is not None:
        excluded.add(monitor.target.column)
        if monitor.target.join_on:
            excluded.add(monitor.target.join_on)
    return excluded


def _wanted_columns(monitor: MonitorConfig) -> list[str] | None:
    """Only what the monitor uses is fetched; ``None`` (all) when features are to be inferred."""
    if monitor.features is None:
        return None
    columns = [*monitor.features.all, *_prediction_columns(monitor)]
    target = monitor.target
    if target is not None and target.join_on and target.join_on not in columns:
        columns.append(target.join_on)
    return list(dict.fromkeys(columns))


def _prediction_drift(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> stats.ColumnDrift | None:
    prediction = monitor.prediction
    assert prediction is not None
    column = prediction.drift_column
    numeric = prediction.score is not None or prediction.task == "regression"
    kind: Kind = "numerical" if numeric else "categorical"
    override = monitor.drift.columns.get(column)
    method = override.method if override else monitor.drift.method
    threshold = override.threshold if override else monitor.drift.threshold
    return stats.column_drift(column, reference[column], current[column], kind, method, threshold)


def _performance(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> Performance | None:
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
