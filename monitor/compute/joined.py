"""A target in another table or file, joined where the data lives when it lives in the same place
(docs/reference.md, "Targets in another table").

When the labels sit in the log's own database (``target.table`` or ``target.query``, no other
``target.url``) or, for a ``path:`` log, in files DuckDB reads too (``target.path``), the engine
computes over the log LEFT JOINed to the labels on ``join_on``: every statement sees the
target as a column of the log, exactly as the local read joins it. Elsewhere (another
database, a file beside a SQL log) the engine computes everything but the performance, and
the performance is computed here from each window's keys, predictions and joined labels
(``local_performance``), the only columns read.

A key written several times in the labels keeps one row: SQLite's last written (the highest
``rowid``) for a table, else the largest label; locally the row read last wins, which is
the last written where the labels are read in the order they were written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv
import sqlglot
from sqlglot import exp

from monitor.compute.dialects import SOURCE_TABLE, quote
from monitor.compute.sql import SqlEngine, TypeKind
from monitor.config.models import MonitorConfig, SourceConfig
from monitor.records.result import MetricComparison, Performance
from monitor.records.windows import Windows
from monitor.sources.window import target_source_config

log = logging.getLogger(__name__)

LABELS_TABLE = "__monitor_labels__"


def labels_in_the_same_place(monitor: MonitorConfig) -> SourceConfig | None:
    """The labels as a source the log's engine also reads; None when they live elsewhere."""
    source, target = monitor.source, monitor.target
    if target is None or not target.separate:
        return None
    key = str(target.join_on)
    if source.spark is not None:  # another table or query of the same Spark session
        return target_source_config(monitor) if target.url is None and target.path is None else None
    if source.path is not None and target.path is not None:
        return SourceConfig(path=target.path, timestamp=key)
    same_database = target.url is None or target.url == source.url
    if source.url is not None and same_database and (target.table or target.query):
        return SourceConfig(url=source.url, table=target.table, query=target.query, timestamp=key)
    return None


@dataclass
class JoinedTarget:
    """The log with the target column of the labels joined on (what ``SqlEngine.run`` reads)."""

    key: str
    column: str
    log_types: dict[str, TypeKind]
    labels: SqlEngine

    def types(self) -> dict[str, TypeKind]:
        label_types = self.labels.column_types()
        return {**self.log_types, self.column: label_types.get(self.column, "other")}

    def relation(self, log_relation: exp.Expression) -> exp.Expression:
        key, column = quote(self.key), quote(self.column)
        label_types = self.labels.column_types()
        if label_types.get(self.key) == self.log_types.get(self.key):
            on = f"src.{key} = lab.{key}"
        else:  # 7 and '7' still match, as the local join aligns the keys' types
            on = f"CAST(src.{key} AS VARCHAR) = CAST(lab.{key} AS VARCHAR)"
        order = f"{column} DESC NULLS LAST"
        if self.labels.dialect.name == "sqlite" and self.labels.source.table is not None:
            order = "rowid DESC"
        kept = ", ".join(f"src.{quote(name)}" for name in self.log_types if name != self.column)
        sql = (
            f"SELECT {kept}, lab.{column} FROM {SOURCE_TABLE} AS src LEFT JOIN ("
            f"SELECT {key}, {column} FROM (SELECT {key}, {column}, ROW_NUMBER() OVER "
            f"(PARTITION BY {key} ORDER BY {order}) AS monitor_rank FROM {LABELS_TABLE} "
            f"WHERE {key} IS NOT NULL) AS ranked WHERE monitor_rank = 1) AS lab ON {on}"
        )
        labels_relation = self.labels.source_expression()

        def place(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Table) and node.name in (SOURCE_TABLE, LABELS_TABLE):
                replacement = (log_relation if node.name == SOURCE_TABLE else labels_relation).copy()
                alias = node.args.get("alias")
                if alias is not None:
                    replacement.set("alias", alias.copy())
                return replacement
            return node

        joined = sqlglot.parse_one(sql, read="duckdb").transform(place)
        # PostgreSQL wants every subquery in FROM named, also where a statement names none
        return exp.Subquery(this=joined, alias=exp.TableAlias(this=exp.to_identifier("joined")))


def join_target_in_engine(engine: SqlEngine, monitor: MonitorConfig, labels: SourceConfig) -> None:
    """Have ``engine`` compute over the log with the target joined on (the labels read by an
    engine of the same kind, in the same database or DuckDB connection)."""
    from monitor.compute.base import engine_class

    target = monitor.target
    assert target is not None and target.join_on is not None
    labels_engine = engine_class(engine.dialect.name)(labels)
    assert isinstance(labels_engine, SqlEngine)
    engine.joined = JoinedTarget(str(target.join_on), target.column, engine.column_types(), labels_engine)
    log.debug("target %r joined on %r where the data lives", target.column, target.join_on)


def local_performance(monitor: MonitorConfig, windows: Windows) -> Performance | None:
    """Performance from each window's keys and predictions, read here and joined with the labels."""
    from monitor import stats
    from monitor.sources.window import read_window
    from monitor.stats.multiclass import multiclass_metrics

    target, prediction = monitor.target, monitor.prediction
    assert target is not None
    columns = [str(target.join_on), *(prediction.columns if prediction is not None else [])]
    task = prediction.task if prediction is not None else "classification"

    def metrics(frame: pd.DataFrame) -> dict[str, float]:
        labelled = frame[frame[target.column].notna()]
        if labelled.empty:
            return {}
        predicted = labelled[prediction.column] if prediction and prediction.column else None
        if prediction is not None and prediction.scores is not None:
            return multiclass_metrics(labelled[target.column], predicted, labelled, prediction.scores)
        score = labelled[prediction.score] if prediction and prediction.score else None
        return stats.performance_metrics(task, labelled[target.column], predicted, score)

    current = read_window(monitor, columns, windows.current.start, windows.current.end)
    rows_with_target = int(current[target.column].notna().sum()) if len(current) else 0
    if rows_with_target == 0:
        return None
    reference = read_window(monitor, columns, windows.reference.start, windows.reference.end)
    current_metrics, reference_metrics = metrics(current), metrics(reference)
    names = list(dict.fromkeys([*current_metrics, *reference_metrics]))
    return Performance(
        rows_with_target,
        tuple(MetricComparison(n, current_metrics.get(n), reference_metrics.get(n)) for n in names),
    )
