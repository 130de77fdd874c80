"""Turning a run's result into the rows the store keeps: the run and its metric values."""

from __future__ import annotations

from datetime import datetime

from monitor.records.result import MonitorResult
from monitor.records.store import MetricValue, RunRecord


def run_record(run_id: str, result: MonitorResult, started_at: datetime, finished_at: datetime) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        monitor=result.monitor,
        started_at=started_at,
        finished_at=finished_at,
        window_start=result.windows.current.start,
        window_end=result.windows.current.end,
        rows=result.rows,
        reference_start=result.windows.reference.start,
        reference_end=result.windows.reference.end,
        reference_rows=result.reference_rows,
        status=result.status,
        error=result.error,
        drift_share=result.drift.share if result.drift else None,
        dataset_drift=result.drift.dataset_drift if result.drift else None,
        report_path=str(result.report) if result.report else None,
        result=result.to_dict(),
        live=result.live,
    )


def metric_values(result: MonitorResult) -> list[MetricValue]:
    """Every number of the run, so history can be queried and charted later."""
    values = [
        MetricValue("rows", "", "", float(result.rows)),
        MetricValue("reference_rows", "", "", float(result.reference_rows)),
    ]
    if result.drift is not None:
        values.append(MetricValue("dataset_drift_share", "", "", result.drift.share))
        values += [MetricValue("drift_score", c.column, c.method, c.score) for c in result.drift.columns]
    if result.prediction_drift is not None:
        drift = result.prediction_drift
        values.append(MetricValue("prediction_drift_score", drift.column, drift.method, drift.score))
    if result.performance is not None:
        for metric in result.performance.metrics:
            values.append(MetricValue("performance", metric.metric, "", metric.current))
            values.append(MetricValue("performance_reference", metric.metric, "", metric.reference))
    values += [MetricValue("missing_share", column, "", share) for column, share in result.missing.items()]
    return values
