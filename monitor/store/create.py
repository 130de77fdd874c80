"""Creating the store's tables on first use, safely when several processes start at once.

``metadata.create_all`` checks which tables exist and then creates the others: two processes
starting on a fresh store both see a table missing and the slower one fails with "table
already exists" (PostgreSQL may also report a duplicate ``pg_type`` row). So on PostgreSQL
the creation runs under a transaction-scoped advisory lock (PostgreSQL's DDL is
transactional: the second process waits, then finds every table), and on every backend a
creation that lost such a race is simply tried again: the tables are there the second time.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, MetaData, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

ATTEMPTS = 5
_LOCK_KEY = 0x6D6F6E69746F72  # "monitor": one advisory lock shared by every monitor process
_RACE_WORDS = (
    "already exists",
    "duplicate key",
    "duplicate object",
    "unique constraint",
    "database is locked",
)


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """Create the tables and indexes ``metadata`` lacks in ``engine``'s database; raises SQLAlchemyError."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
                metadata.create_all(connection)
            return
        except DBAPIError as exc:
            if attempt == ATTEMPTS or not _lost_race(exc):
                raise
            log.debug("store: another process created the tables at the same time; checking again")


def _lost_race(exc: DBAPIError) -> bool:
    reason = str(exc.orig if exc.orig is not None else exc).lower()
    return any(words in reason for words in _RACE_WORDS)
