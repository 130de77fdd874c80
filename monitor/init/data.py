"""What `monitor init` reads from a source: its columns, a sample of rows, and the time span.

A SQL table through SQLAlchemy, or CSV/Parquet files through pyarrow and pandas. Failures
are translated once, here: an unreachable database is a SourceError (exit 3), a table or
glob that does not exist a ConfigError (exit 2) naming the option.
"""

from __future__ import annotations

import glob
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.errors import ConfigError, SourceError
from monitor.secrets import mask_database_url, scrub

logger = logging.getLogger(__name__)

SAMPLE_ROWS = 20_000
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class Span:
    """The timestamp column's oldest and newest value, and the number of rows."""

    start: pd.Timestamp
    end: pd.Timestamp
    rows: int


@dataclass
class Inspected:
    """A source as `monitor init` saw it."""

    sample: pd.DataFrame
    other_tables: dict[str, list[str]] = field(default_factory=dict)  # SQL: table -> its columns


class Reader:
    """One source: a sample for guessing column roles, then the span of the chosen time column."""

    def inspect(self) -> Inspected:
        raise NotImplementedError

    def span(self, timestamp: str) -> Span:
        raise NotImplementedError


def _utc(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        times = values
    elif pd.api.types.is_numeric_dtype(values):  # Unix seconds
        times = pd.to_datetime(values, unit="s", errors="coerce", utc=True)
    else:
        times = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
    if getattr(times.dt, "tz", None) is None:
        times = times.dt.tz_localize("UTC")
    return times.dt.tz_convert("UTC")


def span_of(values: pd.Series, rows: int) -> Span:
    times = _utc(values).dropna()
    if times.empty:
        raise ConfigError("the timestamp column holds no times")
    return Span(times.min(), times.max(), rows)


class SQLReader(Reader):
    def __init__(self, url: str, table: str) -> None:
        import sqlalchemy as sa

        self.url, self.table = url, table
        try:
            self.engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
            raise ConfigError(f"--url: {mask_database_url(url)} is not a usable database URL: {exc}") from exc

    def _connect(self) -> Any:
        import sqlalchemy as sa

        if self.url.startswith("sqlite:///") and not os.path.isfile(self.url.removeprefix("sqlite:///")):
            raise ConfigError(f"--url: no SQLite file {self.url.removeprefix('sqlite:///')}")
        try:
            return self.engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            raise SourceError(
                f"cannot reach {mask_database_url(self.url)}: {scrub(str(getattr(exc, 'orig', None) or exc))}"
            ) from exc

    def inspect(self) -> Inspected:
        import sqlalchemy as sa

        with self._connect() as connection:
            inspector = sa.inspect(connection)
            tables = inspector.get_table_names()
            if self.table not in tables:
                known = ", ".join(tables) or "none"
                raise ConfigError(
                    f"--table: no table {self.table!r} in {mask_database_url(self.url)} (tables: {known})"
                )
            others = {
                name: [str(column["name"]) for column in inspector.get_columns(name)]
                for name in tables
                if name != self.table
            }
            query = sa.select(sa.text("*")).select_from(sa.table(self.table)).limit(SAMPLE_ROWS)
            try:
                sample = pd.read_sql(query, connection)
            except sa.exc.SQLAlchemyError as exc:
                raise SourceError(
                    f"cannot read {self.table!r}: {scrub(str(getattr(exc, 'orig', None) or exc))}"
                ) from exc
        return Inspected(sample, others)

    def span(self, timestamp: str) -> Span:
        import sqlalchemy as sa

        column: Any = sa.column(timestamp)
        query = sa.select(sa.func.min(column), sa.func.max(column), sa.func.count()).select_from(
            sa.table(self.table)
        )
        with self._connect() as connection:
            oldest, newest, rows = connection.execute(query).one()
        return span_of(pd.Series([oldest, newest]), int(rows))


class FileReader(Reader):
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.files = sorted(glob.glob(pattern, recursive=True))
        if not self.files:
            raise ConfigError(f"--path: no file matches {pattern!r}")

    def _parquet(self) -> bool:
        return all(name.endswith(PARQUET_SUFFIXES) for name in self.files)

    def _read(self, columns: list[str] | None = None, rows: int | None = None) -> pd.DataFrame:
        try:
            if self._parquet():
                import pyarrow.dataset as ds

                dataset = ds.dataset(self.files, format="parquet")
                table = dataset.head(rows, columns=columns) if rows else dataset.to_table(columns=columns)
                return table.to_pandas()
            frames = [pd.read_csv(name, usecols=columns, nrows=rows) for name in self.files]
            return pd.concat(frames, ignore_index=True)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--path: cannot read {self.pattern!r}: {exc}") from exc

    def inspect(self) -> Inspected:
        return Inspected(self._read(rows=SAMPLE_ROWS))

    def span(self, timestamp: str) -> Span:
        times = self._read([timestamp])[timestamp]
        return span_of(times, len(times))
