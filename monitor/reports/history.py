"""A monitor's run history as the index pages and ``monitor history`` show it.

The store keeps each run's full JSON result (docs/reference.md, "JSON output"); this module
turns stored runs into ``RunSummary`` rows: time, window, rows, status, whether the run was
live or history, every column's drift score and the main performance metric against its
reference.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from monitor.config.models import Config, MonitorConfig
from monitor.records.store import RunRecord
from monitor.reports.columns import column_scores
from monitor.reports.paths import report_path
from monitor.reports.segments import segment_names, segment_record
from monitor.reports.summary import RunSummary, newest_window_first
from monitor.store import Store

logger = logging.getLogger(__name__)

# The metric a chart follows when no performance_drop rule names one: the most telling first.
CLASSIFICATION_PREFERENCE = ("roc_auc", "f1", "accuracy", "precision", "recall", "log_loss")
REGRESSION_PREFERENCE = ("rmse", "mae", "r2", "mape")


def metric_preference(monitor: MonitorConfig | None) -> tuple[str, ...]:
    """Performance metrics in the order the history prefers them: the alerted-on metric first."""
    task = monitor.prediction.task if monitor is not None and monitor.prediction is not None else None
    defaults: tuple[str, ...] = CLASSIFICATION_PREFERENCE + REGRESSION_PREFERENCE
    if task is not None:
        defaults = REGRESSION_PREFERENCE if task == "regression" else CLASSIFICATION_PREFERENCE
    ruled = [r.metric for r in monitor.alerts if r.metric] if monitor is not None else []
    return tuple(dict.fromkeys([*ruled, *defaults]))


def _main_metric(
    performance: Mapping[str, Any] | None, preference: Iterable[str]
) -> tuple[str | None, float | None, float | None]:
    """(name, current, reference) of the first preferred metric the run measured."""
    if not performance:
        return None, None, None
    measured = {m.get("metric"): m for m in performance.get("metrics") or [] if isinstance(m, Mapping)}
    for name in [*preference, *measured]:
        metric = measured.get(name)
        if metric is not None and metric.get("current") is not None:
            return str(name), _float(metric.get("current")), _float(metric.get("reference"))
    return None, None, None


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _drifted_columns(drift: Mapping[str, Any] | None) -> list[str]:
    if not drift:
        return []
    return [str(c["column"]) for c in drift.get("columns") or [] if c.get("drifted")]


def _report_file(reports_dir: Path, monitor: str, stored: str | None, window_end: datetime) -> Path | None:
    """The run's own report, else one written (again) for its window with ``monitor report``.

    A stored path that no longer exists (pruned, or the directory moved) is kept when no
    replacement exists, so the index can say the report was deleted.
    """
    if stored and Path(stored).is_file():
        return Path(stored)
    on_demand = report_path(reports_dir, monitor, window_end)
    if on_demand.is_file():
        return on_demand
    return Path(stored) if stored else None


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def summary_from_record(
    record: RunRecord, preference: Iterable[str], reports_dir: Path, share_threshold: float | None = None
) -> RunSummary:
    result = record.result or {}
    metric, current, reference = _main_metric(result.get("performance"), preference)
    window_end = _utc(record.window_end)
    return RunSummary(
        run_id=record.run_id,
        monitor=record.monitor,
        at=_utc(record.started_at),
        window_start=_utc(record.window_start),
        window_end=window_end,
        rows=record.rows,
        reference_rows=record.reference_rows or 0,
        status=record.status,
        # a window without rows (no_data) or a failed run measured no drift: a gap, not a 0
        drift_share=record.drift_share if result.get("drift") and record.status != "no_data" else None,
        drifted_columns=_drifted_columns(result.get("drift")),
        metric=metric,
        metric_current=current,
        metric_reference=reference,
        report_path=_report_file(reports_dir, record.monitor, record.report_path, window_end),
        error=record.error,
        live=record.live,
        dataset_drift=record.dataset_drift,
        drift_share_threshold=share_threshold,
        column_scores=column_scores(result),
        incidents=_incidents(result.get("alerts")),
    )


INCIDENT_RULES = frozenset({"volume", "freshness", "schema", "new_categories", "out_of_range", "duplicates"})


def _incidents(alerts: list[dict[str, Any]] | None) -> list[str]:
    """The data-incident alerts firing after the run, as "rule subject" (docs/reference.md)."""
    return [
        f"{alert['rule']} {alert['subject']}"
        for alert in alerts or []
        if alert.get("rule") in INCIDENT_RULES and alert.get("status") == "firing"
    ]


def monitor_history(
    config: Config, store: Store, name: str, last: int, segment: str | None = None
) -> list[RunSummary]:
    """The ``last`` runs of monitor ``name`` with the newest windows, newest window first;
    with ``segment`` (e.g. ``country=DE``), as that segment saw them."""
    monitor = config.monitors.get(name)
    preference = metric_preference(monitor)
    # the configured share, as the runs were judged by it (the JSON document does not keep it)
    share = monitor.drift.share if monitor is not None else None
    records: list[RunRecord] = store.runs(name, last=last)
    if segment is not None:
        records = [segment_record(record, segment) for record in records]
    summaries = [summary_from_record(record, preference, config.reports.dir, share) for record in records]
    return newest_window_first(summaries)


def all_history(config: Config, store: Store, last: int) -> dict[str, list[RunSummary]]:
    """Every configured monitor's runs, newest window first."""
    return {name: monitor_history(config, store, name, last) for name in config.monitors}


MAX_SEGMENT_PAGES = 50  # per monitor: the segments the newest runs checked, largest first


def segment_history(config: Config, store: Store, last: int) -> dict[str, dict[str, list[RunSummary]]]:
    """Per monitor with ``segments:``, each segment's runs as ``history --segment`` shows them."""
    pages: dict[str, dict[str, list[RunSummary]]] = {}
    for name, monitor in config.monitors.items():
        if monitor.segments is None:
            continue
        records: list[RunRecord] = store.runs(name, last=last)
        preference, share = metric_preference(monitor), monitor.drift.share
        pages[name] = {
            segment: newest_window_first(
                [
                    summary_from_record(
                        segment_record(record, segment), preference, config.reports.dir, share
                    )
                    for record in records
                ]
            )
            for segment in segment_names(records)[:MAX_SEGMENT_PAGES]
        }
    return pages
