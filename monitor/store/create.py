"""Creating the store's tables on first use, safely when several processes start at once.

Creating checks which tables (and columns) exist and then creates the others: two processes
starting on a fresh store both see a table missing and the slower one fails with "table
already exists" (PostgreSQL may also report a duplicate ``pg_type`` row). So on PostgreSQL
the creation runs under an advisory lock (the second process waits, then finds every
table), and on every backend a creation that lost such a race is simply tried again: what
the other process created is there the second time (docs/reference.md, "Store").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

ATTEMPTS = 5
_LOCK_KEY = 0x6D6F6E69746F72  # "monitor": one advisory lock shared by every monitor process
_RACE_WORDS = (
    "already exists",
    "duplicate key",
    "duplicate column",
    "duplicate object",
    "unique constraint",
    "database is locked",
)


def create_safely(engine: Engine, create: Callable[[Engine], None]) -> None:
    """Run ``create`` (which creates what is missing) so that concurrent processes all succeed."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with _exclusive(engine):
                create(engine)
            return
        except DBAPIError as exc:
            if attempt == ATTEMPTS or not _lost_race(exc):
                raise
            log.debug("store: another process created the tables at the same time; checking again")


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time (a session advisory lock); elsewhere nothing."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            connection.rollback()


def _lost_race(exc: DBAPIError) -> bool:
    reason = str(exc.orig if exc.orig is not None else exc).lower()
    return any(words in reason for words in _RACE_WORDS)
