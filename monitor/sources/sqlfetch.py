"""The DBAPI read path of SQL sources: one SQLAlchemy engine per URL in the process, and rows
fetched as plain tuples into the frame every other read path must equal (``monitor.sources.arrowsql``
reads through ADBC where it gives this very frame).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.cursor import CursorFetchStrategy

from monitor.errors import SourceError
from monitor.secrets import mask_database_url
from monitor.sources.pgbinary import binary_results, loads_as_text, supports_binary
from monitor.sources.records import frame_from_chunks

logger = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """The process-wide engine of ``url`` (created on first use, pre-pinged on checkout)."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            try:
                engine = sa.create_engine(url, pool_pre_ping=True)
            except Exception:  # ArgumentError's text holds the whole URL, password included
                masked = mask_database_url(url)
                raise SourceError(
                    f"cannot use database URL {masked}: malformed, or its driver is not installed"
                ) from None
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every cached engine's pooled connections (at shutdown, after a fork, in tests)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def fetch_frame(
    connection: Connection, statement: sa.Select[Any], names: Sequence[str], raw: Collection[str] = ()
) -> pd.DataFrame:
    """Run ``statement`` and build the frame from plain tuples, a chunk at a time.

    Rows are read from the DBAPI cursor itself when SQLAlchemy buffers nothing
    (the usual case): the columns are untyped, so SQLAlchemy has nothing to
    convert, and building a frame from tuples is much faster than from Row
    objects (100k x 25 from SQLite: 0.39 s against 0.54 s for pandas.read_sql).
    Converting chunk by chunk (``monitor.sources.records``) keeps the objects in
    the CPU caches: at 1M rows x 24 columns, ~1.3 s against ~3 s for one conversion.
    PostgreSQL sends binary results when every column's type loads the same way
    in binary as in text (``monitor.sources.pgbinary``), else the statement runs again.
    The ``raw`` columns keep the fetched objects (see ``records.records_frame``).
    """
    if supports_binary(connection):
        with binary_results(connection):
            frame = _frame_of(connection, statement, names, raw, binary=True)
        if frame is not None:
            return frame
        logger.debug("a column's type differs in binary: reading it as text")
    frame = _frame_of(connection, statement, names, raw, binary=False)
    assert frame is not None  # only binary reads decline
    return frame


def _frame_of(
    connection: Connection,
    statement: sa.Select[Any],
    names: Sequence[str],
    raw: Collection[str],
    *,
    binary: bool,
) -> pd.DataFrame | None:
    """The frame of ``statement``'s rows; None when ``binary`` and a column's type loads differently."""
    with connection.execute(statement) as result:
        cursor = result.cursor
        if binary and not loads_as_text(cursor):
            return None
        fetch_chunk: Callable[[int], Sequence[Any]]
        if type(result.cursor_strategy) is CursorFetchStrategy and cursor is not None:
            fetch_chunk = cursor.fetchmany
        else:

            def fetch_chunk(size: int) -> list[tuple[Any, ...]]:
                return [tuple(row) for row in result.fetchmany(size)]

        return frame_from_chunks(fetch_chunk, names, raw)
