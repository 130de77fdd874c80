"""A ``spark:`` source: a Spark table or view, or a Spark SQL query, computed in Spark.

Its statistics are always pushed down (``monitor.compute.spark``); this module holds the
process's Spark session and answers ``monitor validate --connect``. No source reads its
rows into this process (docs/reference.md, "Where the statistics are computed"); the few
columns CBPE needs come through the engine (``monitor.compute.sample.window_rows``).

One Spark session per process (Spark allows one active session per JVM), started on
first use with ``source.spark.master`` and ``conf``, its time zone set to UTC so window
bounds mean the same instants as elsewhere.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.errors import ConfigError, SourceError
from monitor.sources.base import EARLIEST, ColumnKind, Source, require_columns
from monitor.sources.timestamps import to_utc_timestamps

_session_lock = threading.Lock()
_sessions: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}


def spark_session(master: str, conf: dict[str, str]) -> Any:
    """The process's Spark session for ``master`` (started on first use)."""
    key = (master, tuple(sorted(conf.items())))
    with _session_lock:
        session = _sessions.get(key)
        if session is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise ConfigError(
                    "a spark: source needs pyspark: pip install 'model-monitor[spark]'"
                ) from None
            builder = SparkSession.builder.master(master).appName("monitor")
            builder = builder.config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
            # stdout may carry --json and stderr is the user's: no progress bars from Spark
            builder = builder.config("spark.ui.showConsoleProgress", "false")
            for name, value in conf.items():
                builder = builder.config(name, value)
            try:
                session = builder.getOrCreate()
            except Exception as exc:  # no Java, a master that cannot be reached
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise SourceError(f"cannot start Spark (master {master!r}): {first}") from exc
            session.sparkContext.setLogLevel("ERROR")
            _sessions[key] = session
        return session


def stop_spark_sessions() -> None:
    """Stop the sessions this process started (at shutdown, and in tests)."""
    with _session_lock:
        for session in _sessions.values():
            session.stop()
        _sessions.clear()


def _kind(type_name: str) -> ColumnKind:
    name = type_name.lower()
    if name in ("boolean", "string") or name.startswith(("varchar", "char")):
        return "categorical"
    if name.startswith(("timestamp", "date")):
        return "datetime"
    if name in ("double", "float", "int", "bigint", "smallint", "tinyint") or name.startswith("decimal"):
        return "numerical"
    return "other"


class SparkSource(Source):
    """The columns of a Spark table or query; its windows are computed in Spark, never read here."""

    @property
    def location(self) -> str:
        if self.config.table is not None:
            return f"Spark table {self.config.table!r}"
        return "Spark query source"

    def _relation(self) -> Any:
        assert self.config.spark is not None
        session = spark_session(self.config.spark.master, dict(self.config.spark.conf))
        try:
            if self.config.table is not None:
                return session.table(self.config.table)
            return session.sql(str(self.config.query).strip().rstrip(";"))
        except Exception as exc:  # pyspark's AnalysisException: a missing table or bad SQL
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SourceError(f"cannot read {self.location}: {first}") from exc

    def list_columns(self) -> dict[str, ColumnKind]:
        return {field.name: _kind(field.dataType.simpleString()) for field in self._relation().schema.fields}

    def newest_timestamp(self, before: datetime) -> datetime | None:
        """``MAX(ts) WHERE ts < before`` run in Spark for a timestamp or date column (as epoch
        microseconds: no time zone between Spark and Python); times stored otherwise (text,
        epoch numbers) are read as the time column alone and parsed as every source parses them."""
        from pyspark.sql import functions

        relation = self._relation()
        timestamp = self.config.timestamp
        require_columns([timestamp], relation.columns, self.location)
        column = relation[timestamp]
        if _kind(relation.schema[timestamp].dataType.simpleString()) == "datetime":
            micros = functions.unix_micros(column.cast("timestamp"))
            limit = (before - EARLIEST) // timedelta(microseconds=1)
            newest = relation.where(micros < limit).agg(functions.max(micros)).first()[0]
            return None if newest is None else EARLIEST + timedelta(microseconds=int(newest))
        times = to_utc_timestamps(relation.select(column).toPandas()[timestamp], timestamp, self.location)
        earlier = times[times < pd.Timestamp(before)]
        return None if earlier.empty else earlier.max().to_pydatetime()

    def count_without_timestamp(self) -> int | None:
        """``COUNT(*) WHERE ts IS NULL``, run in Spark."""
        relation = self._relation()
        if self.config.timestamp not in relation.columns:
            return None
        return int(relation.where(relation[self.config.timestamp].isNull()).count())

    def read_window(self, columns: Sequence[str] | None, start: datetime, end: datetime) -> pd.DataFrame:
        raise ConfigError(f"{self.location} is computed in Spark; its rows are not read into this process")

    def read_keys(self, key: str, columns: Sequence[str], keys: pd.Series) -> pd.DataFrame:
        raise ConfigError(
            f"{self.location} is computed in Spark; a target joined on join_on is not supported"
        )
