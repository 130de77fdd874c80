"""Alert rules (docs/reference.md, "Alert rules"): each turns a run's result into outcomes, one per subject.

A rule that has nothing to judge (no target yet, an empty window for a drift
rule) yields no outcome, so its alerts keep their state rather than resolve on
missing evidence.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.alerts.incidents import INCIDENT_RULES
from monitor.config.models import AlertRuleConfig
from monitor.records.alerts import RuleOutcome
from monitor.records.drift import ColumnDrift
from monitor.records.result import MonitorResult

__all__ = ["RULES", "RuleOutcome", "evaluate"]

# the parts of a run that can fail, each the subject of one run_failed alert
FAILING_PARTS = ("source", "store")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _dataset_drift(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    drift = result.drift
    if drift is None or result.rows == 0 or not any(c.score is not None for c in drift.columns):
        return []
    drifted = [c.column for c in drift.columns if c.drifted]
    threshold = result.drift_share_threshold
    summary = (
        f"{result.monitor}: {len(drifted)} of {len(drift.columns)} columns drifted "
        f"(share {drift.share:.2f}, dataset drift at {threshold:.2f})"
    )
    return [RuleOutcome("dataset_drift", "dataset", drift.dataset_drift, drift.share, threshold, summary)]


def _column_drift(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    if result.drift is None or result.rows == 0:
        return []
    wanted = set(rule.columns) if rule.columns is not None else None
    return [
        _drift_outcome("column_drift", "column", result.monitor, column)
        for column in result.drift.columns
        if (wanted is None or column.column in wanted) and column.score is not None
    ]


def _prediction_drift(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    """The prediction's drift, and each class's score column of a multiclass model."""
    if result.rows == 0:
        return []
    return [
        _drift_outcome("prediction_drift", "prediction", result.monitor, drift)
        for drift in (result.prediction_drift, *result.score_drift)
        if drift is not None and drift.score is not None
    ]


def _drift_outcome(rule: str, what: str, monitor: str, drift: ColumnDrift) -> RuleOutcome:
    """One column's drift judged: the subject is the column."""
    summary = (
        f"{monitor}: {what} {drift.column} {'drifted' if drift.drifted else 'is stable'} "
        f"({drift.method} {_fmt(drift.score)}, threshold {_fmt(drift.threshold)})"
    )
    return RuleOutcome(rule, drift.column, drift.drifted, drift.score, drift.threshold, summary)


def _multivariate_drift(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    """One alert per monitor (its subject is the monitor's name): all features together drifted."""
    drift = result.drift.multivariate if result.drift is not None else None
    if drift is None or drift.score is None or result.rows == 0:
        return []
    lower = f", lower bound {_fmt(drift.lower_threshold)}" if drift.lower_threshold is not None else ""
    summary = (
        f"{result.monitor}: multivariate drift {'detected' if drift.drifted else 'not detected'} "
        f"({drift.method} {_fmt(drift.score)}, threshold {_fmt(drift.threshold)}{lower})"
    )
    return [
        RuleOutcome(
            "multivariate_drift", result.monitor, drift.drifted, drift.score, drift.threshold, summary
        )
    ]


def _performance_drop(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    metric = str(rule.metric)
    comparison = result.performance.get(metric) if result.performance else None
    if comparison is None or comparison.drop is None:
        return []
    drop = comparison.drop
    summary = (
        f"{result.monitor}: {metric} {_fmt(comparison.current)} against {_fmt(comparison.reference)} "
        f"in the reference (drop {_fmt(drop)}, allowed {_fmt(rule.max_drop)})"
    )
    return [RuleOutcome("performance_drop", metric, drop > rule.max_drop, drop, rule.max_drop, summary)]


def _estimated_performance_drop(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    """The estimate (before labels) against the reference's realized value (docs/reference.md)."""
    metric = str(rule.metric)
    estimated = result.estimated_performance.get(metric) if result.estimated_performance else None
    if estimated is None or estimated.drop is None:
        return []
    drop = estimated.drop
    realized = f"; realized {_fmt(estimated.realized)}" if estimated.realized is not None else ""
    summary = (
        f"{result.monitor}: estimated {metric} {_fmt(estimated.estimate)} "
        f"[{_fmt(estimated.lower)}, {_fmt(estimated.upper)}] against {_fmt(estimated.reference)} in the "
        f"reference (drop {_fmt(drop)}, allowed {_fmt(rule.max_drop)}{realized})"
    )
    return [
        RuleOutcome("estimated_performance_drop", metric, drop > rule.max_drop, drop, rule.max_drop, summary)
    ]


def _missing_values(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    if result.rows == 0:
        return []
    wanted = set(rule.columns) if rule.columns is not None else None
    outcomes = []
    for column, share in result.missing.items():
        if wanted is not None and column not in wanted:
            continue
        limit = rule.share_limit
        summary = f"{result.monitor}: {share:.1%} of {column} missing (allowed {limit:.1%})"
        outcomes.append(RuleOutcome("missing_values", column, share > limit, share, limit, summary))
    return outcomes


def _no_data(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    window = result.windows.current
    start, end = window.start.isoformat(), window.end.isoformat()
    summary = f"{result.monitor}: {result.rows} rows from {start} to {end}"
    return [RuleOutcome("no_data", "window", result.rows == 0, float(result.rows), 0.0, summary)]


def _run_failed(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    failed = result.failed_part if result.error is not None else None
    outcomes = []
    for part in FAILING_PARTS:
        if part == failed:
            summary = f"{result.monitor}: the run failed: {result.error}"
        else:
            summary = f"{result.monitor}: the {part} answered"
        outcomes.append(RuleOutcome("run_failed", part, part == failed, None, None, summary))
    return outcomes


Evaluator = Callable[[AlertRuleConfig, MonitorResult], list[RuleOutcome]]

RULES: dict[str, Evaluator] = {
    "dataset_drift": _dataset_drift,
    "column_drift": _column_drift,
    "prediction_drift": _prediction_drift,
    "multivariate_drift": _multivariate_drift,
    "performance_drop": _performance_drop,
    "estimated_performance_drop": _estimated_performance_drop,
    "missing_values": _missing_values,
    "no_data": _no_data,
    "run_failed": _run_failed,
    **INCIDENT_RULES,
}


def evaluate(rule: AlertRuleConfig, result: MonitorResult) -> list[RuleOutcome]:
    return RULES[rule.rule](rule, result)
