"""Several windows of a SQL source read at the same time (``read_windows``) give exactly the
frames each window gives read alone, on both read paths, with a target joined from another
table, and the errors a window read alone gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.config.models import MonitorConfig, SourceConfig
from monitor.errors import ConfigError
from monitor.sources import dispose_engines, open_source, read_window, read_windows
from monitor.sources import sqlalchemy as sqlalchemy_source
from tests.pg import temporary_database
from tests.sources.conftest import Statements

UTC = timezone.utc
T0 = datetime(2026, 3, 1, tzinfo=UTC)
ROWS = 400  # one row every 30 minutes from T0, written out of time order
CURRENT = (T0 + timedelta(days=5), T0 + timedelta(days=8))
REFERENCE = (T0 + timedelta(days=1), T0 + timedelta(days=5))
COLUMNS = ["id", "amount", "segment"]


@pytest.fixture(autouse=True)
def _fresh_engines(sql_reader: str) -> Iterator[None]:  # every test on both read paths
    yield
    dispose_engines()


def _log(times: list[Any]) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    amount = rng.normal(50, 10, ROWS)
    amount[::13] = np.nan
    frame = pd.DataFrame(
        {
            "id": np.arange(ROWS),
            "ts": times,
            "amount": amount,
            "segment": rng.choice(["retail", "sme", None], ROWS),
        }
    )
    return frame.sample(frac=1.0, random_state=2)


def _times() -> list[datetime]:
    return [T0 + timedelta(minutes=30 * i, microseconds=i) for i in range(ROWS)]


def _write(url: str, frame: pd.DataFrame, table: str = "log", dtype: dict[str, Any] | None = None) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        frame.to_sql(table, connection, index=False, dtype=dtype, if_exists="replace")
    engine.dispose()


def _monitor(url: str, **extra: Any) -> MonitorConfig:
    return MonitorConfig.model_validate(
        {
            "source": {"url": url, "table": "log", "timestamp": "ts"},
            "reference": {"previous": "1d"},
            "window": "3d",
            **extra,
        }
    )


def _assert_each_as_alone(monitor: MonitorConfig, columns: list[str] | None) -> list[pd.DataFrame]:
    together = read_windows(monitor, columns, [CURRENT, REFERENCE])
    alone = [read_window(monitor, columns, *window) for window in (CURRENT, REFERENCE)]
    assert len(together) == 2
    for frame, expected in zip(together, alone, strict=True):
        assert len(expected) > 50
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    return together


SQLITE_TIMES: dict[str, Any] = {
    "iso-text": lambda t: [v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in t],
    "iso-local-offset": lambda t: [v.astimezone(timezone(timedelta(hours=-5))).isoformat() for v in t],
    "epoch-float": lambda t: [v.timestamp() for v in t],
}


@pytest.mark.parametrize("slices", [1, 2, 5])
@pytest.mark.parametrize("storage", list(SQLITE_TIMES))
def test_sqlite_windows_read_together_equal_each_read_alone(
    tmp_path: Path,
    storage: str,
    slices: int,
    sql_reader: str,
    statements: Statements,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1 slice: one per window; 5: the windows' slices not aligned with each other's edges
    monkeypatch.setattr(sqlalchemy_source, "READ_SLICES", slices)
    url = f"sqlite:///{tmp_path / 'log.db'}"
    _write(url, _log(SQLITE_TIMES[storage](_times())))
    current, reference = _assert_each_as_alone(_monitor(url), COLUMNS)
    assert current["ts"].min() >= pd.Timestamp(CURRENT[0]) and current["ts"].max() < pd.Timestamp(CURRENT[1])
    assert reference["ts"].max() < pd.Timestamp(REFERENCE[1])
    assert bool(statements.arrow) == (sql_reader == "adbc") and not statements.declined


@pytest.mark.postgres
def test_postgres_windows_read_together_equal_each_read_alone(
    sql_reader: str, statements: Statements
) -> None:
    with temporary_database() as url:
        _write(url, _log(_times()), dtype={"ts": sa.DateTime(timezone=True)})
        _assert_each_as_alone(_monitor(url), None)
    assert bool(statements.arrow) == (sql_reader == "adbc") and not statements.declined
    # read by COPY: the bounds sent as settings (monitor.sources.adbcquirks)
    assert all("current_setting('monitor.bound_1')" in sql for sql, _ in statements.arrow)


def test_target_from_another_table_joined_onto_each_window(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    _write(url, _log(SQLITE_TIMES["iso-text"](_times())))
    labels = pd.DataFrame({"id": range(0, ROWS, 2), "label": [i % 3 == 0 for i in range(0, ROWS, 2)]})
    _write(url, labels, table="outcomes")
    monitor = _monitor(url, target={"column": "label", "table": "outcomes", "join_on": "id"})
    current, _ = _assert_each_as_alone(monitor, ["amount", "segment"])
    assert "id" not in current.columns  # the key was read for the join only
    assert current["label"].notna().sum() == len(current) // 2


def test_a_missing_column_names_its_config_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    _write(url, _log(SQLITE_TIMES["iso-text"](_times())))
    monitor = _monitor(url, features={"numerical": ["amount", "amount_usd"]})
    with pytest.raises(ConfigError, match="amount_usd") as error:
        read_windows(monitor, ["amount", "amount_usd"], [CURRENT, REFERENCE])
    assert error.value.key == "features.numerical"


def test_no_window_and_one_window(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    _write(url, _log(SQLITE_TIMES["iso-text"](_times())))
    with open_source(SourceConfig(url=url, table="log", timestamp="ts")) as source:
        assert source.read_windows(COLUMNS, []) == []
        (alone,) = source.read_windows(COLUMNS, [CURRENT])
        pd.testing.assert_frame_equal(alone, source.read_window(COLUMNS, *CURRENT), check_exact=True)
