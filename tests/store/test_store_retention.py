"""Retention on SQLite and PostgreSQL: runs, metric values, alert changes and finished notifications
older than ``retention`` are pruned by ``monitor store prune`` and by the daemon; nothing newer,
no current alert state and no pending notification goes (issue 18)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from monitor.records.alerts import Step
from monitor.store import MetricValue, SQLAlchemyStore, schema
from tests.daemon.process import Daemon, write_config
from tests.store.test_store_contract import make_notification, make_run, make_state

NOW = datetime.now(timezone.utc)
OLD = NOW - timedelta(days=500)


def count(store: SQLAlchemyStore, table) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def fill(store: SQLAlchemyStore) -> dict[str, str]:
    """An old and a new run, each with 2 metric values, an alert change and 3 notifications:
    one sent, one failed, one still pending."""
    ids = {}
    for label, when in (("old", OLD), ("new", NOW - timedelta(hours=1))):
        run = replace(make_run(end=when - timedelta(seconds=1)), finished_at=when)
        before = make_state(status="inactive")
        after = replace(make_state(), alert_id=f"a-{label}")
        notes = [make_notification(channel="hook") for _ in range(3)]
        metrics = [MetricValue("drift_score", "amount", "psi", 0.1), MetricValue("rows", "", "", 10.0)]
        store.record_run(run, metrics, [Step(replace(before, alert_id=f"a-{label}"), after, "firing")], notes)
        store.mark_attempt(notes[0].delivery_id, status="sent", attempted_at=when)
        store.mark_attempt(notes[1].delivery_id, status="failed", attempted_at=when, last_error="410")
        ids[label] = run.run_id
        ids[f"{label}-pending"] = notes[2].delivery_id
    return ids


def test_prune_removes_only_old_history(store: SQLAlchemyStore) -> None:
    ids = fill(store)
    pruned = store.prune_history(NOW - timedelta(days=400))
    assert (pruned.runs, pruned.metric_values, pruned.alert_changes, pruned.outbox) == (1, 2, 1, 2)
    assert [run.run_id for run in store.runs("m", last=10)] == [ids["new"]]
    assert count(store, schema.metrics) == 2
    assert count(store, schema.alert_changes) == 1
    pending = {item.notification.delivery_id for item in store.pending_notifications("hook")}
    assert pending == {ids["old-pending"], ids["new-pending"]}  # undelivered is never history
    assert count(store, schema.outbox) == 4
    assert set(store.alert_states()) == {"a-old", "a-new"}  # current states stay
    assert store.prune_history(NOW - timedelta(days=400)).total == 0


def test_store_prune_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = SQLAlchemyStore(url)
    fill(store)
    store.close()
    config = write_config(
        tmp_path / "monitor.yaml", store=url, monitors={"m": "{every: 1h}"}, extra="retention: 30d"
    )
    result = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "store", "prune", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    pruned = "1 run(s), 2 metric value(s), 1 alert change(s), 2 finished notification(s), 0 cached item(s)"
    assert pruned in result.stdout
    store = SQLAlchemyStore(url)
    assert len(store.runs("m", last=10)) == 1
    store.close()


def test_the_daemon_prunes_when_it_becomes_active(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = SQLAlchemyStore(url)
    ids = fill(store)
    config = write_config(
        tmp_path / "monitor.yaml", store=url, monitors={"m": "{every: 1h}"}, extra="retention: 30d"
    )
    daemon = Daemon(config)
    try:
        daemon.wait_for("the prune", lambda: "pruned 1 run(s)" in daemon.log())
        assert ids["old"] not in {run.run_id for run in store.runs("m", last=10)}
        assert ids["new"] in {run.run_id for run in store.runs("m", last=10)}
    finally:
        code, _ = daemon.stop()
        store.close()
    assert code == 0
