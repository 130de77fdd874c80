"""PostgreSQL and SQLite computing pushdown over their own table or query (a SQL ``url`` source).

Statements go through the source's pooled SQLAlchemy engine as driver SQL (sqlglot has
already written them in the database's dialect, with the driver's parameter style).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlalchemy.engine import Connection
from sqlglot import exp

from monitor.compute.concurrent import STATEMENTS_AT_ONCE, available_cores
from monitor.compute.dialects import DIALECTS, Dialect, table_expression
from monitor.compute.sql import SqlEngine, TypeKind, type_kind
from monitor.config.models import SourceConfig
from monitor.errors import ConfigError, SourceError
from monitor.secrets import mask_database_url
from monitor.sources.sqlalchemy import SQLAlchemySource, get_engine

# SQLAlchemy backend name -> pushdown dialect
BACKENDS = {"postgresql": "postgresql", "sqlite": "sqlite"}


def backend_dialect(url: str) -> str | None:
    """The pushdown dialect for a database URL, or None when pushdown does not reach it."""
    try:
        backend = sa.engine.make_url(url).get_backend_name()
    except Exception:  # a malformed URL: the source reports it when read
        return None
    return BACKENDS.get(backend)


class DatabaseEngine(SqlEngine):
    """The database of a SQL source computes its own aggregates."""

    name = "database"

    def __init__(self, source: SourceConfig) -> None:
        super().__init__(source)
        if source.url is None:
            raise ConfigError("database pushdown needs a url: source")
        dialect = backend_dialect(source.url)
        if dialect is None:
            raise ConfigError(
                f"compute: pushdown does not reach {mask_database_url(source.url)} "
                f"(pushdown SQL exists for {', '.join(BACKENDS)}); use compute: local"
            )
        self.dialect: Dialect = DIALECTS[dialect]  # type: ignore[misc]  # set per instance
        self.url = source.url
        self._types: dict[str, TypeKind] | None = None

    @property
    def location(self) -> str:
        if self.source.table is not None:
            return f"table {self.source.table!r} in {mask_database_url(self.url)}"
        return f"query source in {mask_database_url(self.url)}"

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A pooled connection; database errors leave as one SourceError naming the source."""
        reader = SQLAlchemySource(self.source)
        reader._require_sqlite_file()
        try:
            with get_engine(self.url).connect() as connection:
                yield connection
        except sa.exc.SQLAlchemyError as exc:
            original = getattr(exc, "orig", None) or exc
            lines = str(original).strip().splitlines()
            reason = reader._scrub(lines[0] if lines else type(original).__name__)
            raise SourceError(f"cannot compute over {self.location}: {reason}") from None

    def statements_at_once(self) -> int:
        """SQLite: this machine's cores (each statement runs on one, in this process);
        PostgreSQL: the server's cores are unknown, so a small fixed number. At most
        ``STATEMENTS_AT_ONCE``, and never more than the connection pool holds. A database
        only one connection sees (SQLite in memory) runs one statement at a time."""
        pool = get_engine(self.url).pool
        if not isinstance(pool, sa.pool.QueuePool):
            return 1
        limit = min(STATEMENTS_AT_ONCE, pool.size())
        if self.dialect.name == "sqlite":
            limit = min(limit, available_cores())
        return max(1, limit)

    def source_expression(self) -> exp.Expression:
        if self.source.table is not None:
            return table_expression(self.source.table)
        query = str(self.source.query).strip().rstrip(";")
        try:
            parsed = sqlglot.parse_one(query, read=self.dialect.sqlglot)
        except sqlglot.errors.ParseError as exc:
            raise ConfigError(
                f"source.query: cannot push this query down ({str(exc).splitlines()[0]}); use compute: local"
            ) from exc
        return exp.Subquery(this=parsed)

    def fetch(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._connection() as connection:
            if self.dialect.name == "sqlite" and "monitor_hash" in sql.lower():
                _add_sqlite_hash(connection)
            return [tuple(row) for row in connection.exec_driver_sql(sql, params).fetchall()]

    def column_types(self) -> dict[str, TypeKind]:
        if self._types is None:
            self._types = self._table_types() if self.source.table is not None else self._query_types()
        return self._types

    def _table_types(self) -> dict[str, TypeKind]:
        schema, _, name = str(self.source.table).rpartition(".")
        with self._connection() as connection:
            inspector = sa.inspect(connection)
            if not inspector.has_table(name, schema=schema or None):
                raise SourceError(f"table {self.source.table!r} not found in {mask_database_url(self.url)}")
            columns = inspector.get_columns(name, schema=schema or None)
        return {str(info["name"]): _kind(info["type"]) for info in columns}

    def _query_types(self) -> dict[str, TypeKind]:
        """A query's columns, typed from the driver's description of an empty result (PostgreSQL)."""
        probe = exp.select("*").from_(self.source_expression().as_("probe")).limit(0)
        with self._connection() as connection:
            result = connection.exec_driver_sql(probe.sql(self.dialect.sqlglot))
            names = [str(name) for name in result.keys()]
            description = result.cursor.description if result.cursor is not None else None
            result.close()
        if self.dialect.name != "postgresql" or description is None:
            return dict.fromkeys(names, "other")
        return {
            name: type_kind(_postgres_type(column[1]))
            for name, column in zip(names, description, strict=True)
        }


def _add_sqlite_hash(connection: Connection) -> None:
    """SQLite has no hash function: the report sample's (``monitor.compute.sample``) is ours."""
    from monitor.compute.sample import sqlite_hash

    driver = connection.connection.driver_connection
    if driver is not None:
        driver.create_function("monitor_hash", 1, sqlite_hash, deterministic=True)


def _kind(sql_type: Any) -> TypeKind:
    if sql_type is None:
        return "other"
    if isinstance(sql_type, str):
        return type_kind(sql_type)
    try:
        return type_kind(str(sql_type.compile()))
    except Exception:  # a type SQLAlchemy cannot render on its own
        return type_kind(type(sql_type).__name__)


# PostgreSQL type OIDs of the kinds that matter here
_POSTGRES_OIDS = {
    700: "real",
    701: "double",
    1700: "numeric",
    16: "bool",
    20: "bigint",
    21: "smallint",
    23: "integer",
    25: "text",
    1043: "varchar",
    1114: "timestamp",
    1184: "timestamptz",
}


def _postgres_type(oid: Any) -> str:
    return _POSTGRES_OIDS.get(int(oid), "other") if oid is not None else "other"
