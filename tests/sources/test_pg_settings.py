"""PostgreSQL window reads through ADBC go by COPY: the bound values are sent as parameters of a
``set_config`` statement and read back in the window's statement. Each value's text parses
back to exactly the value the driver would have bound; values without such a text stay
bound parameters of a prepared statement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.sources.adbcquirks import MAX_SETTINGS, as_settings, set_statement
from tests.pg import temporary_database

UTC = timezone.utc


def _statement(*values: Any) -> sa.Select[Any]:
    column = sa.column("x")
    return sa.select(column).where(*(column != sa.bindparam(f"v{i}", v) for i, v in enumerate(values)))


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[sa.Engine]:
    with temporary_database() as url:
        engine = sa.create_engine(url)
        yield engine
        engine.dispose()


EXACT: list[Any] = [
    datetime(2026, 2, 1, 13, 5, 7, 123456, tzinfo=UTC),
    datetime(2026, 2, 1, 13, 5, 7, 9, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(1969, 12, 31, 23, 59, 59, 999999),  # naive: timestamp without time zone
    0.1,
    -0.0,
    1.7976931348623157e308,
    5e-324,
    1767225600.000001,
    2**63 - 1,
    -(2**63),
    True,
    "2026-02-01T00:00:00",
    'it\'s "quoted" ünïcode \\ %_',
    "",
]


@pytest.mark.postgres
@pytest.mark.parametrize("value", EXACT, ids=[repr(v)[:30] for v in EXACT])
def test_each_value_reads_back_as_itself(pg_engine: sa.Engine, value: Any) -> None:
    rewritten = as_settings(_statement(value))
    assert rewritten is not None
    statement, texts = rewritten
    cast = next(
        clause
        for clause in statement.whereclause.get_children()
        if isinstance(clause, sa.Cast)  # type: ignore[union-attr]
    )
    with pg_engine.connect() as connection:
        connection.exec_driver_sql(set_statement(1).replace("$1", "%(text)s"), {"text": texts[0]})
        read_back = connection.execute(sa.select(cast)).scalar_one()
        # the value bound as the same type by the driver, compared in the database
        same = connection.execute(
            sa.select(cast == sa.cast(sa.bindparam("v", value), cast.type))
        ).scalar_one()
    assert same is True
    if isinstance(value, float):
        assert repr(read_back) == repr(value)  # -0.0 and the smallest subnormal included
    elif isinstance(value, datetime) and value.tzinfo is not None:
        assert read_back == value
    else:
        assert read_back == value


@pytest.mark.parametrize(
    "statement",
    [
        _statement(Decimal("1.5")),
        _statement(float("inf")),
        _statement(2**63),
        _statement("nul\x00"),
        _statement(*range(MAX_SETTINGS + 1)),
        sa.select(sa.column("x")).where(sa.column("x").in_([1, 2, 3])),
        sa.select(sa.column("x")),
    ],
    ids=["decimal", "infinity", "past-int64", "nul-character", "too-many", "keys", "no-value"],
)
def test_values_without_an_exact_text_stay_bound(statement: sa.Select[Any]) -> None:
    assert as_settings(statement) is None


def test_no_value_is_written_into_the_statement() -> None:
    rewritten = as_settings(_statement(datetime(2026, 2, 1, tzinfo=UTC), "x'; DROP TABLE log; --"))
    assert rewritten is not None
    statement, texts = rewritten
    sql = str(statement.compile(compile_kwargs={"render_postcompile": True}))
    assert "2026" not in sql and "DROP" not in sql
    assert texts == ["2026-02-01T00:00:00+00:00", "x'; DROP TABLE log; --"]
    assert set_statement(2) == (
        "SELECT set_config('monitor.bound_0', $1, false), set_config('monitor.bound_1', $2, false)"
    )
