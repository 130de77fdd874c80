"""Trino, BigQuery and Snowflake SQL: generated from the same statements and parsed back by sqlglot.

These dialects are not run against live services (docs/reference.md says so); the tests
show every statement transpiles into SQL their parser accepts, with identifiers quoted
and values left as bound parameters.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlglot
from sqlglot import exp

from monitor.compute import multiclass, statements
from monitor.compute.dialects import DIALECTS, render, table_expression
from monitor.sources.timestamps import TimeStorage
from monitor.windows import Interval

ODD = 'amount "usd"; DROP'  # a column name that must stay one quoted identifier
REFERENCE = statements.WindowSpec(
    "ts",
    TimeStorage("datetime"),
    Interval(datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 2, tzinfo=timezone.utc)),
)
CURRENT = statements.WindowSpec(
    "ts",
    TimeStorage("text", separator="T"),
    Interval(datetime(2026, 1, 2, tzinfo=timezone.utc), datetime(2026, 1, 2, 1, tzinfo=timezone.utc)),
)


def every_statement() -> list[tuple[str, statements.Statement]]:
    return [
        statements.row_count(REFERENCE),
        statements.profile(REFERENCE, [ODD, "x"], [(ODD, True), ("colour", False)]),
        statements.standard_deviations(REFERENCE, [(ODD, -3.5)]),
        statements.repeats_sample(REFERENCE, [ODD, "x"]),
        statements.cdf_gap(REFERENCE, CURRENT, ODD, 10, 20, grouped=True),
        statements.cdf_gap(REFERENCE, CURRENT, ODD, 10, 20, grouped=False),
        statements.cdf_gap(REFERENCE, REFERENCE, ODD, 10, 20, grouped=False),  # overlapping windows
        statements.value_counts(REFERENCE, CURRENT, "colour", numerical=False),
        statements.value_counts(REFERENCE, CURRENT, ODD, numerical=True),
        statements.distinct_values([REFERENCE, CURRENT], ODD),
        statements.histogram(REFERENCE, CURRENT, ODD, [0.0, 0.5, 1.0, 1.5]),
        statements.distinct_profile(REFERENCE, ["colour", ODD]),
        statements.label_pairs(REFERENCE, "target", "label", None),
        statements.label_pairs(REFERENCE, "target", None, "score"),
        statements.score_ranks(REFERENCE, "target", "score", [1, True]),
        statements.regression_sums(REFERENCE, "target", ODD),
        multiclass.label_pairs(REFERENCE, "target", True, "label", [ODD, "p_b"], ["a", "b"]),
        multiclass.label_pairs(CURRENT, "target", False, None, [ODD, "p_b", "p_c"], ["a", "b", "c"]),
        multiclass.class_scores(CURRENT, "target", True, [ODD, "p_b", "p_c"], [["a"], [1.0, 1], []]),
    ]


@pytest.mark.parametrize(
    "dialect", ["trino", "bigquery", "snowflake", "duckdb", "postgresql", "sqlite", "spark"]
)
def test_every_statement_transpiles_and_parses(dialect: str) -> None:
    target = DIALECTS[dialect]
    for sql, statement in every_statement():
        rendered = render(sql, target, table_expression("analytics.predictions"))
        tree = sqlglot.parse_one(rendered, read=target.sqlglot)  # raises on SQL the dialect cannot read
        assert "MONITOR_" not in rendered.upper()
        placeholders = {node.name for node in tree.find_all(exp.Placeholder, exp.Parameter)}  # BigQuery: @p
        assert placeholders == set(statement.params), rendered
        columns = {node.name for node in tree.find_all(exp.Column)}
        if ODD in sql.replace('""', '"'):
            assert ODD in columns, rendered
        assert "predictions" in {table.name for table in tree.find_all(exp.Table)}


def test_untested_dialects_are_marked() -> None:
    assert {name for name, dialect in DIALECTS.items() if not dialect.tested} == {
        "trino",
        "bigquery",
        "snowflake",
    }


@pytest.mark.parametrize(
    "dialect", ["postgresql", "sqlite", "duckdb", "spark", "trino", "bigquery", "snowflake"]
)
def test_lead_shares_the_sum_frame_only_where_allowed(dialect: str) -> None:
    """PostgreSQL and SQLite compute the running sum and LEAD in one pass when their window
    clauses match; Spark, BigQuery and Snowflake reject a frame on LEAD."""
    target = DIALECTS[dialect]
    sql, _ = statements.cdf_gap(REFERENCE, CURRENT, "x", 10, 20, grouped=False)
    tree = sqlglot.parse_one(render(sql, target, table_expression("t")), read=target.sqlglot)
    (lead,) = [window for window in tree.find_all(exp.Window) if isinstance(window.this, exp.Lead)]
    (running,) = [window for window in tree.find_all(exp.Window) if isinstance(window.this, exp.Sum)]
    assert running.args.get("spec") is not None
    if target.lead_takes_frame:
        assert lead.args["spec"] == running.args["spec"]
    else:
        assert lead.args.get("spec") is None


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "duckdb", "spark", "trino"])
def test_profile_values_are_computed_once_per_row(dialect: str) -> None:
    """SQLite would merge the profile's subquery into the aggregates, evaluating each column's
    finite test once per aggregate: ``LIMIT -1`` (no limit) keeps it apart there only."""
    target = DIALECTS[dialect]
    sql, _ = statements.profile(REFERENCE, [ODD, "x"], [(ODD, True)])
    tree = sqlglot.parse_one(render(sql, target, table_expression("t")), read=target.sqlglot)
    (inner,) = [node.this for node in tree.find_all(exp.Subquery)]
    limit = inner.args.get("limit")
    if target.flattens_subqueries:
        assert limit is not None and limit.expression.sql() == "-1"
    else:
        assert limit is None
    assert len(list(tree.find_all(exp.Case))) == 3  # two finite values and one missing flag, once each
