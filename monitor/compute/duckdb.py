"""Embedded DuckDB computing pushdown over a ``path:`` source's Parquet and CSV files.

One in-process connection per engine, capped by ``source.duckdb.memory_limit`` and
spilling to ``source.duckdb.temp_directory`` (docs/reference.md, "Where the statistics
are computed"). DuckDB comes with the install; where it was removed, ``auto`` computes
files locally and ``pushdown`` is a config error.
"""

from __future__ import annotations

import glob
import logging
from typing import Any

from sqlglot import exp

from monitor.compute.dialects import DIALECTS
from monitor.compute.sql import SqlEngine, TypeKind, type_kind
from monitor.config.models import SourceConfig
from monitor.errors import ConfigError, SourceError
from monitor.sources.files import CSV_SUFFIXES, PARQUET_SUFFIXES

logger = logging.getLogger(__name__)

_CSV_TABLE = "__monitor_csv_rows__"


def _import_duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise ConfigError(
            "compute: pushdown over files needs DuckDB: pip install 'model-monitor[duckdb]'"
        ) from None
    return duckdb


def _files(pattern: str) -> tuple[list[str], list[str]]:
    matches = sorted(name for name in glob.glob(pattern, recursive=True) if not name.endswith("/"))
    if not matches:
        raise SourceError(f"no file matches {pattern!r}")
    parquet = [name for name in matches if name.lower().endswith(PARQUET_SUFFIXES)]
    csv = [name for name in matches if name.lower().endswith(CSV_SUFFIXES)]
    others = sorted(set(matches) - set(parquet) - set(csv))
    if others:
        raise SourceError(f"{others[0]!r} (matched by {pattern!r}) is neither .csv nor .parquet")
    return parquet, csv


def _scan(function: str, files: list[str]) -> exp.Expression:
    paths = exp.Array(expressions=[exp.Literal.string(name) for name in files])
    union = exp.EQ(this=exp.column("union_by_name"), expression=exp.true())
    return exp.Anonymous(this=function, expressions=[paths, union])


class DuckDBEngine(SqlEngine):
    name = "duckdb"
    dialect = DIALECTS["duckdb"]

    def __init__(self, source: SourceConfig) -> None:
        super().__init__(source)
        if source.path is None:
            raise ConfigError("the duckdb engine computes over a path: source")
        self.path = source.path
        self._connection: Any = None
        self._relation: exp.Expression | None = None
        self._types: dict[str, TypeKind] | None = None

    @property
    def location(self) -> str:
        return f"files {self.path!r}"

    def connection(self) -> Any:
        if self._connection is None:
            duckdb = _import_duckdb()
            settings = self.source.duckdb
            # aggregates only: no result needs the rows' order kept, which frees DuckDB's
            # scans and sorts to run in parallel and in less memory
            config: dict[str, Any] = {"preserve_insertion_order": False}
            if settings.memory_limit is not None:
                config["memory_limit"] = settings.memory_limit
            if settings.temp_directory is not None:
                config["temp_directory"] = settings.temp_directory
            if settings.threads is not None:
                config["threads"] = settings.threads
            try:
                self._connection = duckdb.connect(":memory:", config=config)
            except duckdb.Error as exc:
                raise ConfigError(f"source.duckdb: {exc}") from exc
        return self._connection

    def source_expression(self) -> exp.Expression:
        if self._relation is None:
            parquet, csv = _files(self.path)
            relations: list[exp.Expression] = (
                [exp.Table(this=_scan("read_parquet", parquet))] if parquet else []
            )
            if csv:
                relations.append(self._parsed_once(csv))
            if len(relations) == 1:
                self._relation = relations[0]
            else:
                union = exp.Union(
                    this=exp.select("*").from_(relations[0]),
                    expression=exp.select("*").from_(relations[1]),
                    distinct=False,
                    by_name=True,
                )
                self._relation = exp.Subquery(this=union)
        return self._relation

    def _parsed_once(self, csv: list[str]) -> exp.Expression:
        """The CSV files copied once into a temporary table: a check runs dozens of statements,
        and a CSV file, unlike Parquet, is parsed whole by each one (held within
        ``memory_limit``, spilling to ``temp_directory``)."""
        scan = exp.select("*").from_(exp.Table(this=_scan("read_csv_auto", csv)))
        self._execute(f"CREATE TEMPORARY TABLE {_CSV_TABLE} AS {scan.sql('duckdb')}", {})
        return exp.Table(this=exp.to_identifier(_CSV_TABLE))

    def fetch(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._execute(sql, params).fetchall()
        return rows

    def _execute(self, sql: str, params: dict[str, Any]) -> Any:
        duckdb = _import_duckdb()
        try:
            return self.connection().execute(sql, params)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SourceError(f"cannot compute over {self.location}: {first}") from exc

    def column_types(self) -> dict[str, TypeKind]:
        if self._types is None:
            rows = self.run(("DESCRIBE SELECT * FROM __monitor_source__", _empty()))
            self._types = {str(row[0]): type_kind(str(row[1])) for row in rows}
        return self._types

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _empty() -> Any:
    from monitor.compute.statements import Statement

    return Statement()
