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
        multivariate = result.drift.multivariate
        if multivariate is not None:
            values.append(
                MetricValue("multivariate_drift_score", "", multivariate.method, multivariate.score)
            )
    if result.prediction_drift is not None:
        drift = result.prediction_drift
        values.append(MetricValue("prediction_drift_score", drift.column, drift.method, drift.score))
    for drift in result.score_drift:
        values.append(MetricValue("prediction_drift_score", drift.column, drift.method, drift.score))
    if result.estimated_performance is not None:
        method = result.estimated_performance.method
        for estimated in result.estimated_performance.metrics:
            values.append(MetricValue("estimated_performance", estimated.metric, method, estimated.estimate))
            values.append(
                MetricValue("estimated_performance_lower", estimated.metric, method, estimated.lower)
            )
            values.append(
                MetricValue("estimated_performance_upper", estimated.metric, method, estimated.upper)
            )
    if result.performance is not None:
        for metric in result.performance.metrics:
            values.append(MetricValue("performance", metric.metric, "", metric.current))
            values.append(MetricValue("performance_reference", metric.metric, "", metric.reference))
    values += [MetricValue("missing_share", column, "", share) for column, share in result.missing.items()]
    return values + incident_values(result)


def incident_values(result: MonitorResult) -> list[MetricValue]:
    """The data-incident figures (docs/reference.md, "Data incidents"), named as on /metrics."""
    quality = result.quality
    values = []
    if quality.volume is not None:
        values.append(MetricValue("rows_per_hour", "", "", quality.volume.rows_per_hour))
        values.append(MetricValue("reference_rows_per_hour", "", "", quality.volume.reference_rows_per_hour))
        if quality.volume.ratio is not None:
            values.append(MetricValue("volume_ratio", "", "", quality.volume.ratio))
    if quality.freshness is not None and quality.freshness.age_seconds is not None:
        values.append(MetricValue("freshness_seconds", "", "", quality.freshness.age_seconds))
    for column, offending in (quality.new_categories or {}).items():
        values.append(MetricValue("new_category_share", column, "", offending.share))
    for column, offending in (quality.out_of_range or {}).items():
        values.append(MetricValue("out_of_range_share", column, "", offending.share))
    if quality.duplicates is not None:
        values.append(
            MetricValue("duplicate_share", ",".join(quality.duplicates.key), "", quality.duplicates.share)
        )
    values += [MetricValue("schema_change", change.column, change.change, 1.0) for change in quality.schema]
    return values
