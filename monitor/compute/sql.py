"""The base of every pushdown engine: statements rendered in the engine's dialect and run there.

Subclasses say how to run a statement, what the source is as a relation, and the types
of its columns; the statistics themselves are assembled in ``monitor.compute.pushdown``.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from sqlglot import exp

from monitor.compute.base import ComputeEngine, WindowStatistics
from monitor.compute.dialects import SOURCE_TABLE, Dialect, quote, render
from monitor.compute.statements import Statement, WindowSpec, row_count, segment_counts, statement_key
from monitor.config.models import MonitorConfig, SourceConfig
from monitor.errors import ConfigError
from monitor.records.windows import Interval, Windows
from monitor.sources.timestamps import TimeStorage, detect_storage

if TYPE_CHECKING:
    from monitor.compute.joined import JoinedTarget

logger = logging.getLogger(__name__)

# what drift and inference need to know of a column's SQL type
TypeKind = Literal["float", "int", "bool", "string", "datetime", "decimal", "other"]


def type_kind(type_name: str) -> TypeKind:
    """The kind of a SQL type name, as DuckDB, PostgreSQL, SQLite and Spark spell them."""
    name = type_name.lower()
    if any(word in name for word in ("double", "float", "real")):
        return "float"
    if any(word in name for word in ("decimal", "numeric")):
        return "decimal"
    if "bool" in name:
        return "bool"
    if "int" in name or name in ("long", "short", "byte"):
        return "int"
    if "time" in name or "date" in name:
        return "datetime"
    if any(word in name for word in ("char", "text", "string", "varchar", "clob")):
        return "string"
    return "other"


class InexactTimeFilter(ConfigError):
    """The engine cannot select a window's rows exactly (``compute: auto`` then computes locally)."""


class SqlEngine(ComputeEngine):
    """An engine that computes by running SQL where the data is."""

    dialect: ClassVar[Dialect]
    # statements the engine takes at once from as many threads (monitor/compute/batch.py)
    concurrent_statements: ClassVar[int] = 1

    def __init__(self, source: SourceConfig) -> None:
        super().__init__(source)
        self._storage: TimeStorage | None = None
        self._storage_known = False
        # a target in another table of the same database (or files): joined into every statement
        self.joined: JoinedTarget | None = None
        # while set, every statement reads only this segment's rows (monitor/compute/segments.py)
        self.segment: tuple[tuple[str, Any], ...] = ()
        # answers computed ahead by a batched statement (monitor/compute/batch.py), each used once
        self.prefetched: dict[Hashable, list[tuple[Any, ...]]] = {}

    @property
    def engine_name(self) -> str:
        """The name ``--json`` reports (``"compute"``)."""
        return self.dialect.name

    @abstractmethod
    def fetch(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (in this engine's dialect) with ``params`` bound; errors as SourceError."""

    @abstractmethod
    def source_expression(self) -> exp.Expression:
        """The source as a relation: a table, a subquery or a table function over files."""

    @abstractmethod
    def column_types(self) -> dict[str, TypeKind]:
        """Every column of the source and the kind of its type, in source order."""

    @property
    @abstractmethod
    def location(self) -> str:
        """What to call the source in messages (secrets masked)."""

    def statements_at_once(self) -> int:
        """How many independent statements this engine may run at once (docs/reference.md,
        "Statements at once"); one unless the engine gains from more."""
        return 1

    # -- running statements ----------------------------------------------------------------

    def run(self, built: tuple[str, Statement]) -> list[tuple[Any, ...]]:
        if self.prefetched:
            rows = self.prefetched.pop(statement_key(built), None)
            if rows is not None:
                return rows
        return self.fetch(self._rendered(built), built[1].params)

    def run_frame(self, built: tuple[str, Statement], columns: Sequence[str]) -> pd.DataFrame:
        """The rows of ``built`` as a frame of ``columns`` (many rows: engines with a columnar
        fetch override ``fetch_frame``)."""
        return self.fetch_frame(self._rendered(built), built[1].params, columns)

    def fetch_frame(self, sql: str, params: dict[str, Any], columns: Sequence[str]) -> pd.DataFrame:
        """``fetch`` as a frame of ``columns``."""
        return pd.DataFrame.from_records(self.fetch(sql, params), columns=list(columns))

    def _rendered(self, built: tuple[str, Statement]) -> str:
        relation = self.source_expression()
        if self.joined is not None:
            relation = self.joined.relation(relation)
        rendered = render(built[0], self.dialect, relation)
        logger.debug("%s: %s", self.engine_name, rendered)
        return rendered

    def one(self, built: tuple[str, Statement]) -> tuple[Any, ...]:
        return self.run(built)[0]

    def time_storage(self) -> TimeStorage | None:
        """How the time column is stored, from one non-null value (None: no row has a time)."""
        if not self._storage_known:
            column = quote(self.source.timestamp)
            rows = self.run(
                (f"SELECT {column} FROM {SOURCE_TABLE} WHERE {column} IS NOT NULL LIMIT 1", Statement())
            )
            sample = rows[0][0] if rows else None
            self._storage = (
                None if sample is None else detect_storage(sample, self.source.timestamp, self.location)
            )
            if self._storage is not None and self._storage.local_offsets:
                raise InexactTimeFilter(
                    f"timestamp column {self.source.timestamp!r} of {self.location} holds text with local "
                    "UTC offsets, which SQL compares only as text: use compute: local",
                    key="source.compute",
                )
            self._storage_known = True
        return self._storage

    def spec(self, window: Interval) -> WindowSpec:
        return WindowSpec(self.source.timestamp, self.time_storage(), window, self.segment)

    def segment_counts(self, window: Interval, by: Sequence[str]) -> list[tuple[Any, ...]]:
        """(value of each ``by`` column ..., rows) per segment of the window."""
        return self.run(segment_counts(WindowSpec(self.source.timestamp, self.time_storage(), window), by))

    # -- the interface -----------------------------------------------------------------------

    def row_counts(self, windows: Windows) -> tuple[int, int]:
        return (
            int(self.one(row_count(self.spec(windows.reference)))[0]),
            int(self.one(row_count(self.spec(windows.current)))[0]),
        )

    def current_rows(self, windows: Windows) -> int:
        return int(self.one(row_count(self.spec(windows.current)))[0])

    def evaluate(self, monitor: MonitorConfig, windows: Windows) -> WindowStatistics:
        from monitor.compute.pushdown import Pushdown

        return Pushdown(self, monitor, windows).run()

    def require_columns(self, names: Sequence[str]) -> dict[str, TypeKind]:
        from monitor.sources.base import require_columns

        types = self.joined.types() if self.joined is not None else self.column_types()
        require_columns(names, types, self.location)
        return types
