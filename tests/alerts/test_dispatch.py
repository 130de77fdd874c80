"""The outbox dispatcher over real receivers: retries, holds, isolation between channels, claims."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from monitor.alerts.dispatch import Dispatcher, deliver_after_check
from monitor.config.models import Config
from monitor.records.events import AlertEvent, Notification
from monitor.store import RunRecord, SQLAlchemyStore, new_id
from tests.alerts.scenario import receiver

SECRET = "whsec_" + "ZGlzcGF0Y2gtdGVzdC1rZXktMDEyMzQ1Njc4OQ=="
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def config_for(**channels: dict[str, Any]) -> Config:
    return Config.model_validate(
        {
            "channels": channels,
            "monitors": {
                "m": {
                    "source": {"url": "sqlite://", "table": "t", "timestamp": "ts"},
                    "reference": {"previous": "1d"},
                    "window": "1h",
                }
            },
        }
    )


def webhook(url: str, **extra: Any) -> dict[str, Any]:
    retry = {"initial": "0.1s", "max": "0.4s", "max_age": "1h"}
    return {"type": "webhook", "url": url, "secret": SECRET, "timeout": "1s", "retry": retry, **extra}


def event(alert_id: str = "a1", status: str = "firing") -> AlertEvent:
    return AlertEvent(
        alert_id=alert_id, monitor="m", rule="no_data", subject="window", status=status,  # type: ignore[arg-type]
        severity="warning", summary="no rows", value=0.0, threshold=0.0, started_at=T0,
        resolved_at=None, window_start=T0 - timedelta(hours=1), window_end=T0,
    )  # fmt: skip


def enqueue(store: SQLAlchemyStore, *notifications: Notification) -> None:
    """Notifications written as a run writes them (record_run), due at once."""
    now = datetime.now(timezone.utc)
    run = RunRecord(
        new_id(), "m", now, now, T0 - timedelta(hours=1), T0, 0, None, None, None, "alert", None, None, None,
        None, {},
    )  # fmt: skip
    store.record_run(run, [], [], list(notifications))


def note(channel: str, alert_id: str = "a1", status: str = "firing") -> Notification:
    return Notification(new_id(), channel, "m", (event(alert_id, status),))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLAlchemyStore]:
    store = SQLAlchemyStore(f"sqlite:///{tmp_path / 'state.db'}")
    yield store
    store.close()


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """Accepts connections (the kernel does) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"


def verify(request: Any) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in request.headers.items()}
    body: dict[str, Any] = Webhook(SECRET).verify(request.body, headers)
    return body


def test_500_500_429_then_200_is_one_accepted_delivery_with_one_id(store: SQLAlchemyStore) -> None:
    script = [(500, "oops", {}), (500, "oops", {}), (429, "slow down", {"Retry-After": "1"})]
    with receiver(script=script, default=(200, "", {})) as hook:
        enqueue(store, note("hook"))
        started = time.monotonic()
        left = Dispatcher(config_for(hook=webhook(hook.url + "/hook")), store).drain(10)
    assert left == 0
    assert [r.answered for r in hook.received] == [500, 500, 429, 200]
    assert len({r.headers["webhook-id"] for r in hook.received}) == 1
    assert all(verify(r)["status"] == "firing" for r in hook.received)  # every attempt is signed anew
    assert hook.received[3].at - hook.received[2].at >= 0.95  # Retry-After: 1 was honoured
    assert time.monotonic() - started < 5


def test_retry_after_http_date_holds_the_whole_channel(store: SQLAlchemyStore) -> None:
    def three_seconds_on() -> str:
        # the date is written when the receiver answers, however late a loaded machine sends:
        # whole seconds, so the channel is held 2-3 s from the answer
        return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=3), usegmt=True)

    with receiver(
        script=[(503, "maintenance", {"Retry-After": three_seconds_on})], default=(204, "", {})
    ) as hook:
        enqueue(store, note("hook", "a1"), note("hook", "a2"), note("hook", "a3"))
        Dispatcher(config_for(hook=webhook(hook.url + "/hook")), store).drain(0.5)
        assert len(hook.received) == 1  # the other two were not piled onto a receiver in maintenance
        assert store.pending_count() == 3
        # a budget well past the hold: drain returns as soon as the outbox is empty
        left = Dispatcher(config_for(hook=webhook(hook.url + "/hook")), store).drain(30)
    assert left == 0
    assert [r.answered for r in hook.received] == [503, 204, 204, 204]
    assert hook.received[1].at - hook.received[0].at >= 1.9  # the date was honoured, not the backoff


@pytest.mark.parametrize(("status", "body"), [(400, "invalid_payload"), (403, "forbidden"), (410, "gone")])
def test_permanent_failure_is_not_retried_logged_and_counted(
    store: SQLAlchemyStore, caplog: pytest.LogCaptureFixture, status: int, body: str
) -> None:
    with receiver(default=(status, body, {})) as hook:
        enqueue(store, note("hook"))
        left = Dispatcher(config_for(hook=webhook(hook.url + "/hook")), store).drain(2)
    assert left == 0 and len(hook.received) == 1
    assert store.failed_counts() == {"hook": 1}
    assert any(str(status) in r.getMessage() and body in r.getMessage() for r in caplog.records)


def test_given_up_after_max_age(store: SQLAlchemyStore) -> None:
    with receiver(default=(503, "down", {})) as hook:
        enqueue(store, note("hook"))
        time.sleep(0.3)
        config = config_for(hook=webhook(hook.url + "/hook", retry={"initial": "0.1s", "max_age": "0.2s"}))
        Dispatcher(config, store).drain(2)
    assert len(hook.received) == 1
    assert store.failed_counts() == {"hook": 1}


def test_a_hanging_channel_never_delays_or_duplicates_another(
    store: SQLAlchemyStore, hanging_url: str
) -> None:
    with receiver(default=(204, "", {})) as fast:
        config = config_for(slow=webhook(hanging_url, timeout="0.6s"), fast=webhook(fast.url + "/hook"))
        enqueue(store, note("slow"), note("fast"))
        started = time.monotonic()
        Dispatcher(config, store).drain(1)
        assert len(fast.received) == 1
        assert fast.received[0].at - started < 0.4  # not after the slow one's timeout
        Dispatcher(config, store).drain(0)
        assert len(fast.received) == 1  # never sent again
    assert store.pending_count() == 1  # the slow one waits for its next try


def test_daemon_loop_serves_each_channel_on_its_own(store: SQLAlchemyStore, hanging_url: str) -> None:
    with receiver(default=(204, "", {})) as fast:
        slow = webhook(hanging_url, timeout="3s")
        dispatcher = Dispatcher(config_for(slow=slow, fast=webhook(fast.url + "/hook")), store)
        stop = threading.Event()
        loop = threading.Thread(target=dispatcher.run, args=(stop,), daemon=True)
        enqueue(store, note("slow"))
        loop.start()
        try:
            time.sleep(0.3)  # the slow channel is now stuck in its request
            enqueue(store, note("fast"))
            sent_at = time.monotonic()
            dispatcher.wake()
            assert fast.arrived.wait(2)
            assert fast.received[0].at - sent_at < 1.0
        finally:
            stop.set()
            loop.join(5)
        assert not loop.is_alive()
        assert len(fast.received) == 1


def test_two_dispatchers_on_one_store_send_each_notification_once(store: SQLAlchemyStore) -> None:
    with receiver(default=(204, "", {})) as hook:
        config = config_for(hook=webhook(hook.url + "/hook"))
        enqueue(store, *[note("hook", f"a{i}") for i in range(20)])
        first, second = Dispatcher(config, store), Dispatcher(config, store)
        threads = [threading.Thread(target=d.drain, args=(3,)) for d in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    ids = [r.headers["webhook-id"] for r in hook.received]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_removed_channel_and_unrenderable_rows_fail_without_stopping_others(
    store: SQLAlchemyStore,
) -> None:
    with receiver(default=(204, "", {})) as hook:
        grouped = Notification(
            new_id(), "hook", "m", (event("a1"), event("a2"))
        )  # written for a grouping type
        enqueue(store, note("gone"), grouped, note("hook", "a3"))
        left = Dispatcher(config_for(hook=webhook(hook.url + "/hook")), store).drain(2)
    assert left == 0
    assert store.failed_counts() == {"gone": 1, "hook": 1}
    assert [verify(r)["alert_id"] for r in hook.received] == ["a3"]


def test_deliver_after_check_is_bounded_and_leaves_the_rest(
    store: SQLAlchemyStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with receiver(default=(503, "down", {})) as hook:
        enqueue(store, note("hook"))
        started = time.monotonic()
        left = deliver_after_check(config_for(hook=webhook(hook.url + "/hook")), store, budget=1.0)
        elapsed = time.monotonic() - started
    assert left == 1 and elapsed < 2  # stops once the next retry falls after the budget
    assert len(hook.received) >= 3  # retried with backoff while the budget lasted
    assert any("left in the outbox" in r.getMessage() for r in caplog.records)
