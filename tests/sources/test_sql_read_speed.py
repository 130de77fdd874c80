"""The fast SQL read path (chunked conversion, PostgreSQL binary results, the time column
parsed without pandas' inference first, no copy of a window already in order) returns
exactly the frame of the straightforward path: every row fetched at once, converted by
``DataFrame.from_records``, times parsed, then filtered, stably sorted and renumbered."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.config.models import SourceConfig
from monitor.sources import arrowsql, dispose_engines, open_source
from monitor.sources import records as records_module
from monitor.sources import sqlalchemy as sqlalchemy_source
from monitor.sources.records import frame_from_chunks, records_frame
from monitor.sources.timestamps import to_utc_timestamps
from tests.pg import temporary_database
from tests.sources.conftest import Statements

UTC = timezone.utc
T0 = datetime(2026, 3, 1, tzinfo=UTC)
ROWS = 240
START, END = T0 + timedelta(hours=40), T0 + timedelta(hours=200)
TABLE = "log"
COLUMNS = ["id", "amount", "segment", "label", "flag"]


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch, sql_reader: str) -> Iterator[None]:
    monkeypatch.setattr(records_module, "CHUNK_ROWS", 50)  # several chunks per window
    yield
    dispose_engines()


def _times(shuffle: bool) -> list[datetime]:
    hours = [T0 + timedelta(hours=i, microseconds=7 * i) for i in range(ROWS)]
    if shuffle:  # rows written out of time order, with repeated times
        order = np.random.default_rng(3).permutation(ROWS)
        hours = [hours[i] for i in order]
        hours[5] = hours[6]
    return hours


def _log(times: list[Any]) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    amount = rng.normal(100, 30, ROWS)
    amount[::17] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(ROWS),
            "ts": times,
            "amount": amount,
            "segment": rng.choice(["retail", "sme", None], ROWS),
            # late labels: present in the first rows only, so whole chunks hold NULL only
            "label": [float(i % 2) if i < 60 else None for i in range(ROWS)],
            "flag": [i % 3 == 0 for i in range(ROWS)],
        }
    )


def _write(url: str, frame: pd.DataFrame, dtype: dict[str, Any] | None = None) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        frame.to_sql(TABLE, connection, index=False, dtype=dtype, if_exists="replace")
    engine.dispose()


def _straightforward(url: str, names: list[str]) -> pd.DataFrame:
    """The previous path: one from_records over every row, the window cut out after parsing."""
    engine = sa.create_engine(url)
    table = sa.table(TABLE, *(sa.column(name) for name in names))
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.select(*table.c)).fetchall()]
    engine.dispose()
    frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
    frame["ts"] = to_utc_timestamps(frame["ts"], "ts", "the test table")
    inside = frame.loc[(frame["ts"] >= pd.Timestamp(START)) & (frame["ts"] < pd.Timestamp(END))]
    return inside.sort_values("ts", kind="mergesort").reset_index(drop=True)


def _assert_same_window(url: str, statements: Statements, reader: str, *, declines: bool = False) -> None:
    """The source's window equals the straightforward one, and was read through ``reader``
    (through ADBC unless it ``declines`` that column type; then through SQLAlchemy)."""
    with open_source(SourceConfig(url=url, table=TABLE, timestamp="ts")) as source:
        fast = source.read_window(COLUMNS, START, END)
    expected = _straightforward(url, ["ts", *COLUMNS])
    assert len(expected) > 100
    pd.testing.assert_frame_equal(fast, expected, check_exact=True)
    if reader == "sqlalchemy":
        assert not statements.arrow
    elif declines:
        assert statements.arrow and statements.declined
    else:
        assert statements.arrow and not statements.declined, statements.declined


def _iso(times: list[datetime], fmt: str) -> list[str]:
    return [t.strftime(fmt) for t in times]


SQLITE_TIMES: dict[str, Any] = {
    "iso-T-microseconds": lambda t: _iso(t, "%Y-%m-%dT%H:%M:%S.%f"),
    "iso-space": lambda t: _iso(t, "%Y-%m-%d %H:%M:%S"),
    "iso-Z": lambda t: _iso(t, "%Y-%m-%dT%H:%M:%S.%fZ"),
    "iso-local-offset": lambda t: [v.astimezone(timezone(timedelta(hours=-5))).isoformat() for v in t],
    "iso-mixed-writers": lambda t: [
        v.strftime("%Y-%m-%dT%H:%M:%SZ") if i % 2 else v.strftime("%Y-%m-%d %H:%M:%S")
        for i, v in enumerate(t)
    ],
    "epoch-int": lambda t: [int(v.timestamp()) for v in t],
    "epoch-float": lambda t: [v.timestamp() for v in t],
}


@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
@pytest.mark.parametrize("storage", list(SQLITE_TIMES))
def test_sqlite_fast_path_equals_straightforward_path(
    tmp_path: Path, storage: str, shuffle: bool, statements: Statements, sql_reader: str
) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    _write(url, _log(SQLITE_TIMES[storage](_times(shuffle))))
    _assert_same_window(url, statements, sql_reader)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url


PG_TIMES: dict[str, tuple[Any, Any]] = {
    "timestamptz": (lambda t: t, sa.DateTime(timezone=True)),
    "timestamp": (lambda t: [v.replace(tzinfo=None) for v in t], sa.DateTime(timezone=False)),
    "iso-text-offset": (
        lambda t: [v.astimezone(timezone(timedelta(hours=9))).isoformat() for v in t],
        sa.Text(),
    ),
    "epoch-bigint": (lambda t: [int(v.timestamp()) for v in t], sa.BigInteger()),
    "epoch-numeric": (lambda t: [Decimal(f"{v.timestamp():.6f}") for v in t], sa.Numeric(16, 6)),
}


@pytest.mark.postgres
@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
@pytest.mark.parametrize("storage", list(PG_TIMES))
def test_postgres_fast_path_equals_straightforward_path(
    pg_url: str, storage: str, shuffle: bool, statements: Statements, sql_reader: str
) -> None:
    make_times, sql_type = PG_TIMES[storage]
    _write(pg_url, _log(make_times(_times(shuffle))), dtype={"ts": sql_type})
    # numeric (Decimal objects on the DBAPI path) is one of the types Arrow reads decline
    _assert_same_window(pg_url, statements, sql_reader, declines=storage == "epoch-numeric")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sql_type", "values", "declines"),
    [
        # binary and Arrow give 1.100000023841858, the DBAPI path 1.1 from the text: declined
        (sa.REAL(), [1.1, None, 2.2], True),
        (sa.Numeric(10, 2), [Decimal("1.50"), None, Decimal("-3.25")], True),
        (sa.Date(), [date(2026, 3, 1), None, date(2026, 3, 2)], False),
        (sa.Boolean(), [True, None, False], False),
        (sa.Boolean(), [True, False, False], False),
        (sa.Integer(), [1, None, 3], False),
        (sa.SmallInteger(), [1, 2, 3], False),
        (sa.String(20), ["a", None, "b"], False),
        (sa.Text(), [None, None, None], False),
        (sa.Float(), [None, None, None], False),
    ],
)
def test_postgres_column_types_read_as_before(
    pg_url: str, sql_type: Any, values: list[Any], declines: bool, statements: Statements, sql_reader: str
) -> None:
    frame = _log(_times(False))
    frame["amount"] = (values * ROWS)[:ROWS]
    _write(pg_url, frame, dtype={"ts": sa.DateTime(timezone=True), "amount": sql_type})
    _assert_same_window(pg_url, statements, sql_reader, declines=declines)


SQLITE_MIXED: dict[str, tuple[list[Any], bool]] = {
    # SQLite keeps a storage class per value; the DBAPI path gives each value its own type
    "int-and-float": ([1, 2.5, None, 4], False),
    "text-and-int": (["a", 1, None, "b"], True),
    "int-then-text": ([i if i != 150 else "late text" for i in range(ROWS)], True),
    "text-and-blob": (["a", b"\x00b", None, "c"], True),
    "text-then-int": ([*(["a"] * 100), 7, *(["b"] * (ROWS - 101))], True),
    "text-then-blob": ([*(["a"] * 100), b"\x00b", *(["b"] * (ROWS - 101))], True),
    "float-then-text": ([*([1.5] * 100), "x", *([2.5] * (ROWS - 101))], True),
    "null-only": ([None], False),
}


@pytest.mark.parametrize("inferred_from", [None, 16], ids=["default", "16-rows"])
@pytest.mark.parametrize("mixed", list(SQLITE_MIXED))
def test_sqlite_values_of_several_storage_classes_read_as_before(
    tmp_path: Path,
    mixed: str,
    inferred_from: int | None,
    statements: Statements,
    sql_reader: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # with 16, the driver infers each column's type from 16 rows: the odd values come later
    # (a string column then silently turns a number into '7'; a number column raises)
    if inferred_from is not None:
        monkeypatch.setattr(arrowsql, "_SQLITE_BATCH_ROWS", inferred_from)
    values, declines = SQLITE_MIXED[mixed]
    path = tmp_path / "log.db"
    frame = _log(_iso(_times(False), "%Y-%m-%d %H:%M:%S.%f"))
    with sqlite3.connect(path) as connection:  # untyped columns: no affinity converts the values
        connection.execute(f"CREATE TABLE {TABLE} (id, ts, amount, segment, label, flag)")
        rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False)
        values = (values * ROWS)[:ROWS]
        connection.executemany(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?)",
            [(*row[:2], values[i], *row[3:]) for i, row in enumerate(rows)],
        )
    connection.close()
    _assert_same_window(f"sqlite:///{path}", statements, sql_reader, declines=declines)


def test_empty_window_reads_as_before(tmp_path: Path, statements: Statements, sql_reader: str) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    _write(url, _log(_iso(_times(False), "%Y-%m-%d %H:%M:%S")))
    late = T0 + timedelta(days=400)
    with open_source(SourceConfig(url=url, table=TABLE, timestamp="ts")) as source:
        frame = source.read_window(COLUMNS, late, late + timedelta(days=1))
    assert frame.empty and list(frame.columns) == ["ts", *COLUMNS]
    assert str(frame["ts"].dtype) == "datetime64[ns, UTC]"
    assert frame[COLUMNS].dtypes.tolist() == [object] * len(COLUMNS)


def test_chunks_of_different_dtypes_give_the_whole_conversion() -> None:
    rows = [(i, None if i >= 4 else i * 1.5, "a" if i % 2 else None, None) for i in range(10)]
    rows += [(10, "text", "b", datetime(2026, 3, 1, tzinfo=UTC))]
    names = ["id", "value", "segment", "when"]
    for size in (1, 3, 4, 100):
        for raw in ((), ("when",)):
            chunks = iter([rows[i : i + size] for i in range(0, len(rows), size)] + [[]])
            fetched = frame_from_chunks(lambda _, chunks=chunks: next(chunks), names, raw, size)
            pd.testing.assert_frame_equal(fetched, records_frame(rows, names, raw))
    # the chunks above really did convert differently from the whole
    assert list(records_frame(rows[:4], names).dtypes) != list(records_frame(rows, names).dtypes)
    assert records_frame([], names, ("when",)).dtypes.tolist() == [object] * 4
    only_time = records_frame([(1,), (2,)], ["when"], ("when",))
    assert only_time["when"].tolist() == [1, 2] and only_time["when"].dtype == object


@pytest.mark.parametrize("storage", ["iso-local-offset", "iso-mixed-writers", "epoch-float"])
def test_one_slice_and_several_give_the_same_window(
    tmp_path: Path, storage: str, sql_reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # text filters are supersets of their range: rows near a slice edge match two slices
    url = f"sqlite:///{tmp_path / 'log.db'}"
    _write(url, _log(SQLITE_TIMES[storage](_times(True))))
    windows = []
    for slices in (1, 2, 7):
        monkeypatch.setattr(sqlalchemy_source, "READ_SLICES", slices)
        with open_source(SourceConfig(url=url, table=TABLE, timestamp="ts")) as source:
            windows.append(source.read_window(COLUMNS, START, END))
    pd.testing.assert_frame_equal(windows[0], windows[1], check_exact=True)
    pd.testing.assert_frame_equal(windows[0], windows[2], check_exact=True)
    pd.testing.assert_frame_equal(windows[0], _straightforward(url, ["ts", *COLUMNS]), check_exact=True)


@pytest.mark.parametrize(
    ("parameters", "fast"),
    [
        ([f"tx-{i}" for i in range(300)], True),
        (list(range(-5, 300)), True),
        ([0.5, 2.0, float("inf")], True),
        ([True, False], True),
        ([*(f"tx-{i}" for i in range(300)), 65536], True),  # keys and a LIMIT
        ([1.5, 2, "a", True, 3, "b"], True),
        ([2**63, 1], False),  # beyond int64: each alone would be typed differently
        (["a", 1, None, datetime(2026, 1, 1, tzinfo=UTC)], False),  # other types
    ],
    ids=["text", "int", "float", "bool", "keys-and-limit", "plain-mix", "uint64", "other-types"],
)
def test_bound_keys_are_the_batch_adbc_builds(parameters: list[Any], fast: bool) -> None:
    import pyarrow as pa

    bound = arrowsql.bind_batch(parameters)
    if fast:
        # what adbc_driver_manager's pyarrow backend binds for a list of parameters
        names = [str(i) for i in range(len(parameters))]
        adbc = pa.record_batch([[value] for value in parameters], names=names)
        assert isinstance(bound, pa.RecordBatch)
        assert bound.schema.equals(adbc.schema) and bound.equals(adbc)
    else:  # left to ADBC's own conversion
        assert bound is parameters
    assert arrowsql.bind_batch([]) is None


@pytest.mark.parametrize("kind", ["text", "int"])
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_thousands_of_join_keys_read_as_before(
    tmp_path: Path,
    kind: str,
    database: str,
    sql_reader: str,
    statements: Statements,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # several chunks of keys, some absent from the table, on both read paths (sql_reader)
    monkeypatch.setattr(sqlalchemy_source, "KEY_CHUNK", 250)
    rows = 2000
    ids: list[Any] = [f"tx-{i}" for i in range(rows)] if kind == "text" else list(range(rows))
    labels = pd.DataFrame({"id": ids, "label": [i % 2 for i in range(rows)]})
    wanted = pd.Series(ids[::3] + (["tx-none"] if kind == "text" else [rows + 7]))
    sqlite_url = f"sqlite:///{tmp_path / 'labels.db'}"
    with temporary_database() if database == "postgresql" else nullcontext(sqlite_url) as url:
        _write_table(url, "outcomes", labels)
        with open_source(SourceConfig(url=url, table="outcomes", timestamp="id")) as source:
            read = source.read_keys("id", ["label"], wanted)
    pd.testing.assert_frame_equal(read, labels.iloc[::3].reset_index(drop=True), check_exact=True)
    assert not statements.declined
    # one statement per chunk of keys: SQLite's declared types tell which columns to check for text
    assert len(statements.arrow) == (3 if sql_reader == "adbc" else 0)


def _write_table(url: str, table: str, frame: pd.DataFrame) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        frame.to_sql(table, connection, index=False, if_exists="replace")
    engine.dispose()
