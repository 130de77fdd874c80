"""Spark SQL computing pushdown for a ``spark:`` source (a table or view, or a query).

The session is the process's one (``monitor.sources.spark``). pyspark is an optional
dependency (``model-monitor[spark]``) and needs Java 17+. Every statement is a Spark job
that costs seconds of scheduling, so the drift statements of all columns are asked for
together (``monitor.compute.batch``; docs/reference.md, "Where the statistics are computed").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import sqlglot
from sqlglot import exp

from monitor.compute.dialects import DIALECTS, table_expression
from monitor.compute.sql import SqlEngine, TypeKind, type_kind
from monitor.config.models import SourceConfig
from monitor.errors import ConfigError, SourceError
from monitor.sources.spark import spark_session

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


def _utc(value: Any) -> Any:
    # pyspark turns naive datetimes into instants in the Python process's local zone
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class SparkEngine(SqlEngine):
    name = "spark"
    dialect = DIALECTS["spark"]
    # the session takes jobs from several threads and runs them side by side
    concurrent_statements = 4

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
        return self._collected(sql, params, lambda result: [tuple(row) for row in result.collect()])

    def fetch_frame(self, sql: str, params: dict[str, Any], columns: Sequence[str]) -> pd.DataFrame:
        """Many rows through Arrow (``collect`` makes a Python object of every value)."""
        table = self._collected(sql, params, lambda result: result.toArrow())
        frame: pd.DataFrame = table.rename_columns(list(columns)).to_pandas()
        return frame

    def _collected(self, sql: str, params: dict[str, Any], collect: Callable[[Any], _T]) -> _T:
        session = self.session()
        try:
            return collect(session.sql(sql, args={name: _utc(value) for name, value in params.items()}))
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
