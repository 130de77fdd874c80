"""The daemon's Prometheus metrics, rendered at scrape time from :class:`DaemonState`.

A collector that reads a snapshot (rather than gauges set run by run) means a
column that disappears, a monitor removed by a reload or a resolved alert never
leaves a stale series behind. The registry is dedicated: no process or Python
collectors of the library's default registry, only what ``EXPORTED_METRICS`` lists.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor.daemon.state import DaemonState, MonitorStatus
from monitor.records.result import MonitorResult
from monitor.records.segments import segment_of

# Every series name /metrics exposes (counters with their ``_total``): dashboards and alert rules
# may rely on exactly these.
EXPORTED_METRICS: tuple[str, ...] = (
    "monitor_drift_score",
    "monitor_column_drifted",
    "monitor_prediction_drift_score",
    "monitor_dataset_drift_share",
    "monitor_dataset_drift",
    "monitor_multivariate_drift_score",
    "monitor_multivariate_drift_threshold",
    "monitor_multivariate_drift",
    "monitor_performance",
    "monitor_performance_reference",
    "monitor_estimated_performance",
    "monitor_estimated_performance_lower",
    "monitor_estimated_performance_upper",
    "monitor_missing_share",
    "monitor_rows",
    "monitor_rows_per_hour",
    "monitor_volume_ratio",
    "monitor_freshness_seconds",
    "monitor_new_category_share",
    "monitor_out_of_range_share",
    "monitor_duplicate_share",
    "monitor_schema_change",
    "monitor_alert_firing",
    "monitor_last_run_timestamp_seconds",
    "monitor_last_success_timestamp_seconds",
    "monitor_next_run_timestamp_seconds",
    "monitor_run_duration_seconds",
    "monitor_run_running",
    "monitor_runs_total",
    "monitor_run_failures_total",
    "monitor_runs_skipped_total",
    "monitor_notifications_failed_total",
    "monitor_notifications_pending",
    "monitor_daemon_active",
    "monitor_store_up",
)


def _gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


class DaemonCollector(Collector):
    def __init__(self, state: DaemonState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        monitors = self.state.monitors()
        yield from self._results(monitors)
        yield from self._estimates(monitors)
        yield from self._multivariate(monitors)
        yield from self._incidents(monitors)
        yield from self._runs(monitors)
        yield from self._daemon()

    def _results(self, monitors: dict[str, MonitorStatus]) -> Iterator[Metric]:
        """The numbers of each monitor's last successful run."""
        drift = _gauge(
            "monitor_drift_score",
            "Drift score of a column (last run)",
            ["monitor", "segment", "column", "method"],
        )
        drifted = _gauge(
            "monitor_column_drifted", "1 when the column drifted (last run)", ["monitor", "segment", "column"]
        )
        prediction = _gauge(
            "monitor_prediction_drift_score",
            "Drift score of the prediction",
            ["monitor", "segment", "column", "method"],
        )
        share = _gauge(
            "monitor_dataset_drift_share", "Share of drifted columns (last run)", ["monitor", "segment"]
        )
        dataset = _gauge(
            "monitor_dataset_drift", "1 when the dataset drifted (last run)", ["monitor", "segment"]
        )
        performance = _gauge(
            "monitor_performance", "Performance metric, current window", ["monitor", "segment", "metric"]
        )
        reference = _gauge(
            "monitor_performance_reference",
            "Performance metric, reference window",
            ["monitor", "segment", "metric"],
        )
        missing = _gauge(
            "monitor_missing_share",
            "Share of missing values, current window",
            ["monitor", "segment", "column"],
        )
        rows = _gauge(
            "monitor_rows", "Rows read (window: current | reference)", ["monitor", "segment", "window"]
        )
        firing = _gauge(
            "monitor_alert_firing", "1 while the alert is firing", ["monitor", "segment", "rule", "subject"]
        )
        for name, status in monitors.items():
            for alert in status.alerts:
                value = 1.0 if alert.status == "firing" else 0.0
                firing.add_metric([name, segment_of(alert.subject), alert.rule, alert.subject], value)
            for segment, result in _by_segment(status.result):
                rows.add_metric([name, segment, "current"], float(result.rows))
                rows.add_metric([name, segment, "reference"], float(result.reference_rows))
                if result.drift is not None:
                    share.add_metric([name, segment], result.drift.share)
                    dataset.add_metric([name, segment], float(result.drift.dataset_drift))
                    for column in result.drift.columns:
                        if column.score is not None:
                            drift.add_metric([name, segment, column.column, column.method], column.score)
                        drifted.add_metric([name, segment, column.column], float(column.drifted))
                for column_drift in (result.prediction_drift, *result.score_drift):
                    if column_drift is not None and column_drift.score is not None:
                        prediction.add_metric(
                            [name, segment, column_drift.column, column_drift.method], column_drift.score
                        )
                if result.performance is not None:
                    for metric in result.performance.metrics:
                        if metric.current is not None:
                            performance.add_metric([name, segment, metric.metric], metric.current)
                        if metric.reference is not None:
                            reference.add_metric([name, segment, metric.metric], metric.reference)
                for column_name, missing_share in result.missing.items():
                    missing.add_metric([name, segment, column_name], missing_share)
        yield from (drift, drifted, prediction, share, dataset, performance, reference, missing, rows, firing)

    def _estimates(self, monitors: dict[str, MonitorStatus]) -> Iterator[Metric]:
        """Performance estimated before labels (docs/reference.md, "Estimated performance")."""
        labels = ["monitor", "segment", "metric", "method"]
        estimate = _gauge("monitor_estimated_performance", "Estimated performance, current window", labels)
        lower = _gauge(
            "monitor_estimated_performance_lower", "Lower confidence bound of the estimate", labels
        )
        upper = _gauge(
            "monitor_estimated_performance_upper", "Upper confidence bound of the estimate", labels
        )
        for name, status in monitors.items():
            for segment, result in _by_segment(status.result):
                estimated = result.estimated_performance
                if estimated is None:
                    continue
                for metric in estimated.metrics:
                    for family, value in (
                        (estimate, metric.estimate),
                        (lower, metric.lower),
                        (upper, metric.upper),
                    ):
                        if value is not None:
                            family.add_metric([name, segment, metric.metric, estimated.method], value)
        yield from (estimate, lower, upper)

    def _multivariate(self, monitors: dict[str, MonitorStatus]) -> Iterator[Metric]:
        """Multivariate drift of each monitor's last successful run (docs/reference.md)."""
        score = _gauge(
            "monitor_multivariate_drift_score",
            "Multivariate drift score (last run)",
            ["monitor", "segment", "method"],
        )
        threshold = _gauge(
            "monitor_multivariate_drift_threshold",
            "Multivariate drift bound (bound: upper | lower)",
            ["monitor", "segment", "method", "bound"],
        )
        drifted = _gauge(
            "monitor_multivariate_drift",
            "1 when all features together drifted (last run)",
            ["monitor", "segment", "method"],
        )
        for name, status in monitors.items():
            for segment, result in _by_segment(status.result):
                drift = result.drift.multivariate if result.drift is not None else None
                if drift is None or drift.score is None:
                    continue
                score.add_metric([name, segment, drift.method], drift.score)
                drifted.add_metric([name, segment, drift.method], float(drift.drifted))
                for bound, value in (("upper", drift.threshold), ("lower", drift.lower_threshold)):
                    if value is not None:
                        threshold.add_metric([name, segment, drift.method, bound], value)
        yield from (score, threshold, drifted)

    def _incidents(self, monitors: dict[str, MonitorStatus]) -> Iterator[Metric]:
        """The data-incident figures of each monitor's last successful run (docs/reference.md)."""
        rate = _gauge(
            "monitor_rows_per_hour",
            "Rows per hour (window: current | reference)",
            ["monitor", "segment", "window"],
        )
        ratio = _gauge(
            "monitor_volume_ratio", "Rows per hour of the window / the reference's", ["monitor", "segment"]
        )
        age = _gauge(
            "monitor_freshness_seconds", "Age of the newest row at the run time", ["monitor", "segment"]
        )
        new = _gauge(
            "monitor_new_category_share",
            "Share of rows with a category unseen in the reference",
            ["monitor", "segment", "column"],
        )
        outside = _gauge(
            "monitor_out_of_range_share",
            "Share of rows outside the allowed range",
            ["monitor", "segment", "column"],
        )
        duplicate = _gauge("monitor_duplicate_share", "Share of rows repeating a key", ["monitor", "segment"])
        schema = _gauge(
            "monitor_schema_change",
            "1 when the column is missing or changed type",
            ["monitor", "segment", "column"],
        )
        for name, status in monitors.items():
            for segment, result in _by_segment(status.result):
                self._quality(name, segment, result, rate, ratio, age, new, outside, duplicate, schema)
        yield from (rate, ratio, age, new, outside, duplicate, schema)

    @staticmethod
    def _quality(
        name: str,
        segment: str,
        result: MonitorResult,
        *gauges: GaugeMetricFamily,
    ) -> None:
        rate, ratio, age, new, outside, duplicate, schema = gauges
        quality = result.quality
        if quality.volume is not None:
            rate.add_metric([name, segment, "current"], quality.volume.rows_per_hour)
            rate.add_metric([name, segment, "reference"], quality.volume.reference_rows_per_hour)
            if quality.volume.ratio is not None:
                ratio.add_metric([name, segment], quality.volume.ratio)
        if quality.freshness is not None and quality.freshness.age_seconds is not None:
            age.add_metric([name, segment], quality.freshness.age_seconds)
        for column, offending in (quality.new_categories or {}).items():
            new.add_metric([name, segment, column], offending.share)
        for column, offending in (quality.out_of_range or {}).items():
            outside.add_metric([name, segment, column], offending.share)
        if quality.duplicates is not None:
            duplicate.add_metric([name, segment], quality.duplicates.share)
        if result.segment is None:  # the source's columns: judged for the whole monitor only
            changed = {change.column for change in quality.schema}
            for column in dict.fromkeys([*changed, *result.missing]):
                schema.add_metric([name, segment, column], float(column in changed))

    def _runs(self, monitors: dict[str, MonitorStatus]) -> Iterator[Metric]:
        last_run = _gauge(
            "monitor_last_run_timestamp_seconds", "When the last run ended (Unix time)", ["monitor"]
        )
        last_success = _gauge(
            "monitor_last_success_timestamp_seconds", "When the last successful run ended", ["monitor"]
        )
        next_run = _gauge("monitor_next_run_timestamp_seconds", "When the next run is due", ["monitor"])
        duration = _gauge("monitor_run_duration_seconds", "How long the last run took", ["monitor"])
        running = _gauge("monitor_run_running", "1 while a run is going", ["monitor"])
        runs = CounterMetricFamily(
            "monitor_runs_total",
            "Runs ended since start (status: ok | alert | error | timeout)",
            labels=["monitor", "status"],
        )
        failures = CounterMetricFamily(
            "monitor_run_failures_total", "Runs that failed (source, store, timeout)", labels=["monitor"]
        )
        skipped = CounterMetricFamily(
            "monitor_runs_skipped_total", "Runs skipped: the previous run was still going", labels=["monitor"]
        )
        for name, status in monitors.items():
            if status.last_run_at is not None:
                last_run.add_metric([name], status.last_run_at.timestamp())
            if status.last_success_at is not None:
                last_success.add_metric([name], status.last_success_at.timestamp())
            upcoming = self.state.next_run(name) if self.state.role == "active" else None
            if upcoming is not None:
                next_run.add_metric([name], upcoming.timestamp())
            if status.last_duration is not None:
                duration.add_metric([name], status.last_duration)
            running.add_metric([name], float(status.running))
            for run_status in ("ok", "alert", "error", "timeout"):
                runs.add_metric([name, run_status], float(status.runs.get(run_status, 0)))
            failures.add_metric([name], float(status.failures))
            skipped.add_metric([name], float(status.skipped))
        yield from (last_run, last_success, next_run, duration, running, runs, failures, skipped)

    def _daemon(self) -> Iterator[Metric]:
        failed = CounterMetricFamily(
            "monitor_notifications_failed_total", "Notifications given up on", labels=["channel"]
        )
        for channel, count in sorted(self.state.notifications_failed.items()):
            failed.add_metric([channel], float(count))
        pending = _gauge("monitor_notifications_pending", "Notifications waiting in the outbox", [])
        if self.state.notifications_pending is not None:
            pending.add_metric([], float(self.state.notifications_pending))
        active = _gauge("monitor_daemon_active", "1 when this daemon holds the lease and runs monitors", [])
        active.add_metric([], float(self.state.role == "active"))
        store_up = _gauge("monitor_store_up", "1 when the store answered its last probe", [])
        store_up.add_metric([], float(self.state.store_error is None))
        yield from (failed, pending, active, store_up)


def _by_segment(result: MonitorResult | None) -> Iterator[tuple[str, MonitorResult]]:
    """The whole monitor's result (segment ``""``), then each checked segment's."""
    if result is None:
        return
    yield "", result
    for checked in result.segments:
        if checked.segment is not None:
            yield checked.segment.text, checked


def make_registry(state: DaemonState) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DaemonCollector(state))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
