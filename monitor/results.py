"""Run results: kept as an import path; the types live in :mod:`monitor.records`."""

from monitor.records.alerts import AlertSummary
from monitor.records.result import LOWER_IS_BETTER, MetricComparison, MonitorResult, Performance

__all__ = ["LOWER_IS_BETTER", "AlertSummary", "MetricComparison", "MonitorResult", "Performance"]
