"""One active daemon per store: a lease row renewed by a heartbeat, taken over when it expires.

Acquiring is one conditional UPDATE (``WHERE holder = me OR expires_at < now``),
or an INSERT when no daemon ever held the lease; both are atomic on SQLite and
PostgreSQL, so two daemons racing for an expired lease cannot both win. Times
are the daemons' clocks (UTC): hosts sharing a store need synchronised clocks.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor.errors import StoreError
from monitor.store import schema
from monitor.store.abc import Store

log = logging.getLogger(__name__)

DAEMON_LEASE = "daemon"


def new_holder_id() -> str:
    """Who holds the lease, readable by an operator: host, process id and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Lease:
    """One daemon's hold on the store's lease: ``acquire`` at every heartbeat, ``release`` at exit."""

    def __init__(
        self, store: Store, ttl: timedelta, *, holder: str | None = None, name: str = DAEMON_LEASE
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.holder = holder or new_holder_id()
        self.name = name

    def acquire(self) -> bool:
        """Take or renew the lease; False when another live holder has it. Raises StoreError."""
        return self.store.acquire_lease(self.name, self.holder, self.ttl)

    def release(self) -> None:
        """Expire our lease now so a standby takes over at its next heartbeat. Raises StoreError."""
        self.store.release_lease(self.name, self.holder)

    def current_holder(self) -> tuple[str, datetime] | None:
        """(holder, expires_at) of the lease as the store has it, or None. Raises StoreError."""
        return self.store.lease_holder(self.name)


class LeaseStore:
    """The lease in SQL, mixed into ``SQLAlchemyStore``, which provides ``_begin`` (a translated
    transaction that creates the tables on first use)."""

    def _begin(self) -> AbstractContextManager[Connection]:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def acquire_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        table = schema.leases
        now = datetime.now(timezone.utc)
        expires_at = now + ttl
        with self._begin() as connection:
            taken = connection.execute(
                update(table)
                .where(table.c.name == name)
                .where((table.c.holder == holder) | (table.c.expires_at < now))
                .values(holder=holder, expires_at=expires_at)
            )
            if taken.rowcount == 1:
                return True
            exists = connection.execute(select(table.c.name).where(table.c.name == name)).first()
            if exists:
                return False
        try:
            with self._begin() as connection:
                connection.execute(insert(table).values(name=name, holder=holder, expires_at=expires_at))
        except StoreError as exc:
            if isinstance(exc.__context__, IntegrityError):  # another daemon inserted first: theirs
                return False
            raise
        return True

    def release_lease(self, name: str, holder: str) -> None:
        table = schema.leases
        with self._begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.name == name, table.c.holder == holder)
                .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
            )

    def lease_holder(self, name: str) -> tuple[str, datetime] | None:
        table = schema.leases
        with self._begin() as connection:
            row = connection.execute(
                select(table.c.holder, table.c.expires_at).where(table.c.name == name)
            ).first()
        return (str(row.holder), row.expires_at) if row else None
