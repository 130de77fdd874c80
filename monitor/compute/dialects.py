"""The small per-dialect table of pushdown SQL: what "finite", "NaN" and "a double" are in each engine.

Statements are written once, in DuckDB's SQL, with three placeholder functions
(``MONITOR_FINITE``, ``MONITOR_IS_NAN``, ``MONITOR_TEXT_TIME``); sqlglot parses them,
each placeholder becomes the dialect's own expression, and sqlglot writes the result in
the target dialect (identifiers quoted, values as named bound parameters). DuckDB,
PostgreSQL, SQLite and Spark SQL are run by the tests; Trino, BigQuery and Snowflake
are generated and only parsed back (docs/reference.md, "Where the statistics are computed").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

# the name standing for the source in the statements, replaced by the engine's relation
SOURCE_TABLE = "__monitor_source__"
# a subquery's alias saying its columns are computed once per row, for the query around it to read
COMPUTED_ONCE = "computed_once"

Rewrite = Callable[[exp.Expression], exp.Expr]


def _double(text: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(text), exp.DataType.build("double"))


def _between_infinities(value: exp.Expression) -> exp.Expr:
    # NaN sorts above +inf in PostgreSQL and Spark, so the upper bound also drops it
    return exp.and_(
        exp.GT(this=value.copy(), expression=_double("-Infinity")),
        exp.LT(this=value.copy(), expression=_double("Infinity")),
    )


def _function(name: str) -> Rewrite:
    return lambda value: exp.Anonymous(this=name, expressions=[value.copy()])


def _not(rewrite: Rewrite) -> Rewrite:
    return lambda value: exp.not_(rewrite(value))


@dataclass(frozen=True)
class Dialect:
    """How one engine spells what the statements need."""

    name: str  # monitor's name for the engine's SQL
    sqlglot: str  # sqlglot's dialect name
    finite: Rewrite  # true for finite values (false for NULL, NaN, ±inf)
    is_nan: Rewrite  # true for NaN only
    text_time: Rewrite = lambda value: value  # a text time column, compared in byte order
    # LEAD carries the frame of the aggregate beside it, so one window pass computes both
    # (PostgreSQL and SQLite run one pass per distinct window clause); Spark, BigQuery and
    # Snowflake reject a frame on LEAD
    lead_takes_frame: bool = False
    # each statement costs a scheduled job whatever its size (Spark): the drift statements of
    # all columns are asked for together, a few statements in all (monitor/compute/batch.py)
    batch_columns: bool = False
    tested: bool = True  # run against a live engine by the test suite
    # the engine merges a subquery into the query around it, evaluating each of its expressions
    # wherever the outer query names it; ``LIMIT -1`` (no limit) keeps a COMPUTED_ONCE one apart
    flattens_subqueries: bool = False


def _sqlite_finite(value: exp.Expression) -> exp.Expr:
    # SQLite stores NaN as NULL; ±inf compare beyond every double literal
    return exp.and_(
        exp.GT(this=value.copy(), expression=exp.Literal.number("-9e999")),
        exp.LT(this=value.copy(), expression=exp.Literal.number("9e999")),
    )


DIALECTS: dict[str, Dialect] = {
    # DuckDB lets NaN through `x < 'inf'` and `NOT isnan(x)` on Parquet scans: isfinite does not
    "duckdb": Dialect(
        "duckdb",
        "duckdb",
        finite=_function("isfinite"),
        is_nan=lambda value: exp.and_(
            exp.not_(exp.Anonymous(this="isfinite", expressions=[value.copy()])),
            exp.not_(exp.Anonymous(this="isinf", expressions=[value.copy()])),
            exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
        ),
    ),
    "postgresql": Dialect(
        "postgresql",
        "postgres",
        finite=_between_infinities,
        is_nan=lambda value: exp.EQ(this=value.copy(), expression=_double("NaN")),
        text_time=lambda value: exp.Collate(
            this=value.copy(), expression=exp.to_identifier("C", quoted=True)
        ),
        lead_takes_frame=True,
    ),
    "sqlite": Dialect(
        "sqlite",
        "sqlite",
        finite=_sqlite_finite,
        is_nan=lambda value: exp.false(),
        lead_takes_frame=True,
        flattens_subqueries=True,
    ),
    "spark": Dialect(
        "spark", "spark", finite=_between_infinities, is_nan=_function("isnan"), batch_columns=True
    ),
    "trino": Dialect(
        "trino",
        "trino",
        finite=_function("is_finite"),
        is_nan=_function("is_nan"),
        tested=False,
    ),
    "bigquery": Dialect(
        "bigquery",
        "bigquery",
        finite=lambda value: exp.and_(
            exp.not_(exp.Anonymous(this="IS_INF", expressions=[value.copy()])),
            exp.not_(exp.Anonymous(this="IS_NAN", expressions=[value.copy()])),
        ),
        is_nan=_function("IS_NAN"),
        tested=False,
    ),
    "snowflake": Dialect(
        "snowflake",
        "snowflake",
        finite=lambda value: exp.and_(
            exp.NEQ(this=value.copy(), expression=_double("NaN")),
            exp.NEQ(this=value.copy(), expression=_double("inf")),
            exp.NEQ(this=value.copy(), expression=_double("-inf")),
        ),
        is_nan=lambda value: exp.EQ(this=value.copy(), expression=_double("NaN")),
        tested=False,
    ),
}

_PLACEHOLDERS = {"MONITOR_FINITE": "finite", "MONITOR_IS_NAN": "is_nan", "MONITOR_TEXT_TIME": "text_time"}


def quote(name: str) -> str:
    """A column name as a quoted identifier of the statements' own (DuckDB) SQL."""
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def render(statement: str, dialect: Dialect, source: exp.Expression) -> str:
    """``statement`` (DuckDB SQL with the placeholder functions) in ``dialect``'s SQL.

    ``source`` replaces every reference to ``SOURCE_TABLE``: a table, or a table function
    over files.
    """
    tree = sqlglot.parse_one(statement, read="duckdb")

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).upper() in _PLACEHOLDERS:
            rule: Rewrite = getattr(dialect, _PLACEHOLDERS[str(node.this).upper()])
            return exp.paren(rule(node.expressions[0]), copy=False)
        if not dialect.lead_takes_frame and isinstance(node, exp.Window) and isinstance(node.this, exp.Lead):
            node.set("spec", None)
            return node
        if dialect.flattens_subqueries and isinstance(node, exp.Subquery) and node.alias == COMPUTED_ONCE:
            node.this.set("limit", exp.Limit(expression=exp.Literal.number(-1)))
            return node
        if isinstance(node, exp.Table) and node.name == SOURCE_TABLE:
            replacement = source.copy()
            alias = node.args.get("alias")
            if alias is not None:
                replacement.set("alias", alias.copy())
            return replacement
        return node

    return tree.transform(rewrite).sql(dialect=dialect.sqlglot)


def table_expression(name: str) -> exp.Expression:
    """``schema.table`` (or ``catalog.schema.table``) with every part quoted."""
    parts = name.split(".")
    table = exp.Table(this=exp.to_identifier(parts[-1], quoted=True))
    if len(parts) >= 2:
        table.set("db", exp.to_identifier(parts[-2], quoted=True))
    if len(parts) >= 3:
        table.set("catalog", exp.to_identifier(".".join(parts[:-2]), quoted=True))
    return table
