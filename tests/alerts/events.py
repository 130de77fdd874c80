"""One alert event to render, shared by the channel tests: each file changes what it tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from monitor.records.events import AlertEvent, DriftedColumn

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def alert_event(**changes: Any) -> AlertEvent:
    """A firing dataset-drift alert of monitor ``churn`` at ``T0``, with ``changes`` applied."""
    values: dict[str, Any] = {
        "alert_id": "churn:dataset_drift:",
        "monitor": "churn",
        "rule": "dataset_drift",
        "subject": "",
        "status": "firing",
        "severity": "warning",
        "summary": "62% of columns drifted (threshold 50%)",
        "value": 0.62,
        "threshold": 0.5,
        "started_at": T0,
        "resolved_at": None,
        "window_start": T0 - timedelta(hours=1),
        "window_end": T0,
        "report_url": "https://reports.example.com/churn/1.html",
        "drifted_columns": (DriftedColumn("age", "psi", 0.31, 0.2),),
    }
    values.update(changes)
    return AlertEvent(**values)
