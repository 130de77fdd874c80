"""SQL windows read as Arrow through ADBC (SQLite, PostgreSQL), converted to today's frame.

The DBAPI path creates one Python object per cell and pandas converts them back
(about 4 s per 1M-row x 24-column window from SQLite). The ADBC drivers
(``adbc-driver-sqlite``, ``adbc-driver-postgresql``; Apache-2.0, in the base install)
hand over Arrow columns instead; see docs/reference.md, "Reading SQL
sources", for the figures behind the choice.

The statement is the one the SQLAlchemy path runs, compiled by the dialect
(identifiers quoted, window bounds and keys as positional bound parameters, never
formatted into the text). The frame must be exactly the one the DBAPI path gives, so a
read is *declined* (``None``: the caller runs the SQLAlchemy path) whenever that
cannot be guaranteed: a column type outside the short lists below, a SQLite column
whose values do not all have the storage class of its first rows (the driver infers one
type per column and raises on a different one), or any driver error, which the
SQLAlchemy path then reports in its usual words.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import ModuleType
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.engine import URL, Dialect

from monitor.secrets import MASK, mask_database_url
from monitor.sources.adbcquirks import (
    as_settings,
    checked_positions,
    set_statement,
    string_positions,
    text_verdict,
    with_text_check,
)
from monitor.sources.timestamps import to_utc_timestamps

logger = logging.getLogger(__name__)

DRIVERS = {"sqlite": "adbc_driver_sqlite.dbapi", "postgresql": "adbc_driver_postgresql.dbapi"}

# Rows from which the SQLite driver infers a column's type (its default, 1024, makes a column
# NULL in its first rows, e.g. late labels, a type mismatch later and so a declined read).
_SQLITE_BATCH_ROWS = 65536

# PostgreSQL types whose Arrow column converts to the very values psycopg gives (the same set
# as monitor.sources.pgbinary); timestamps only for the time column, converted here to UTC.
_PG_TYPES = frozenset({"bool", "int2", "int4", "int8", "float8", "text", "varchar", "date"})
_PG_TIME_TYPES = frozenset({"timestamp", "timestamptz"})
_PG_TYPE = b"POSTGRESQL:type"

_UTC_NS = pa.timestamp("ns", tz="UTC")
_TRIAL_ROWS = 1024


def load_driver(backend: str) -> ModuleType | None:
    """The ADBC DBAPI module for a SQLAlchemy backend name, or None when none is installed."""
    name = DRIVERS.get(backend)
    if name is None:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class ArrowReader:
    """Reads statements of one database through its ADBC driver."""

    def __init__(self, url: URL, driver: ModuleType, password: str | None) -> None:
        self.backend = url.get_backend_name()
        self._driver = driver
        self._password = password
        self._target = _driver_target(url)
        self._dialect: Dialect = (
            psycopg.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
            if self.backend == "postgresql"
            else pysqlite.dialect()
        )

    @classmethod
    def for_url(cls, url: URL, password: str | None) -> ArrowReader | None:
        """A reader for ``url``, or None: another dialect, no driver installed, no file to share."""
        backend = url.get_backend_name()
        if backend == "sqlite" and (
            not url.database
            or url.database == ":memory:"
            or url.database.startswith("file:")
            or url.query.get("uri")
        ):
            return None  # an in-memory database is not shared with a second connection
        driver = load_driver(backend)
        if driver is None:
            logger.debug("no ADBC driver for %s: reading through SQLAlchemy", backend)
            return None
        return cls(url, driver, password)

    def read(
        self,
        statements: Sequence[sa.Select[Any]],
        names: Sequence[str],
        time_column: str | None = None,
        cuts: Sequence[tuple[datetime, datetime]] | None = None,
        text_columns: Collection[str] | None = None,
    ) -> pd.DataFrame | None:
        """The frame the DBAPI path would give for the rows of ``statements`` one after another
        (columns ``names``; ``time_column`` parsed where Arrow can), or None when declined.

        Several statements (slices of one window, in time order) are read concurrently, on
        connections of their own. ``cuts`` are the slices' [start, end) when their filters
        may overlap (a superset of the slice, as for ISO text): each slice's rows are then cut
        to it, which needs its times parsed in Arrow (else declined). ``text_columns``: the
        columns of a SQLite table that may hold text by their declared type (None: unknown).
        """
        try:
            if len(statements) == 1:
                tables = [self._read_one(statements[0], names, text_columns)]
            else:
                with ThreadPoolExecutor(len(statements), thread_name_prefix="adbc-read") as pool:
                    tables = list(
                        pool.map(lambda statement: self._read_one(statement, names, text_columns), statements)
                    )
            parts = [_typed(table, time_column, self.backend) for table in tables if table is not None]
            if len(parts) < len(statements) or any(part is None for part in parts):
                return None
            if cuts is not None:
                parts = [_cut(part, time_column, *cut) for part, cut in zip(parts, cuts, strict=True)]
            return to_frame(pa.concat_tables(parts, promote_options="permissive"))
        except Exception as exc:  # any driver error: the SQLAlchemy path reads it, or reports it
            logger.debug("ADBC read declined, reading through SQLAlchemy: %s", self._scrub(str(exc)))
            return None

    def _read_one(
        self, statement: sa.Select[Any], names: Sequence[str], text_columns: Collection[str] | None
    ) -> pa.Table | None:
        """The rows of one statement (columns ``names``); None when a SQLite text column also
        holds other values (``monitor.sources.adbcquirks``)."""
        if self.backend != "sqlite":
            return self._run(statement).rename_columns(list(names))
        if text_columns is None:  # a query: the columns the driver reads as strings, from its first rows
            first_rows = self._run(statement.limit(_SQLITE_BATCH_ROWS))
            positions = sorted(string_positions(first_rows, len(names)))
        else:
            positions = checked_positions(names, text_columns)
        table = self._run(with_text_check(statement, positions))
        verdict = text_verdict(table, positions, len(names))
        if verdict is None:  # read as strings but not checked: the same rows give the same types
            positions = sorted(set(positions) | string_positions(table, len(names)))
            table = self._run(with_text_check(statement, positions))
            verdict = text_verdict(table, positions, len(names))
        if not verdict:
            logger.debug("ADBC read declined: a text column also holds numbers or blobs")
            return None
        return table.select(range(len(names))).rename_columns(list(names))

    def _run(self, statement: sa.Select[Any]) -> pa.Table:
        settings: list[str] = []
        if self.backend == "postgresql":  # read by COPY: values bound as settings (adbcquirks)
            rewritten = as_settings(statement)
            if rewritten is not None:
                statement, settings = rewritten
        compiled = statement.compile(dialect=self._dialect, compile_kwargs={"render_postcompile": True})
        values = compiled.construct_params()
        parameters = [values[name] for name in compiled.positiontup or ()]
        logger.debug("reading through ADBC: %s %s", compiled.string, _shown(settings or parameters))
        return self._fetch(compiled.string, parameters, settings)

    def _fetch(self, sql: str, parameters: list[Any], settings: list[str]) -> pa.Table:
        with self._driver.connect(self._target) as connection, connection.cursor() as cursor:
            if self.backend == "sqlite":
                cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(_SQLITE_BATCH_ROWS)})
            if settings:
                cursor.execute(set_statement(len(settings)), bind_batch(settings))
                cursor.fetchall()
            cursor.execute(sql, bind_batch(parameters))
            table: pa.Table = cursor.fetch_arrow_table()
            return table

    def _scrub(self, text: str) -> str:
        if self._password:
            text = text.replace(self._password, MASK)
        return mask_database_url(text)


# Python types pyarrow infers one way, alone or in a list of their own kind
_PLAIN_TYPES = frozenset({str, int, float, bool})


def bind_batch(parameters: list[Any]) -> pa.RecordBatch | list[Any] | None:
    """``parameters`` as the one-row batch the driver binds, built from one array per Python
    type (thousands of join keys: ADBC's own conversion infers one column per value, ~30x slower).

    The columns are the ones ADBC's conversion gives (one per parameter, named by position,
    each typed as that value alone); parameters of other types are left to it.
    """
    if not parameters:
        return None
    positions: dict[type, list[int]] = {}
    for index, value in enumerate(parameters):
        positions.setdefault(type(value), []).append(index)
    if not positions.keys() <= _PLAIN_TYPES:
        return parameters
    columns: list[pa.Array] = [pa.array([])] * len(parameters)
    for indexes in positions.values():
        try:
            values = pa.array([parameters[index] for index in indexes])
        except (pa.ArrowException, OverflowError):
            return parameters
        if pa.types.is_unsigned_integer(values.type):  # past int64: alone, some would be int64
            return parameters
        for offset, index in enumerate(indexes):
            columns[index] = values.slice(offset, 1)
    return pa.RecordBatch.from_arrays(columns, [str(index) for index in range(len(parameters))])


def _driver_target(url: URL) -> str:
    """What the ADBC driver connects to: the SQLite file, or PostgreSQL's libpq URI."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _shown(parameters: list[Any]) -> list[Any] | str:
    # window bounds are worth seeing; thousands of join keys are not
    return parameters if len(parameters) <= 8 else f"[{len(parameters)} parameters]"


def _typed(table: pa.Table, time_column: str | None, backend: str) -> pa.Table | None:
    """``table`` with its time column parsed where Arrow can; None when a column's type
    could convert differently from the DBAPI path's values."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        is_time = field.name == time_column
        if not _same_as_dbapi(field, backend, is_time=is_time):
            logger.debug("ADBC read declined: column %r is %s", field.name, field.type)
            return None
        columns.append(_time_column(column) if is_time and column.null_count < len(column) else column)
    return pa.table(columns, names=table.column_names)


def _same_as_dbapi(field: pa.Field, backend: str, *, is_time: bool) -> bool:
    kind = field.type
    if backend == "postgresql":
        typname = (field.metadata or {}).get(_PG_TYPE, b"").decode()
        return typname in _PG_TYPES or (is_time and typname in _PG_TIME_TYPES)
    return any(
        test(kind) for test in (pa.types.is_int64, pa.types.is_float64, pa.types.is_string, pa.types.is_null)
    )


def _cut(table: pa.Table, time_column: str | None, start: datetime, end: datetime) -> pa.Table:
    """The rows of ``table`` with start <= time < end (times parsed first where Arrow did not)."""
    if table.num_rows == 0:
        return table
    times = table.column(time_column)
    if not pa.types.is_timestamp(times.type):  # epoch seconds, mixed ISO forms: pandas parses them
        parsed = to_utc_timestamps(times.to_pandas(), str(time_column), "an ADBC read")
        times = pa.chunked_array([pa.array(parsed, type=_UTC_NS)])
        table = table.set_column(table.schema.get_field_index(str(time_column)), str(time_column), times)
    low, high = pa.scalar(start, _UTC_NS), pa.scalar(end, _UTC_NS)
    earliest, latest = pc.min(times), pc.max(times)
    if earliest.is_valid and pc.greater_equal(earliest, low).as_py() and pc.less(latest, high).as_py():
        if times.null_count == 0:
            return table  # the usual case: nothing to cut, no copy
    inside = pc.and_(pc.greater_equal(times, low), pc.less(times, high))
    return table.filter(inside)


def to_frame(table: pa.Table) -> pd.DataFrame | None:
    """``table`` as the frame the DBAPI rows would give (dtypes inferred per column the same way)."""
    if table.num_rows == 0:
        return None  # the DBAPI path's empty frame has its own dtypes (object): let it make it
    columns = []
    for column in table.columns:
        if column.null_count == len(column):
            column = pa.chunked_array([pa.nulls(len(column))])  # DBAPI: an object column of None
        elif pa.types.is_integer(column.type):
            column = column.cast(pa.int64())  # int2/int4 come back as Python ints: int64
        columns.append(column)
    arrow = pa.table(columns, names=table.column_names)
    del table, columns
    frame: pd.DataFrame = arrow.to_pandas(
        split_blocks=True, self_destruct=True, coerce_temporal_nanoseconds=True
    )
    return frame


def _time_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Stored times as timestamp[ns, UTC] where Arrow parses them exactly as pandas would;
    otherwise unchanged, for ``to_utc_timestamps`` (epoch seconds, mixed ISO forms)."""
    kind = column.type
    if pa.types.is_timestamp(kind):
        # Arrow stores UTC instants; a naive column's values are UTC too (the naive-is-UTC rule)
        return column.cast(pa.timestamp(kind.unit, tz="UTC")).cast(_UTC_NS)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        try:  # ISO text with an offset ('Z', '+09:00') on every value; a failing cast parses its
            # whole chunk first (0.3 s per 500k values), so the first values are tried alone
            column.slice(0, _TRIAL_ROWS).cast(_UTC_NS)
            return column.cast(_UTC_NS)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        try:  # ISO text without offsets: UTC
            naive = column.cast(pa.timestamp("ns"))
            return pc.assume_timezone(naive, "UTC")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return column
    return column
