"""Spark SQL computing pushdown for a ``spark:`` source (a table or view, or a query).

One Spark session per process (Spark allows one active session per JVM), started on
first use with ``source.spark.master`` and ``conf``, the session time zone set to UTC
so window bounds mean the same instants as elsewhere. pyspark is an optional
dependency (``model-monitor[spark]``) and needs Java 17+.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any

import sqlglot
from sqlglot import exp

from monitor.compute.dialects import DIALECTS, table_expression
from monitor.compute.sql import SqlEngine, TypeKind, type_kind
from monitor.config.models import SourceConfig
from monitor.errors import ConfigError, SourceError
from monitor.sources.base import ColumnKind

logger = logging.getLogger(__name__)

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


def _utc(value: Any) -> Any:
    # pyspark turns naive datetimes into instants in the Python process's local zone
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class SparkEngine(SqlEngine):
    name = "spark"
    dialect = DIALECTS["spark"]

    def __init__(self, source: SourceConfig) -> None:
        super().__init__(source)
        if source.spark is None:
            raise ConfigError("the spark engine computes over a spark: source")
        self.settings = source.spark
        self._types: dict[str, TypeKind] | None = None

    @property
    def location(self) -> str:
        if self.source.table is not None:
            return f"Spark table {self.source.table!r}"
        return "Spark query source"

    def session(self) -> Any:
        return spark_session(self.settings.master, dict(self.settings.conf))

    def source_expression(self) -> exp.Expression:
        if self.source.table is not None:
            return table_expression(self.source.table)
        query = str(self.source.query).strip().rstrip(";")
        try:
            return exp.Subquery(this=sqlglot.parse_one(query, read="spark"))
        except sqlglot.errors.ParseError as exc:
            raise ConfigError(
                f"source.query: cannot parse it as Spark SQL ({str(exc).splitlines()[0]})"
            ) from exc

    def fetch(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        session = self.session()
        try:
            frame = session.sql(sql, args={name: _utc(value) for name, value in params.items()})
            return [tuple(row) for row in frame.collect()]
        except Exception as exc:  # pyspark's AnalysisException and Py4J errors share no base class
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SourceError(f"cannot compute over {self.location}: {first}") from exc

    def column_types(self) -> dict[str, TypeKind]:
        if self._types is None:
            session = self.session()
            relation = self.source_expression()
            sql = exp.select("*").from_(
                relation.as_("probe") if isinstance(relation, exp.Subquery) else relation
            )
            try:
                schema = session.sql(sql.sql("spark")).schema
            except Exception as exc:  # a missing table or view
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise SourceError(f"cannot read {self.location}: {first}") from exc
            self._types = {field.name: type_kind(field.dataType.simpleString()) for field in schema.fields}
        return self._types


_COLUMN_KINDS: dict[TypeKind, ColumnKind] = {
    "float": "numerical",
    "int": "numerical",
    "decimal": "numerical",
    "bool": "categorical",
    "string": "categorical",
    "datetime": "datetime",
    "other": "other",
}


def spark_column_kinds(source: SourceConfig) -> tuple[dict[str, ColumnKind], str]:
    """The columns of a spark: source and their kinds, for ``monitor validate --connect``."""
    engine = SparkEngine(source)
    return {name: _COLUMN_KINDS[kind] for name, kind in engine.column_types().items()}, engine.location
