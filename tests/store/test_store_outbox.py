"""The outbox's delivery bookkeeping over SQLite files and the live PostgreSQL: claims, holds, order."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from monitor.alerts.state import Step
from monitor.errors import StoreError
from tests.store.test_store_contract import make_notification, make_run, make_state


def enqueue(store, *notifications):
    store.record_run(make_run(), [], [], list(notifications))


def test_claim_takes_a_due_row_once(store):
    notification = make_notification()
    enqueue(store, notification)
    now = datetime.now(timezone.utc)
    until = now + timedelta(seconds=30)
    assert store.claim(notification.delivery_id, now, until)
    assert not store.claim(notification.delivery_id, now, until)  # claimed: no longer due
    assert store.due_notifications(now) == []
    assert store.due_channels(now) == set()
    assert store.next_due_at() == until
    assert store.claim(notification.delivery_id, until, until + timedelta(seconds=30))  # an expired claim


def test_concurrent_claims_have_one_winner(store):
    notification = make_notification()
    enqueue(store, notification)
    now = datetime.now(timezone.utc)
    wins = []
    barrier = threading.Barrier(4)

    def race():
        barrier.wait()
        wins.append(store.claim(notification.delivery_id, now, now + timedelta(minutes=1)))

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]


def test_postpone_holds_a_channel_and_never_brings_rows_forward(store):
    first, second, other = make_notification("hook"), make_notification("hook"), make_notification("slack")
    enqueue(store, first, second, other)
    now = datetime.now(timezone.utc)
    hold = now + timedelta(minutes=5)
    assert store.postpone("hook", hold) == 2
    assert store.due_channels(now) == {"slack"}
    assert store.postpone("hook", now + timedelta(minutes=1)) == 0  # an earlier time changes nothing
    assert store.postpone("slack", hold, delivery_ids=[other.delivery_id]) == 1
    assert store.next_due_at() == hold
    assert store.next_due_at(exclude=["hook", "slack"]) is None


def test_pending_rows_of_a_channel_come_oldest_first(store):
    older, newer = make_notification("hook"), make_notification("hook")
    store.record_run(make_run(), [], [], [older])
    store.record_run(make_run(end=make_run().window_end + timedelta(hours=1)), [], [], [newer])
    rows = store.pending_notifications("hook")
    assert [row.notification.delivery_id for row in rows] == [older.delivery_id, newer.delivery_id]
    assert store.pending_count() == 2
    assert store.pending_notifications("slack") == []


def test_state_change_and_its_notifications_commit_or_fail_together(store):
    firing = make_state("firing")
    inactive = replace(firing, status="inactive", breaches=0, last_notified_at=None)
    first = make_notification()
    store.record_run(make_run(), [], [Step(inactive, firing, "firing")], [first])
    resolved = replace(firing, status="resolved", resolved_at=firing.since + timedelta(hours=1))
    # the second notification reuses a delivery id: its insert fails after the state update ran
    with pytest.raises(StoreError):
        store.record_run(make_run(), [], [Step(firing, resolved, "resolved")], [make_notification(), first])
    assert store.alert_states()["a1"].status == "firing"  # rolled back with the outbox rows
    assert store.pending_count() == 1
