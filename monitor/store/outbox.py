"""The outbox part of the store: notifications waiting for delivery, claimed, attempted, given up.

Rows are written by ``record_run`` in the transaction that changes the alert
states, and only their delivery bookkeeping changes afterwards. A dispatcher
*claims* a row before sending it (one conditional UPDATE), so two dispatchers
on one store (the daemon and a manual ``monitor check``) never send the same
row at once; a claim that its dispatcher did not finish (kill -9) simply
expires and the row is due again, with the same delivery id.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from monitor.records.events import AlertEvent, Notification
from monitor.records.store import OutboxItem
from monitor.store import schema


class OutboxStore:
    """Mixed into ``SQLAlchemyStore``, which provides ``_begin`` (a translated transaction)."""

    def _begin(self) -> AbstractContextManager[Connection]:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def due_notifications(
        self, now: datetime, limit: int = 100, channel: str | None = None
    ) -> list[OutboxItem]:
        """Pending rows whose next attempt is due, oldest first."""
        table = schema.outbox
        query = select(table).where(table.c.status == "pending", table.c.next_attempt_at <= now)
        if channel is not None:
            query = query.where(table.c.channel == channel)
        return self._items(query.order_by(table.c.created_at, table.c.delivery_id).limit(limit))

    def pending_notifications(self, channel: str, limit: int = 500) -> list[OutboxItem]:
        """Every pending row of one channel, due or not, oldest first: delivery keeps this order."""
        table = schema.outbox
        query = select(table).where(table.c.status == "pending", table.c.channel == channel)
        return self._items(query.order_by(table.c.created_at, table.c.delivery_id).limit(limit))

    def due_channels(self, now: datetime) -> set[str]:
        table = schema.outbox
        query = select(table.c.channel).where(table.c.status == "pending", table.c.next_attempt_at <= now)
        with self._begin() as connection:
            return {str(row[0]) for row in connection.execute(query.distinct())}

    def next_due_at(self, exclude: Collection[str] = ()) -> datetime | None:
        """When the next pending row falls due, leaving out the channels in ``exclude``."""
        table = schema.outbox
        query = select(table.c.next_attempt_at).where(table.c.status == "pending")
        if exclude:
            query = query.where(table.c.channel.not_in(list(exclude)))
        with self._begin() as connection:
            value: datetime | None = connection.execute(
                query.order_by(table.c.next_attempt_at).limit(1)
            ).scalar()
        return value

    def failed_counts(self) -> dict[str, int]:
        """Notifications given up on, per channel (for monitor_notifications_failed_total)."""
        table = schema.outbox
        query = (
            select(table.c.channel, func.count()).where(table.c.status == "failed").group_by(table.c.channel)
        )
        with self._begin() as connection:
            return {str(row[0]): int(row[1]) for row in connection.execute(query)}

    def pending_count(self) -> int:
        table = schema.outbox
        query = select(func.count()).select_from(table).where(table.c.status == "pending")
        with self._begin() as connection:
            return int(connection.execute(query).scalar() or 0)

    def claim(self, delivery_id: str, now: datetime, until: datetime) -> bool:
        """Take a due row for one attempt until ``until``; False when it is not due or someone has it."""
        table = schema.outbox
        with self._begin() as connection:
            taken = connection.execute(
                update(table)
                .where(
                    table.c.delivery_id == delivery_id,
                    table.c.status == "pending",
                    table.c.next_attempt_at <= now,
                )
                .values(next_attempt_at=until)
            )
            return bool(taken.rowcount == 1)

    def postpone(self, channel: str, until: datetime, delivery_ids: Collection[str] | None = None) -> int:
        """Hold pending rows of a channel (all, or those named) until ``until``; never brings one forward."""
        table = schema.outbox
        query = update(table).where(
            table.c.channel == channel, table.c.status == "pending", table.c.next_attempt_at < until
        )
        if delivery_ids is not None:
            query = query.where(table.c.delivery_id.in_(list(delivery_ids)))
        with self._begin() as connection:
            return int(connection.execute(query.values(next_attempt_at=until)).rowcount or 0)

    def mark_attempt(
        self,
        delivery_id: str,
        *,
        status: str,
        attempted_at: datetime,
        next_attempt_at: datetime | None = None,
        last_status: int | None = None,
        last_error: str | None = None,
    ) -> None:
        table = schema.outbox
        values: dict[str, Any] = {
            "status": status,
            "attempts": table.c.attempts + 1,
            "last_attempt_at": attempted_at,
            "last_status": last_status,
            "last_error": last_error,
        }
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        with self._begin() as connection:
            connection.execute(update(table).where(table.c.delivery_id == delivery_id).values(**values))

    def _items(self, query: Any) -> list[OutboxItem]:
        with self._begin() as connection:
            return list(_outbox_items(connection.execute(query)))


def outbox_row(notification: Notification, now: datetime) -> dict[str, Any]:
    """The row of a new notification: due at once. Channel *name* and events only, no channel config."""
    return {
        "delivery_id": notification.delivery_id,
        "channel": notification.channel,
        "monitor": notification.monitor,
        "created_at": now,
        "payload": json.dumps([event.to_dict() for event in notification.events]),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }


def _outbox_items(rows: Any) -> Iterator[OutboxItem]:
    for row in rows:
        values = row._mapping
        events = tuple(AlertEvent.from_dict(event) for event in json.loads(values["payload"]))
        notification = Notification(
            delivery_id=values["delivery_id"],
            channel=values["channel"],
            monitor=values["monitor"],
            events=events,
        )
        yield OutboxItem(
            notification=notification,
            status=values["status"],
            attempts=values["attempts"],
            created_at=values["created_at"],
            next_attempt_at=values["next_attempt_at"],
            last_status=values["last_status"],
            last_error=values["last_error"],
        )
