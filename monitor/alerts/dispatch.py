"""Delivering the outbox: at least once, retried with backoff, one channel never holding up another.

Each due notification is attempted once per pass; the outcome is written back
to its row before the next attempt, so a crash at any point re-sends at most
the one message in flight, with the same delivery id.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from monitor.alerts.channels import Channel, make_channel
from monitor.alerts.retry import expired, next_delay
from monitor.config.models import Config
from monitor.errors import StoreError
from monitor.secrets import scrub
from monitor.store import OutboxItem, SQLAlchemyStore

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, config: Config, store: SQLAlchemyStore, rng: random.Random | None = None) -> None:
        self.config = config
        self.store = store
        self.rng = rng or random.Random()
        self.channels: dict[str, Channel] = {
            name: make_channel(name, channel) for name, channel in config.channels.items()
        }

    def deliver_due(self) -> int:
        """One pass over every due notification; returns how many were delivered."""
        now = datetime.now(timezone.utc)
        by_channel: dict[str, list[OutboxItem]] = defaultdict(list)
        for item in self.store.due_notifications(now, limit=500):
            by_channel[item.notification.channel].append(item)
        if not by_channel:
            return 0
        with ThreadPoolExecutor(max_workers=min(8, len(by_channel)), thread_name_prefix="deliver") as pool:
            counts = pool.map(self._deliver_channel, by_channel.keys(), by_channel.values())
            return sum(counts)

    def _deliver_channel(self, name: str, items: list[OutboxItem]) -> int:
        delivered = 0
        for item in items:
            try:
                delivered += self._deliver_one(name, item)
            except StoreError as exc:
                log.error("outbox: %s", exc)
                return delivered
        return delivered

    def _deliver_one(self, name: str, item: OutboxItem) -> int:
        delivery_id = item.notification.delivery_id
        now = datetime.now(timezone.utc)
        channel = self.channels.get(name)
        if channel is None:
            log.error("notification %s: channel %s is no longer configured; dropped", delivery_id, name)
            self.store.mark_attempt(
                delivery_id, status="failed", attempted_at=now, last_error="no such channel"
            )
            return 0
        result = channel.send(item.notification, now=now)
        answer = scrub(result.answer)[:500]
        if result.ok:
            log.info("notification %s sent to %s (%s)", delivery_id, name, result.status)
            self.store.mark_attempt(delivery_id, status="sent", attempted_at=now, last_status=result.status)
            return 1
        retry = self.config.channels[name].retry
        if not result.retry or expired(item.created_at, now, retry):
            why = "permanent failure" if not result.retry else f"gave up after {retry.max_age}"
            log.error(
                "notification %s to %s failed (%s): %s %s", delivery_id, name, why, result.status, answer
            )
            self.store.mark_attempt(
                delivery_id, status="failed", attempted_at=now, last_status=result.status, last_error=answer
            )
            return 0
        delay = next_delay(item.attempts + 1, retry, result.retry_after, self.rng)
        log.warning(
            "notification %s to %s not delivered (%s %s); retry in %.1fs",
            delivery_id,
            name,
            result.status,
            answer,
            delay,
        )
        self.store.mark_attempt(
            delivery_id,
            status="pending",
            attempted_at=now,
            next_attempt_at=now + timedelta(seconds=delay),
            last_status=result.status,
            last_error=answer,
        )
        return 0

    def drain(self, budget: float) -> None:
        """Deliver until nothing is due within ``budget`` seconds; what is left waits for the next run."""
        deadline = time.monotonic() + budget
        while True:
            self.deliver_due()
            wait = self._seconds_to_next_due()
            if wait is None or time.monotonic() + wait > deadline:
                return
            time.sleep(max(wait, 0.05))

    def _seconds_to_next_due(self) -> float | None:
        upcoming = self.store.next_due_at()
        if upcoming is None:
            return None
        return max(0.0, (upcoming - datetime.now(timezone.utc)).total_seconds())


def deliver_after_check(config: Config, store: SQLAlchemyStore, budget: float = 15.0) -> None:
    """`monitor check` delivers what it owes, waiting a bounded time for retries."""
    if not config.channels:
        return
    try:
        Dispatcher(config, store).drain(budget)
    except StoreError as exc:
        log.error("outbox: %s", exc)
    pending = store.pending_count()
    if pending:
        log.warning("%d notification(s) left in the outbox for the next run", pending)
