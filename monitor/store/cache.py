"""The store's cache: bytes that are expensive to compute and cheap to keep (docs/reference.md, "Store").

A reference profile or a fitted model is saved under (monitor, kind, key); the key says what
it was computed from (a window, the columns, a fingerprint of the data), so a changed input is
a new key, never a stale hit. Only the newest ``KEEP`` entries per (monitor, kind) stay: a
monitor whose reference moves leaves no trail of old profiles. Retention forgets entries saved
before its cut-off like any other history (the next run computes them again). Payloads are
bytes the caller serialised in a format of its own; the store never unpickles anything.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from monitor.store import schema

KEEP = 4  # entries per (monitor, kind): the current one, and a few a config change may come back to
KIND_LENGTH = 64
KEY_LENGTH = 200


class CacheStore:
    """The cache in SQL, mixed into ``SQLAlchemyStore``, which provides ``_begin`` (a translated
    transaction that creates the tables on first use)."""

    def _begin(self) -> AbstractContextManager[Connection]:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def load_cached(self, monitor: str, kind: str, key: str) -> bytes | None:
        _check_names(kind, key)
        table = schema.cache
        query = select(table.c.payload).where(
            table.c.monitor == monitor, table.c.kind == kind, table.c.key == key
        )
        with self._begin() as connection:
            payload = connection.execute(query).scalar()
        return None if payload is None else bytes(payload)

    def save_cached(self, monitor: str, kind: str, key: str, payload: bytes) -> None:
        _check_names(kind, key)
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise TypeError(f"cache payload must be bytes, not {type(payload).__name__}")
        table = schema.cache
        saved_at = datetime.now(timezone.utc)
        this_entry = and_(table.c.monitor == monitor, table.c.kind == kind, table.c.key == key)
        with self._begin() as connection:
            _upsert(connection, monitor, kind, key, bytes(payload), saved_at)
            newest_first = connection.execute(
                select(table.c.id)
                .where(table.c.monitor == monitor, table.c.kind == kind)
                .order_by(table.c.saved_at.desc(), table.c.id.desc())
            ).scalars()
            older = [entry_id for position, entry_id in enumerate(newest_first) if position >= KEEP]
            if older:  # never the entry just saved, even when another process's clock runs ahead
                connection.execute(delete(table).where(table.c.id.in_(older), ~this_entry))


def _upsert(
    connection: Connection, monitor: str, kind: str, key: str, payload: bytes, saved_at: datetime
) -> None:
    """Insert or replace one entry atomically, so two processes saving the same key both succeed."""
    table = schema.cache
    values = {"monitor": monitor, "kind": kind, "key": key, "payload": payload, "saved_at": saved_at}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        upsert: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        upsert = sqlite.insert(table)
    else:
        upsert = None
    if upsert is not None:
        statement = upsert.values(**values)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.monitor, table.c.kind, table.c.key],
                set_={"payload": statement.excluded.payload, "saved_at": statement.excluded.saved_at},
            )
        )
        return
    # other dialects: replace in place, else insert (a concurrent insert of the same key fails
    # that run's save with StoreError; the next run saves it again)
    changed = connection.execute(
        update(table)
        .where(table.c.monitor == monitor, table.c.kind == kind, table.c.key == key)
        .values(payload=payload, saved_at=saved_at)
    ).rowcount
    if not changed:
        connection.execute(insert(table).values(**values))


def _check_names(kind: str, key: str) -> None:
    if not kind or len(kind) > KIND_LENGTH:
        raise ValueError(f"cache kind must have 1 to {KIND_LENGTH} characters: {kind[:80]!r}")
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"cache key must have 1 to {KEY_LENGTH} characters (hash longer ones): {key[:80]!r}")
