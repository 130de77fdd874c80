"""Prediction logs in any database SQLAlchemy 2 reaches: a table (``schema.table``) or a query.

Only the needed columns and the window's rows are fetched: the statement is
built with SQLAlchemy constructs (identifiers quoted by the dialect, the window
bounds as bound parameters in the form the time column is stored in; see
``monitor.sources.timestamps``).  One engine per URL is kept per process
(``monitor.sources.sqlfetch``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NoReturn

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from monitor.config.models import SourceConfig
from monitor.errors import SourceError
from monitor.secrets import MASK, mask_database_url
from monitor.sources.adbcquirks import may_hold_text
from monitor.sources.arrowsql import ArrowReader
from monitor.sources.base import (
    EARLIEST,
    ColumnKind,
    Source,
    TableNotFoundError,
    did_you_mean,
    kind_of_values,
    require_columns,
    unique,
)
from monitor.sources.sqlfetch import dispose_engines, fetch_frame, get_engine
from monitor.sources.timestamps import (
    TimeStorage,
    bound_value,
    detect_storage,
    text_ranges,
    time_slices,
    to_utc_timestamps,
    within_window,
)

__all__ = ["KEY_CHUNK", "READ_SLICES", "SQLAlchemySource", "dispose_engines", "get_engine"]

logger = logging.getLogger(__name__)

# Keys per IN (...) when looking labels up: under SQLite's and PostgreSQL's bound-parameter limits.
KEY_CHUNK = 5000
_SAMPLE_ROWS = 200
# Time slices read concurrently through ADBC, of one window or shared by the windows read together
# (the drivers release the GIL; about one per core: docs/reference.md, "Reading SQL sources")
READ_SLICES = max(1, min(4, os.cpu_count() or 1))


def _python_type_kind(sql_type: Any) -> ColumnKind | None:
    """The kind a reflected SQL type implies, or None when only the values can tell (SQLite)."""
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        return None
    if python_type is bool or issubclass(python_type, str):
        return "categorical"
    if issubclass(python_type, int | float) or python_type.__name__ == "Decimal":
        return "numerical"
    if hasattr(python_type, "year") or python_type.__name__ in ("time", "timedelta"):
        return "datetime"
    return "other"


class SQLAlchemySource(Source):
    """A table or query of a SQL database."""

    def __init__(self, config: SourceConfig) -> None:
        super().__init__(config)
        if config.url is None:
            raise SourceError("a SQL source needs a url")
        self.url = config.url
        self.masked_url = mask_database_url(config.url)
        try:
            self._password = sa.engine.make_url(config.url).password
        except Exception:
            raise SourceError(f"cannot parse database URL {self.masked_url}") from None
        self._columns: dict[str, Any] | None = None  # name -> reflected SQL type (None for queries)
        self._storage: TimeStorage | None = None
        self._arrow: ArrowReader | Literal[False] | None = None  # False: none for this URL

    @property
    def location(self) -> str:
        if self.config.table is not None:
            return f"table {self.config.table!r} in {self.masked_url}"
        return f"query source in {self.masked_url}"

    # -- the interface -----------------------------------------------------------------------

    def read_window(self, columns: Sequence[str] | None, start: datetime, end: datetime) -> pd.DataFrame:
        return self._read_window(columns, (start, end), READ_SLICES)

    def read_windows(
        self, columns: Sequence[str] | None, windows: Sequence[tuple[datetime, datetime]]
    ) -> list[pd.DataFrame]:
        """The windows read at the same time where ADBC reads them, ``READ_SLICES`` time slices in
        all: one window's conversion to a frame overlaps the other's fetch, and the database's
        work the client's (docs/reference.md, "Reading SQL sources")."""
        if len(windows) < 2 or self._arrow_reader() is None:
            return super().read_windows(columns, windows)
        slices = max(1, READ_SLICES // len(windows))
        with ThreadPoolExecutor(len(windows), thread_name_prefix="sql-window") as pool:
            return list(pool.map(lambda window: self._read_window(columns, window, slices), windows))

    def _read_window(
        self, columns: Sequence[str] | None, window: tuple[datetime, datetime], slices: int
    ) -> pd.DataFrame:
        start, end = window
        with self._connection() as connection:
            wanted = self._wanted_columns(columns, self._available(connection))
            selectable = self._selectable(wanted)
            storage = self._time_storage(connection)
            statement = sa.select(*(selectable.c[name] for name in wanted))
            time_column = selectable.c[self.config.timestamp]
            if storage is None:  # no row has a time: nothing can be in the window
                frame = fetch_frame(connection, statement.where(sa.false()), wanted)
            else:
                frame = self._read_rows(connection, statement, time_column, storage, window, wanted, slices)
        timestamp = self.config.timestamp
        frame[timestamp] = to_utc_timestamps(
            frame[timestamp], timestamp, self.location, self.config.timestamp_unit
        )
        return within_window(frame, timestamp, start, end)

    def read_keys(self, key: str, columns: Sequence[str], keys: pd.Series) -> pd.DataFrame:
        wanted = unique([key, *columns])
        values = keys.dropna().unique().tolist()
        with self._connection() as connection:
            require_columns(wanted, self._available(connection), self.location)
            selectable = self._selectable(wanted)
            base = sa.select(*(selectable.c[name] for name in wanted))
            chunks = [
                self._fetch_keys(
                    connection, base.where(selectable.c[key].in_(values[i : i + KEY_CHUNK])), wanted
                )
                for i in range(0, len(values), KEY_CHUNK)
            ]
        if not chunks:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in wanted})
        return pd.concat(chunks, ignore_index=True)

    def count_without_timestamp(self) -> int | None:
        """One ``COUNT(*) ... WHERE timestamp IS NULL`` over the table or query."""
        with self._connection() as connection:
            column = self._selectable([self.config.timestamp]).c[self.config.timestamp]
            query = sa.select(sa.func.count()).where(column.is_(None))
            return int(connection.execute(query).scalar_one())

    def newest_timestamp(self, before: datetime) -> datetime | None:
        """``SELECT MAX(ts) WHERE ts < :before``: the database answers from its index, if any."""
        with self._connection() as connection:
            require_columns([self.config.timestamp], self._available(connection), self.location)
            storage = self._time_storage(connection)
            if storage is None:
                return None
            column = self._selectable([self.config.timestamp]).c[self.config.timestamp]
            condition = self._time_filter(column, storage, EARLIEST, before)
            newest = connection.execute(sa.select(sa.func.max(column)).where(condition)).scalar()
        if newest is None:
            return None
        parsed = to_utc_timestamps(pd.Series([newest]), self.config.timestamp, self.location)
        return _latest_before(parsed, before)

    def list_columns(self) -> dict[str, ColumnKind]:
        with self._connection() as connection:
            available = self._available(connection)
            selectable = self._selectable(list(available))
            sample = fetch_frame(connection, sa.select(*selectable.c).limit(_SAMPLE_ROWS), list(available))
            try:
                storage = self._time_storage(connection) if self.config.timestamp in available else None
            except SourceError:  # not times: its kind comes from its values, and validate says so
                storage = None
        kinds: dict[str, ColumnKind] = {}
        for name, sql_type in available.items():
            kind = _python_type_kind(sql_type) if sql_type is not None else None
            kinds[name] = kind if kind is not None else kind_of_values(sample[name])
        if storage is not None:
            kinds[self.config.timestamp] = "datetime"
        return kinds

    # -- connection and errors ---------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A fresh pooled connection; every database error leaves as a SourceError naming the source."""
        self._require_sqlite_file()
        engine = get_engine(self.url)
        try:
            connection = engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            self._raise(f"cannot connect to {self.masked_url}", exc)
        try:
            with connection:
                yield connection
        except sa.exc.NoSuchTableError:
            self._missing_table(connection)
        except sa.exc.SQLAlchemyError as exc:
            self._raise(f"cannot read {self.location}", exc)

    def _raise(self, what: str, exc: sa.exc.SQLAlchemyError) -> None:
        # the driver's own message (not SQLAlchemy's wrapper with the statement), password removed
        original = getattr(exc, "orig", None) or exc
        lines = str(original).strip().splitlines()
        reason = self._scrub(lines[0] if lines else type(original).__name__)
        error = SourceError(f"{what}: {reason}")
        if self._password and (self._password in str(exc) or self._password in repr(original)):
            raise error from None
        raise error from exc

    def _scrub(self, text: str) -> str:
        if self._password:
            text = text.replace(self._password, MASK)
        return mask_database_url(text)

    def _require_sqlite_file(self) -> None:
        """sqlite3 would silently create a missing file: a typo must not look like an empty log."""
        url = sa.engine.make_url(self.url)
        database = url.database
        if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return
        if database.startswith("file:") or url.query.get("uri"):
            return
        if not Path(database).exists():
            raise SourceError(f"database file {database!r} not found ({self.masked_url})")

    # -- statements ----------------------------------------------------------------------------

    def _available(self, connection: Connection) -> dict[str, Any]:
        """The source's columns (reflected once per source object)."""
        if self._columns is None:
            if self.config.table is not None:
                schema, name = self._table_name()
                inspector = sa.inspect(connection)
                if not inspector.has_table(name, schema=schema):
                    self._missing_table(connection)
                reflected = inspector.get_columns(name, schema=schema)
                self._columns = {info["name"]: info["type"] for info in reflected}
            else:
                probe = self._query().columns().subquery("probe")
                everything: sa.Select[Any] = sa.select(sa.literal_column("*")).select_from(probe).limit(0)
                with connection.execute(everything) as result:
                    self._columns = dict.fromkeys(result.keys())
        return self._columns

    def _missing_table(self, connection: Connection) -> NoReturn:
        """A table the database lacks is a config mistake: say so, with the closest name it has."""
        schema, name = self._table_name()
        try:
            tables = sa.inspect(connection).get_table_names(schema=schema)
        except sa.exc.SQLAlchemyError:
            tables = []
        hint = did_you_mean(name, tables)
        raise TableNotFoundError(name, f"table {self.config.table!r} not found in {self.masked_url}{hint}")

    def _table_name(self) -> tuple[str | None, str]:
        schema, _, name = str(self.config.table).rpartition(".")
        return (schema or None), name

    def _query(self) -> sa.TextClause:
        # a trailing ';' is fine on its own but not inside a subquery
        return sa.text(str(self.config.query).strip().rstrip(";"))

    def _selectable(self, names: Sequence[str]) -> sa.TableClause | sa.Subquery:
        columns: list[sa.ColumnClause[Any]] = [sa.column(name) for name in names]
        if self.config.table is not None:
            schema, table = self._table_name()
            return sa.table(table, *columns, schema=schema)
        return self._query().columns(*columns).subquery("monitor_source")

    def _time_storage(self, connection: Connection) -> TimeStorage | None:
        """How the time column is stored, from one non-null value (None: no row has a time)."""
        if self._storage is None:
            column = self._selectable([self.config.timestamp]).c[self.config.timestamp]
            sample = connection.execute(sa.select(column).where(column.is_not(None)).limit(1)).scalar()
            if sample is None:
                return None
            self._storage = detect_storage(
                sample, self.config.timestamp, self.location, self.config.timestamp_unit
            )
            logger.debug("time column of %s stored as %s", self.location, self._storage)
        return self._storage

    def _time_filter(
        self, column: ColumnElement[Any], storage: TimeStorage, start: datetime, end: datetime
    ) -> ColumnElement[bool]:
        """start <= column < end, in bound parameters compared the way the column is stored."""
        if storage.kind != "text":
            low: sa.BindParameter[Any] = sa.bindparam("window_start", bound_value(start, storage))
            high: sa.BindParameter[Any] = sa.bindparam("window_end", bound_value(end, storage))
            return sa.and_(column >= low, column < high)
        if self._dialect_name() == "postgresql":
            column = column.collate("C")  # byte order, as the ranges assume; locales may skip spaces
        ranges = []
        for index, text_range in enumerate(text_ranges(start, end, storage)):
            clause = sa.and_(
                column >= sa.bindparam(f"window_start_{index}", text_range.low),
                column < sa.bindparam(f"window_end_{index}", text_range.high),
            )
            if text_range.pattern is not None:
                pattern: sa.BindParameter[str] = sa.bindparam(f"window_format_{index}", text_range.pattern)
                clause = sa.and_(clause, column.like(pattern))
            ranges.append(clause)
        return sa.or_(*ranges)

    def _dialect_name(self) -> str:
        return get_engine(self.url).dialect.name

    def _text_columns(self) -> set[str] | None:
        """The table's columns whose declared type leaves them free to hold text (None: a query,
        whose columns have no declared type); see ``monitor.sources.adbcquirks``."""
        if self.config.table is None or self._columns is None:
            return None
        return may_hold_text(self._columns)

    def _arrow_reader(self) -> ArrowReader | None:
        if self._arrow is None:
            self._arrow = ArrowReader.for_url(sa.engine.make_url(self.url), self._password) or False
        return self._arrow or None

    def _read_rows(
        self,
        connection: Connection,
        base: sa.Select[Any],
        column: ColumnElement[Any],
        storage: TimeStorage,
        window: tuple[datetime, datetime],
        names: Sequence[str],
        slices: int,
    ) -> pd.DataFrame:
        """The rows of ``base`` in ``window``: as Arrow through ADBC, in time slices read
        concurrently, where that gives the very frame of the DBAPI path
        (``monitor.sources.arrowsql``); else through SQLAlchemy."""
        reader = self._arrow_reader()
        if reader is not None:
            pieces = time_slices(*window, slices)
            statements = [base.where(self._time_filter(column, storage, *piece)) for piece in pieces]
            # a text filter holds a superset of its range (see timestamps.text_ranges): slices
            # may share rows, so each is cut to its own range once its times are parsed
            cuts = pieces if storage.kind == "text" and len(pieces) > 1 else None
            frame = reader.read(statements, names, self.config.timestamp, cuts, self._text_columns())
            if frame is not None:
                return frame
        whole = base.where(self._time_filter(column, storage, *window))
        # datetimes are parsed later: pandas inferring them first would be wasted (text is cheap)
        raw = [self.config.timestamp] if storage.kind == "datetime" else []
        return fetch_frame(connection, whole, names, raw)

    def _fetch_keys(
        self, connection: Connection, statement: sa.Select[Any], names: Sequence[str]
    ) -> pd.DataFrame:
        """The rows of a key look-up: as Arrow where ADBC gives the DBAPI path's frame."""
        reader = self._arrow_reader()
        frame = (
            reader.read([statement], names, text_columns=self._text_columns()) if reader is not None else None
        )
        return frame if frame is not None else fetch_frame(connection, statement, names)


def _latest_before(times: pd.Series, before: datetime) -> datetime | None:
    """The newest of ``times`` earlier than ``before`` (text with local offsets may overshoot)."""
    earlier = times[times < pd.Timestamp(before)]
    return None if earlier.empty else earlier.max().to_pydatetime()
