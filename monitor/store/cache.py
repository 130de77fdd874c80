"""Fitted models kept between runs (docs/reference.md, "Fitted models"), mixed into ``SQLAlchemyStore``.

A payload is bytes the caller made from arrays (npz) or JSON: the store never unpickles
anything. Reading one marks it used (at most once a day, so a daily check does not write on
every read); retention prunes those unused for longer than ``retention``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, delete, insert, select, update

from monitor.store import schema

TOUCH_EVERY = timedelta(days=1)


class CacheStore:
    """``load_cached``/``save_cached`` in SQL; the store provides ``_begin``."""

    def _begin(self) -> AbstractContextManager[Connection]:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def load_cached(self, monitor: str, kind: str, key: str) -> bytes | None:
        table = schema.cache
        where = (table.c.monitor == monitor) & (table.c.kind == kind) & (table.c.key == key)
        now = datetime.now(timezone.utc)
        with self._begin() as connection:
            row = connection.execute(select(table.c.payload, table.c.used_at).where(where)).first()
            if row is None:
                return None
            if row.used_at < now - TOUCH_EVERY:
                connection.execute(update(table).where(where).values(used_at=now))
        return bytes(row.payload)

    def save_cached(self, monitor: str, kind: str, key: str, payload: bytes) -> None:
        table = schema.cache
        where = (table.c.monitor == monitor) & (table.c.kind == kind) & (table.c.key == key)
        now = datetime.now(timezone.utc)
        with self._begin() as connection:
            # one statement per backend would need dialect upserts: delete then insert in one
            # transaction is portable, and two runs saving the same fit write the same bytes
            connection.execute(delete(table).where(where))
            connection.execute(
                insert(table).values(
                    monitor=monitor, kind=kind, key=key, payload=payload, created_at=now, used_at=now
                )
            )
