"""Delivering the outbox: at least once, retried with backoff, one channel never holding up another.

Each channel is served by its own thread, so a receiver that hangs or fails
delays only its own messages. Within a channel, notifications go out oldest
first and a later message about an alert never overtakes an earlier one still
waiting (a ``resolved`` must not arrive before its ``firing``). When a receiver
answers "try again" (connection error, timeout, 408, 429, 5xx), the whole
channel waits out the backoff or ``Retry-After``: it is the receiver that is
struggling, and every further message would only add to its load.

A row is *claimed* in the store before its attempt and the outcome written back
right after, so a crash (kill -9) at any point re-sends at most the message in
flight, with the same delivery id, once its claim expires.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Collection
from datetime import datetime, timedelta, timezone

from monitor.alerts.channels import Channel, make_channel
from monitor.alerts.retry import DeliveryResult, expired, next_delay
from monitor.config.models import Config
from monitor.errors import MonitorError, StoreError
from monitor.records.store import OutboxItem
from monitor.secrets import scrub
from monitor.store import Store

log = logging.getLogger(__name__)

CLAIM_MARGIN = timedelta(seconds=2)  # beyond the request timeouts, before an unfinished claim expires
POLL = 1.0  # seconds between looks at the outbox when nothing is known to fall due sooner
BATCH = 200  # rows of one channel looked at per pass


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Dispatcher:
    """Delivers the outbox of one store with the channels of one config.

    ``monitor check`` calls ``drain(budget)``; the daemon runs ``run(stop)`` in a
    thread, calls ``wake()`` after a run wrote notifications and ``reload(config)``
    on SIGHUP (pending rows are kept and delivered with the new channel settings).
    """

    def __init__(self, config: Config, store: Store, rng: random.Random | None = None) -> None:
        self.store = store
        self.rng = rng or random.Random()
        self._wake = threading.Event()
        self.config = config
        self.channels: dict[str, Channel] = self._make_channels(config)

    @staticmethod
    def _make_channels(config: Config) -> dict[str, Channel]:
        return {name: make_channel(name, channel) for name, channel in config.channels.items()}

    def reload(self, config: Config) -> None:
        """Use a new config's channels from the next attempt on; nothing delivered is sent again."""
        channels = self._make_channels(config)
        self.config, self.channels = config, channels

    def wake(self) -> None:
        """Look at the outbox now (new notifications were written)."""
        self._wake.set()

    # -- one pass -------------------------------------------------------------------------------

    def deliver_due(self) -> int:
        """One pass over every channel with due notifications, channels in parallel; returns how many went."""
        names = self.store.due_channels(_utcnow())
        counts: dict[str, int] = {}
        threads = [
            threading.Thread(
                target=self._count_into, args=(counts, name), name=f"deliver-{name}", daemon=True
            )
            for name in names
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(counts.values())

    def _count_into(self, counts: dict[str, int], name: str) -> None:
        counts[name] = self.deliver_channel(name)

    def deliver_channel(
        self, name: str, stop: threading.Event | None = None, deadline: float | None = None
    ) -> int:
        """Send one channel's due notifications in order; stops early on ``stop`` or past ``deadline``."""
        try:
            return self._deliver_channel(name, stop, deadline)
        except StoreError as exc:
            log.error("outbox (channel %s): %s", name, exc)
        except Exception:  # a bug here must not end the dispatcher: the rows stay for the next pass
            log.exception("outbox (channel %s): delivery pass failed", name)
        return 0

    def _deliver_channel(self, name: str, stop: threading.Event | None, deadline: float | None) -> int:
        delivered = 0
        # alert id -> when its oldest pending notification is next due: later ones wait for it
        waiting: dict[str, datetime] = {}
        attempted = 0
        for item in self.store.pending_notifications(name, limit=BATCH):
            if stop is not None and stop.is_set():
                break
            if deadline is not None and attempted and time.monotonic() > deadline:
                break  # past the budget: one attempt per pass still goes out, the rest waits
            delivery_id = item.notification.delivery_id
            alert_ids = {event.alert_id for event in item.notification.events}
            now = _utcnow()
            blocked_until = max((waiting[a] for a in alert_ids if a in waiting), default=None)
            if item.next_attempt_at > now or blocked_until is not None:
                until = max(item.next_attempt_at, blocked_until or item.next_attempt_at)
                if until > item.next_attempt_at:  # not before the older message it follows
                    self.store.postpone(name, until, delivery_ids=[delivery_id])
                waiting.update({a: max(waiting.get(a, until), until) for a in alert_ids})
                continue
            channel = self.channels.get(name)
            # past its timeout an attempt is over, answered or not; a claim older than that is a crash's
            claim_until = now + CLAIM_MARGIN + (channel.config.timeout if channel else timedelta(0))
            if not self.store.claim(delivery_id, now, claim_until):  # another dispatcher has it
                waiting.update(dict.fromkeys(alert_ids, claim_until))
                continue
            sent, hold_until = self._attempt(name, channel, item, now)
            attempted += 1
            delivered += sent
            if hold_until is not None:
                self.store.postpone(name, hold_until)
                break
        return delivered

    # -- one attempt ----------------------------------------------------------------------------

    def _attempt(
        self, name: str, channel: Channel | None, item: OutboxItem, now: datetime
    ) -> tuple[bool, datetime | None]:
        """Send one notification and record the outcome: (sent, when the channel may be tried again)."""
        delivery_id = item.notification.delivery_id
        if channel is None:
            log.error("notification %s: channel %s is no longer configured; dropped", delivery_id, name)
            self.store.mark_attempt(
                delivery_id, status="failed", attempted_at=now, last_error="no such channel"
            )
            return False, None
        result = self._send(channel, item, now)
        answer = scrub(result.answer)[:500]
        if result.ok:
            log.info("notification %s sent to %s (%s)", delivery_id, name, answer)
            self.store.mark_attempt(delivery_id, status="sent", attempted_at=now, last_status=result.status)
            return True, None
        retry = channel.config.retry
        if not result.retry or expired(item.created_at, now, retry):
            why = "refused for good" if not result.retry else f"still failing after {retry.max_age}"
            log.error("notification %s to %s failed, %s: %s", delivery_id, name, why, answer)
            self.store.mark_attempt(
                delivery_id, status="failed", attempted_at=now, last_status=result.status, last_error=answer
            )
            return False, None
        delay = next_delay(item.attempts + 1, retry, result.retry_after, self.rng)
        log.warning(
            "notification %s to %s not delivered (%s); retry in %.1fs", delivery_id, name, answer, delay
        )
        next_attempt = now + timedelta(seconds=delay)
        self.store.mark_attempt(
            delivery_id,
            status="pending",
            attempted_at=now,
            next_attempt_at=next_attempt,
            last_status=result.status,
            last_error=answer,
        )
        return False, next_attempt

    @staticmethod
    def _send(channel: Channel, item: OutboxItem, now: datetime) -> DeliveryResult:
        try:
            return channel.send(item.notification, now=now)
        except (MonitorError, ValueError, TypeError, KeyError) as exc:
            # a notification this channel cannot render (its type changed on a reload): never sendable
            reason = f"cannot render for {channel.type}: {type(exc).__name__}: {exc}"
            return DeliveryResult(ok=False, retry=False, status=None, answer=channel.scrub(reason))

    # -- loops ----------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """The daemon's delivery loop, until ``stop`` is set. Messages in flight then are sent again later."""
        self._loop(stop, deadline=None)

    def drain(self, budget: float) -> int:
        """Deliver until nothing is due within ``budget`` seconds; returns how many are left pending."""
        self._loop(threading.Event(), deadline=time.monotonic() + budget)
        return self.store.pending_count()

    def _loop(self, stop: threading.Event, deadline: float | None) -> None:
        workers: dict[str, threading.Thread] = {}
        store_problem: str | None = None
        while not stop.is_set():
            workers = {name: thread for name, thread in workers.items() if thread.is_alive()}
            try:
                for name in sorted(self.store.due_channels(_utcnow()) - workers.keys()):
                    workers[name] = self._start_worker(name, stop, deadline)
                upcoming = self._seconds_to_next_due(exclude=workers.keys())
                store_problem = None
            except StoreError as exc:
                if str(exc) != store_problem:  # once per outage, not once a second
                    log.error("outbox: %s", exc)
                store_problem, upcoming = str(exc), None
            wait = POLL if upcoming is None else min(max(upcoming, 0.02), POLL)
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (not workers and (upcoming is None or upcoming > remaining)):
                    break
                wait = min(wait, remaining)
            self._wake.wait(wait)
            self._wake.clear()
        if deadline is not None:  # let a request in flight finish (its timeout bounds this)
            for thread in workers.values():
                thread.join()

    def _start_worker(self, name: str, stop: threading.Event, deadline: float | None) -> threading.Thread:
        def work() -> None:
            self.deliver_channel(name, stop, deadline)
            self._wake.set()  # the loop looks again: this channel may have more due

        thread = threading.Thread(target=work, name=f"deliver-{name}", daemon=True)
        thread.start()
        return thread

    def _seconds_to_next_due(self, exclude: Collection[str] = ()) -> float | None:
        upcoming = self.store.next_due_at(exclude=exclude)
        if upcoming is None:
            return None
        return max(0.0, (upcoming - _utcnow()).total_seconds())


def deliver_after_check(config: Config, store: Store, budget: float = 15.0) -> int:
    """`monitor check` delivers what it owes, waiting a bounded time for retries; returns what is left."""
    try:
        if not config.channels and not store.pending_count():
            return 0
        pending = Dispatcher(config, store).drain(budget)
    except StoreError as exc:
        log.error("outbox: %s", exc)
        return 0
    if pending:
        log.warning("%d notification(s) left in the outbox for the next run", pending)
    return pending


def unreached_channels_after_check(config: Config, store: Store, budget: float = 15.0) -> list[str]:
    """Deliver as `monitor check` does; name the channels left with undelivered or failed messages."""
    try:
        failed_before = store.failed_counts()
    except StoreError as exc:
        log.error("outbox: %s", exc)
        return []
    deliver_after_check(config, store, budget)
    try:
        failed_after = store.failed_counts()
        waiting = store.due_channels(_utcnow() + timedelta(days=36500))
    except StoreError as exc:
        log.error("outbox: %s", exc)
        return []
    newly_failed = {name for name, count in failed_after.items() if count > failed_before.get(name, 0)}
    return sorted(newly_failed | waiting)
