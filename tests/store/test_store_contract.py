"""One contract suite for the store, run over SQLite files and the live PostgreSQL."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from monitor.alerts.state import AlertState, Step
from monitor.errors import StoreError
from monitor.records.events import AlertEvent, Notification
from monitor.store import MetricValue, RunRecord, Silence, SQLAlchemyStore, new_id

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def make_run(monitor="m", end=T0, status="ok"):
    return RunRecord(
        run_id=new_id(),
        monitor=monitor,
        started_at=end,
        finished_at=end + timedelta(seconds=1),
        window_start=end - timedelta(days=7),
        window_end=end,
        rows=10,
        reference_start=end - timedelta(days=37),
        reference_end=end - timedelta(days=7),
        reference_rows=100,
        status=status,
        error=None,
        drift_share=0.25,
        dataset_drift=False,
        report_path=None,
        result={"monitor": monitor, "window": {"rows": 10}},
    )


def make_state(status="firing"):
    return AlertState(
        alert_id="a1",
        monitor="m",
        rule="column_drift",
        subject="amount",
        status=status,
        breaches=1,
        severity="warning",
        value=0.3,
        threshold=0.1,
        summary="amount drifted",
        since=T0,
        started_at=T0,
        last_notified_at=T0,
    )


def make_notification(channel="hook"):
    event = AlertEvent(
        alert_id="a1", monitor="m", rule="column_drift", subject="amount", status="firing",
        severity="warning", summary="amount drifted", value=0.3, threshold=0.1, started_at=T0,
        resolved_at=None, window_start=T0 - timedelta(days=7), window_end=T0,
    )  # fmt: skip
    return Notification(new_id(), channel, "m", (event,))


def test_run_metrics_and_history_roundtrip(store):
    first, second = make_run(end=T0), make_run(end=T0 + timedelta(hours=1), status="alert")
    store.record_run(first, [MetricValue("drift_score", "amount", "psi", 0.1)], [], [])
    store.record_run(second, [MetricValue("drift_score", "amount", "psi", 0.4)], [], [])
    runs = store.runs("m")
    assert [run.run_id for run in runs] == [second.run_id, first.run_id]
    assert runs[0] == second  # aware UTC times and JSON come back as written
    assert store.last_run("m").status == "alert"
    assert store.metric_history("m", "drift_score", "amount") == [
        (T0, 0.1),
        (T0 + timedelta(hours=1), 0.4),
    ]
    assert store.runs("other") == []


def test_alert_state_and_outbox_written_together(store):
    state = make_state()
    before = replace(state, status="inactive", breaches=0)
    notification = make_notification()
    store.record_run(make_run(), [], [Step(before, state, "firing")], [notification])
    assert store.alert_states("m") == {"a1": state}
    due = store.due_notifications(T0 + timedelta(days=365))
    assert [item.notification for item in due] == [notification]
    # a second run updates the same alert row
    resolved = replace(state, status="resolved", resolved_at=T0 + timedelta(hours=1))
    store.record_run(make_run(end=T0 + timedelta(hours=1)), [], [Step(state, resolved, "resolved")], [])
    assert store.alert_states()["a1"].status == "resolved"


def test_outbox_attempts(store):
    notification = make_notification()
    store.record_run(make_run(), [], [], [notification])
    now = datetime.now(timezone.utc)
    later = now + timedelta(seconds=30)
    store.mark_attempt(notification.delivery_id, status="pending", attempted_at=now, next_attempt_at=later)
    assert store.due_notifications(now) == []
    assert store.next_due_at() == later
    [item] = store.due_notifications(later)
    assert item.attempts == 1
    store.mark_attempt(notification.delivery_id, status="failed", attempted_at=later, last_status=400)
    assert store.pending_count() == 0
    assert store.failed_counts() == {"hook": 1}


def test_silences(store):
    silence = Silence(new_id(), "m", "column_drift", None, T0, T0 + timedelta(hours=2), "known", T0)
    store.add_silence(silence)
    [active] = store.silences(T0 + timedelta(hours=1))
    assert active.matches("m", "column_drift", "amount", T0 + timedelta(hours=1))
    assert not active.matches("m", "dataset_drift", "dataset", T0 + timedelta(hours=1))
    assert store.silences(T0 + timedelta(hours=3)) == []
    assert store.remove_silence(silence.silence_id)
    assert not store.remove_silence(silence.silence_id)


def test_unreachable_store_masks_password():
    store = SQLAlchemyStore("postgresql+psycopg://monitor:hunter2secret@127.0.0.1:1/state")
    with pytest.raises(StoreError) as info:
        store.ping()
    assert "hunter2secret" not in str(info.value)
    assert "127.0.0.1:1" in str(info.value)
    assert info.value.__cause__ is None  # the driver's text, which may quote the URL, is not chained
