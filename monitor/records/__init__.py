"""The frozen result and record types every stage of a check shares.

    sources -> windows -> stats -> alert transitions -> store -> reports, dispatch

Each stage hands the next one of these plain values; none of them imports a stage,
so every package can depend on this one and on nothing above it in the flow.
"""

from monitor.records.alerts import AlertState, AlertSummary, RuleOutcome, Status, Step, alert_id
from monitor.records.drift import ColumnDrift, DriftResult, Kind, MultivariateDrift
from monitor.records.events import AlertEvent, DriftedColumn, Notification
from monitor.records.result import (
    LOWER_IS_BETTER,
    MetricComparison,
    MonitorResult,
    Performance,
    RunStatus,
)
from monitor.records.store import MetricValue, OutboxItem, RunRecord, Silence, new_id
from monitor.records.windows import Interval, Windows

__all__ = [
    "LOWER_IS_BETTER",
    "AlertEvent",
    "AlertState",
    "AlertSummary",
    "ColumnDrift",
    "DriftResult",
    "DriftedColumn",
    "Interval",
    "Kind",
    "MetricComparison",
    "MetricValue",
    "MonitorResult",
    "MultivariateDrift",
    "Notification",
    "OutboxItem",
    "Performance",
    "RuleOutcome",
    "RunRecord",
    "RunStatus",
    "Silence",
    "Status",
    "Step",
    "Windows",
    "alert_id",
    "new_id",
]
