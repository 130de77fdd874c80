"""SQLite columns read through ADBC are checked for values of another storage class (the driver
reads one type per column, the DBAPI path each value's own): which columns are checked comes
from the table's declared types, or from a query's first rows; a column the driver reads as
strings against its declared type is checked in a second read. Every frame equals the DBAPI
path's."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitor.config.models import SourceConfig
from monitor.sources import arrowsql, dispose_engines, open_source
from tests.sources.conftest import Statements

UTC = timezone.utc
T0 = datetime(2026, 3, 1, tzinfo=UTC)
ROWS = 200
START, END = T0 + timedelta(hours=20), T0 + timedelta(hours=180)


@pytest.fixture(autouse=True)
def _fresh_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    pytest.importorskip("adbc_driver_sqlite", reason="adbc-driver-sqlite is not installed")
    # the driver infers each column's type from 16 rows: odd values further on come later
    monkeypatch.setattr(arrowsql, "_SQLITE_BATCH_ROWS", 16)
    yield
    dispose_engines()


def _times() -> list[str]:
    return [(T0 + timedelta(hours=i)).strftime("%Y-%m-%d %H:%M:%S") for i in range(ROWS)]


def _create(path: Path, declared: dict[str, str], rows: list[tuple[Any, ...]]) -> str:
    with sqlite3.connect(path) as connection:
        columns = ", ".join(f'"{name}" {kind}' for name, kind in declared.items())
        connection.execute(f"CREATE TABLE log ({columns})")
        marks = ", ".join("?" * len(declared))
        connection.executemany(f"INSERT INTO log VALUES ({marks})", rows)
    connection.close()
    return f"sqlite:///{path}"


def _dbapi_window(url: str, names: list[str]) -> pd.DataFrame:
    """The DBAPI path's frame: the same source with the ADBC drivers out of reach."""
    saved = arrowsql.load_driver
    arrowsql.load_driver = lambda backend: None
    try:
        with open_source(SourceConfig(url=url, table="log", timestamp="ts")) as source:
            return source.read_window(names, START, END)
    finally:
        arrowsql.load_driver = saved
        dispose_engines()


def _read(url: str, names: list[str], **source: Any) -> pd.DataFrame:
    config = SourceConfig.model_validate({"url": url, "timestamp": "ts", "table": "log", **source})
    with open_source(config) as opened:
        return opened.read_window(names, START, END)


def _statements_read(statements: Statements) -> list[str]:
    return [sql for sql, _ in statements.arrow]


def test_declared_types_tell_which_columns_to_check(tmp_path: Path, statements: Statements) -> None:
    declared = {"ts": "TIMESTAMP", "amount": "REAL", "n": "INTEGER", "segment": "TEXT", "note": "VARCHAR(9)"}
    rows = [(t, i * 0.5, i, ["a", "b", None][i % 3], f"n{i}") for i, t in enumerate(_times())]
    url = _create(tmp_path / "log.db", declared, rows)
    names = ["amount", "n", "segment", "note"]
    frame = _read(url, names)
    pd.testing.assert_frame_equal(frame, _dbapi_window(url, names), check_exact=True)
    sent = _statements_read(statements)
    assert sent and not statements.declined
    assert not any("LIMIT" in sql for sql in sent)  # no read of the first rows to learn the types
    checked = sent[0].split("FROM")[0]
    assert all(f"typeof(log.{name})" in checked for name in ("ts", "segment", "note"))
    assert "typeof(log.amount)" not in checked and "typeof(log.n)" not in checked


@pytest.mark.parametrize(
    ("values", "declines"),
    [
        ([f"t{i}" if i < 30 else i for i in range(ROWS)], True),  # text first, then numbers
        ([f"t{i}" for i in range(ROWS)], False),  # text only, against its declared type
        ([*(["x"] * 30), b"\x00y", *(["x"] * (ROWS - 31))], True),  # a blob among the text
    ],
    ids=["text-then-numbers", "text-only", "text-and-a-blob"],
)
def test_a_numeric_column_read_as_strings_is_checked_too(
    tmp_path: Path, values: list[Any], declines: bool, statements: Statements
) -> None:
    rows = [(t, values[i], i) for i, t in enumerate(_times())]
    url = _create(tmp_path / "log.db", {"ts": "TEXT", "amount": "INTEGER", "id": "INTEGER"}, rows)
    frame = _read(url, ["amount", "id"])
    pd.testing.assert_frame_equal(frame, _dbapi_window(url, ["amount", "id"]), check_exact=True)
    assert bool(statements.declined) == declines
    second = [sql for sql in _statements_read(statements) if "typeof(log.amount)" in sql]
    assert second  # read again, checking the column the driver read as strings


def test_a_query_learns_its_string_columns_from_its_first_rows(
    tmp_path: Path, statements: Statements
) -> None:
    values: list[Any] = ["a"] * ROWS
    values[150] = 7  # past the first rows: the driver reads the column as strings, '7'
    rows = [(t, values[i], i) for i, t in enumerate(_times())]
    url = _create(tmp_path / "log.db", {"ts": "TEXT", "segment": "", "id": "INTEGER"}, rows)
    frame = _read(url, ["segment", "id"], table=None, query="SELECT * FROM log")
    assert frame["segment"].tolist().count(7) == 1  # the DBAPI path's value, not '7'
    assert statements.declined
    assert any("LIMIT" in sql for sql in _statements_read(statements))


@pytest.mark.parametrize("odd_column", [None, 3, 66])
def test_more_columns_than_one_check_holds(
    tmp_path: Path, odd_column: int | None, statements: Statements
) -> None:
    # 70 text columns: checked in two check columns of 62 and 8; a blob (TEXT affinity keeps it,
    # where it turns a number into text) in the 4th or the 67th
    names = [f"c{index:02d}" for index in range(70)]
    rows = []
    for i, t in enumerate(_times()):
        row: list[Any] = [t, *(f"{name}-{i % 4}" for name in names)]
        if odd_column is not None and i == 120:
            row[1 + odd_column] = b"\x00z"
        rows.append(tuple(row))
    url = _create(tmp_path / "log.db", {"ts": "TEXT", **dict.fromkeys(names, "TEXT")}, rows)
    frame = _read(url, names)
    pd.testing.assert_frame_equal(frame, _dbapi_window(url, names), check_exact=True)
    assert bool(statements.declined) == (odd_column is not None)
    assert " AS monitor_not_text_1" in _statements_read(statements)[0]


def test_an_empty_window_reads_as_before(tmp_path: Path) -> None:
    url = _create(tmp_path / "log.db", {"ts": "TEXT", "segment": "TEXT"}, [(t, "a") for t in _times()])
    with open_source(SourceConfig(url=url, table="log", timestamp="ts")) as source:
        frame = source.read_window(["segment"], T0 + timedelta(days=300), T0 + timedelta(days=301))
    assert frame.empty and str(frame["ts"].dtype) == "datetime64[ns, UTC]"
    assert frame["segment"].dtype == object  # the DBAPI path's empty frame
