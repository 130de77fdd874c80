"""SQL sources against real SQLite files and the local PostgreSQL: what is fetched, how time
is filtered in SQL, every way of storing a timestamp, and late labels joined from another table."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.config.models import MonitorConfig, SourceConfig
from monitor.errors import ConfigError, SourceError
from monitor.sources import check_monitor_source, dispose_engines, open_source, read_window
from tests.pg import temporary_database
from tests.sources.conftest import Statements

UTC = timezone.utc
T0 = datetime(2026, 3, 1, tzinfo=UTC)
START, END = T0 + timedelta(hours=10), T0 + timedelta(hours=20)
ROWS = 30  # one row per hour from T0: rows 10..19 are in [START, END)

AMOUNT = 'amount "usd"'  # a column name SQL can only hold quoted
SEGMENT = "customer segment"
TABLE = "scored loans"


@pytest.fixture(autouse=True)
def _fresh_engines(sql_reader: str) -> Iterator[None]:  # every test on both read paths
    yield
    dispose_engines()


def _log(times: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.arange(ROWS),
            "ts": times,
            AMOUNT: np.arange(ROWS) * 1.5,
            SEGMENT: ["retail", "sme"] * (ROWS // 2),
            "score": np.linspace(0.05, 0.95, ROWS),
            "unused": ["x" * 50] * ROWS,
        }
    )


def _hours() -> list[datetime]:
    return [T0 + timedelta(hours=i) for i in range(ROWS)]


def _write(url: str, frame: pd.DataFrame, table: str = TABLE, dtype: dict[str, Any] | None = None) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        frame.to_sql(table, connection, index=False, dtype=dtype)
    engine.dispose()


def _source(url: str, **extra: Any) -> SourceConfig:
    return SourceConfig.model_validate({"url": url, "timestamp": "ts", **({"table": TABLE} | extra)})


def _monitor(source: SourceConfig, **extra: Any) -> MonitorConfig:
    return MonitorConfig.model_validate(
        {
            "source": source.model_dump(exclude_none=True),
            "reference": {"previous": "1d"},
            "window": "10h",
            **extra,
        }
    )


def _expected_ids() -> list[int]:
    return list(range(10, 20))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'log.db'}"


# -- what is fetched, and how --------------------------------------------------------------------


def test_only_window_rows_and_configured_columns_with_bound_time_filter(
    sqlite_url: str, statements: Statements
) -> None:
    _write(sqlite_url, _log([t.strftime("%Y-%m-%d %H:%M:%S") for t in _hours()]))
    with open_source(_source(sqlite_url)) as source:
        frame = source.read_window([AMOUNT, SEGMENT, "id"], START, END)
    assert list(frame.columns) == ["ts", AMOUNT, SEGMENT, "id"]
    assert frame["id"].tolist() == _expected_ids()
    assert frame[AMOUNT].tolist() == [i * 1.5 for i in _expected_ids()]
    assert str(frame["ts"].dtype) == "datetime64[ns, UTC]"
    assert frame["ts"].iloc[0] == pd.Timestamp(START)

    (sql, parameters), *_ = [s for s in statements.reading(TABLE) if "WHERE" in s[0]]
    assert '"amount ""usd"""' in sql and '"customer segment"' in sql and '"scored loans"' in sql
    assert "unused" not in sql and "*" not in sql
    assert "2026" not in sql  # the bounds travel as parameters, never inside the SQL text
    assert any(str(value).startswith("2026-03-01") for value in parameters)


def test_query_source_filters_in_sql(sqlite_url: str, statements: Statements) -> None:
    _write(sqlite_url, _log([t.isoformat() for t in _hours()]))
    query = f'SELECT id, ts, score FROM "{TABLE}" WHERE id % 2 = 0;'
    with open_source(_source(sqlite_url, table=None, query=query)) as source:
        frame = source.read_window(["score"], START, END)
    assert list(frame.columns) == ["ts", "score"]
    assert len(frame) == 5
    filtered = [sql for sql, _ in statements.reading(TABLE) if "monitor_source" in sql and "?" in sql]
    assert filtered and "2026" not in filtered[-1]


def test_unknown_column_and_table_are_named(sqlite_url: str) -> None:
    _write(sqlite_url, _log([t.isoformat() for t in _hours()]))
    monitor = _monitor(_source(sqlite_url), features={"numerical": ["amount"]})
    with pytest.raises(ConfigError) as info:
        read_window(monitor, ["amount"], START, END)
    assert info.value.key == "features.numerical"
    assert "'amount' not found" in str(info.value) and AMOUNT in str(
        info.value
    )  # "did you mean" the real one
    with (  # a table the database lacks is a config mistake (exit 2), like a column
        pytest.raises(ConfigError, match="'nope' not found"),
        open_source(_source(sqlite_url, table="nope")) as s,
    ):
        s.read_window(None, START, END)


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    with pytest.raises(SourceError, match="typo.db"), open_source(_source(url)) as source:
        source.read_window(None, START, END)
    assert not (tmp_path / "typo.db").exists()


def test_unreachable_database_masks_password() -> None:
    url = "postgresql+psycopg://monitor:hunter2secret@127.0.0.1:9/credit"
    with pytest.raises(SourceError) as info, open_source(_source(url)) as source:
        source.read_window(None, START, END)
    chain, error = [], info.value  # neither the message nor any chained cause holds the password
    while error is not None:
        chain.append(f"{error!s} {error!r}")
        error = error.__cause__
    assert "hunter2secret" not in " ".join(chain)
    assert "127.0.0.1" in str(info.value)


# -- every way of storing a time (SQLite) -----------------------------------------------------


def _iso(fmt: str) -> list[str]:
    return [t.strftime(fmt) for t in _hours()]


SQLITE_TIMES: dict[str, list[Any]] = {
    "iso-space": _iso("%Y-%m-%d %H:%M:%S"),
    "iso-T": _iso("%Y-%m-%dT%H:%M:%S"),
    "iso-Z": _iso("%Y-%m-%dT%H:%M:%SZ"),
    "iso-utc-offset": [t.isoformat() for t in _hours()],
    "iso-microseconds": _iso("%Y-%m-%d %H:%M:%S.%f"),
    "iso-minutes": _iso("%Y-%m-%d %H:%M"),
    "iso-local-offset": [t.astimezone(timezone(timedelta(hours=-5))).isoformat() for t in _hours()],
    "iso-mixed-writers": [
        t.strftime("%Y-%m-%dT%H:%M:%SZ") if i % 2 else t.strftime("%Y-%m-%d %H:%M:%S")
        for i, t in enumerate(_hours())
    ],
    "epoch-int": [int(t.timestamp()) for t in _hours()],
    "epoch-float": [t.timestamp() + 0.25 for t in _hours()],
}


@pytest.mark.parametrize("storage", list(SQLITE_TIMES))
def test_sqlite_time_storages(sqlite_url: str, storage: str) -> None:
    _write(sqlite_url, _log(SQLITE_TIMES[storage]))
    with open_source(_source(sqlite_url)) as source:
        frame = source.read_window(["id"], START, END)
    assert frame["id"].tolist() == _expected_ids(), storage


def test_sqlite_native_datetime_column(tmp_path: Path) -> None:
    # written by sqlite3's default adapter: naive, which means UTC
    path = tmp_path / "native.db"
    with sqlite3.connect(path) as connection:
        connection.execute(f'CREATE TABLE "{TABLE}" (id INTEGER, ts TIMESTAMP)')
        connection.executemany(
            f'INSERT INTO "{TABLE}" VALUES (?, ?)',
            [(i, str(t.replace(tzinfo=None))) for i, t in enumerate(_hours())],
        )
    connection.close()
    with open_source(_source(f"sqlite:///{path}")) as source:
        frame = source.read_window(["id"], START, END)
    assert frame["id"].tolist() == _expected_ids()


# -- targets ---------------------------------------------------------------------------------------


def _labels(url: str, table: str = "outcomes") -> None:
    # labels arrive late: only ids below 15 have one yet; id 3 was corrected (last row wins)
    labels = pd.DataFrame({"id": [*range(15), 3], "label": [i % 2 for i in range(15)] + [0]})
    _write(url, labels.sample(frac=1.0, random_state=1), table=table)


def _joined(log_url: str, **target: Any) -> pd.DataFrame:
    monitor = _monitor(
        _source(log_url),
        features={"numerical": [AMOUNT]},
        prediction={"score": "score"},
        target={"column": "label", **target},
    )
    return read_window(monitor, [AMOUNT, "score"], START, END)


def test_target_joined_from_another_table_late_labels_stay_missing(sqlite_url: str) -> None:
    _write(sqlite_url, _log(_iso("%Y-%m-%d %H:%M:%S")))
    _labels(sqlite_url)
    frame = _joined(sqlite_url, table="outcomes", join_on="id")
    assert len(frame) == 10  # every prediction counts for drift...
    assert frame["label"].tolist()[:5] == [0, 1, 0, 1, 0]  # ids 10..14 labelled
    assert frame["label"].iloc[5:].isna().all()  # ...ids 15..19 wait for theirs
    assert "id" not in frame.columns  # the key was fetched for the join only


def test_target_in_another_database_and_in_files(tmp_path: Path, sqlite_url: str) -> None:
    _write(sqlite_url, _log(_iso("%Y-%m-%d %H:%M:%S")))
    labels_url = f"sqlite:///{tmp_path / 'labels.db'}"
    _labels(labels_url)
    frame = _joined(sqlite_url, url=labels_url, table="outcomes", join_on="id")
    assert frame["label"].notna().sum() == 5
    pd.DataFrame({"id": [12, 13], "label": [1, 1]}).to_csv(tmp_path / "labels.csv", index=False)
    frame = _joined(sqlite_url, path=str(tmp_path / "labels.csv"), join_on="id")
    assert frame["label"].notna().sum() == 2


def test_target_in_the_same_rows(sqlite_url: str) -> None:
    log = _log(_iso("%Y-%m-%d %H:%M:%S"))
    log["label"] = [1.0 if i < 15 else None for i in range(ROWS)]
    _write(sqlite_url, log)
    frame = _joined(sqlite_url)
    assert frame["label"].notna().sum() == 5 and len(frame) == 10


# -- PostgreSQL ------------------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:  # one database per test: each runs on both read paths
    with temporary_database() as url:
        yield url


PG_TIMES: dict[str, tuple[list[Any], Any]] = {
    "timestamptz": (_hours(), sa.DateTime(timezone=True)),
    "timestamp": ([t.replace(tzinfo=None) for t in _hours()], sa.DateTime(timezone=False)),
    "iso-text": (_iso("%Y-%m-%d %H:%M:%S"), sa.Text()),
    "iso-text-offset": (
        [t.astimezone(timezone(timedelta(hours=9))).isoformat() for t in _hours()],
        sa.Text(),
    ),
    "epoch": ([int(t.timestamp()) for t in _hours()], sa.BigInteger()),
}


@pytest.mark.postgres
@pytest.mark.parametrize("storage", list(PG_TIMES))
def test_postgres_time_storages(pg_url: str, storage: str, statements: Statements) -> None:
    times, sql_type = PG_TIMES[storage]
    table = f"log_{storage.replace('-', '_')}"
    _write(pg_url, _log(times), table=table, dtype={"ts": sql_type})
    with open_source(_source(pg_url, table=table)) as source:
        frame = source.read_window([AMOUNT, "id"], START, END)
    assert frame["id"].tolist() == _expected_ids(), storage
    assert frame["ts"].iloc[0] == pd.Timestamp(START)
    sql = next(sql for sql, _ in statements.reading(table) if "WHERE" in sql)
    # bound: as parameters, or (ADBC, read by COPY) as settings set from parameters
    bound = ("%(window_", "$1", "current_setting('monitor.bound_0')")
    assert any(form in sql for form in bound) and "2026" not in sql and '"amount ""usd"""' in sql


@pytest.mark.postgres
def test_postgres_late_labels_and_schema_qualified_table(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS ml")
    engine.dispose()
    _write(pg_url, _log(_hours()), dtype={"ts": sa.DateTime(timezone=True)})
    _labels(pg_url, table="outcomes")
    frame = _joined(pg_url, table="outcomes", join_on="id")
    assert frame["label"].notna().sum() == 5 and len(frame) == 10
    _write(pg_url, _log(_hours()), table="scores", dtype={"ts": sa.DateTime(timezone=True)})
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE scores SET SCHEMA ml")
    engine.dispose()
    with open_source(_source(pg_url, table="ml.scores")) as source:
        assert source.read_window(["id"], START, END)["id"].tolist() == _expected_ids()


def test_connect_check_names_every_problem_by_key(sqlite_url: str) -> None:
    _write(sqlite_url, _log(_iso("%Y-%m-%d %H:%M:%S")))
    _labels(sqlite_url)
    monitor = _monitor(
        _source(sqlite_url),
        features={"numerical": [SEGMENT, "amount"], "categorical": ["id"]},
        prediction={"score": "score"},
        target={"column": "outcome", "table": "outcomes", "join_on": "id"},
    )
    problems = check_monitor_source(monitor)
    assert problems[0].startswith(f"features.numerical: column 'amount' not found in table '{TABLE}'")
    assert any(
        p.startswith(f"features.numerical: column '{SEGMENT}'") and "categorical" in p for p in problems
    )
    assert any(
        p.startswith("target.column: column 'outcome' not found in table 'outcomes'") for p in problems
    )
    assert len(problems) == 3
    healthy = _monitor(_source(sqlite_url), features={"numerical": [AMOUNT]}, prediction={"score": "score"})
    assert check_monitor_source(healthy) == []


@pytest.mark.postgres
def test_password_never_logged_on_either_read_path(
    pg_url: str, caplog: pytest.LogCaptureFixture, sql_reader: str
) -> None:
    # the local server trusts the connection, so the read succeeds and every debug line is seen
    _write(pg_url, _log(_hours()), dtype={"ts": sa.DateTime(timezone=True)})
    secret_url = pg_url.replace("postgres@", "postgres:hunter2secret@")
    caplog.set_level(logging.DEBUG, logger="monitor")
    with open_source(_source(secret_url)) as source:
        assert source.read_window(["id"], START, END)["id"].tolist() == _expected_ids()
    with (
        pytest.raises(SourceError) as info,
        open_source(_source(secret_url, table=None, query="SELECT nope")) as s,
    ):
        s.read_window(None, START, END)
    assert "hunter2secret" not in str(info.value)
    assert ("reading through ADBC" in caplog.text) == (sql_reader == "adbc")
    assert "hunter2secret" not in caplog.text
