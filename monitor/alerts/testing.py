"""The labelled test message of `monitor alerts test`: shaped like a real alert, clearly marked a test."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.records.alerts import alert_id
from monitor.records.events import AlertEvent, DriftedColumn, Notification
from monitor.records.store import new_id


def test_notification(channel: str, now: datetime | None = None) -> Notification:
    now = now or datetime.now(timezone.utc)
    event = AlertEvent(
        alert_id=alert_id("monitor-test", "test", channel),
        monitor="monitor-test",
        rule="test",
        subject=channel,
        status="firing",
        severity="info",
        summary=f"TEST notification from monitor to channel {channel}: if you can read this, delivery works.",
        value=0.0,
        threshold=0.0,
        started_at=now,
        resolved_at=None,
        window_start=now - timedelta(days=7),
        window_end=now,
        report_url=None,
        drifted_columns=(DriftedColumn("example_column", "wasserstein", 0.1234, 0.1),),
    )
    return Notification(
        delivery_id=new_id(), channel=channel, monitor="monitor-test", events=(event,), test=True
    )
