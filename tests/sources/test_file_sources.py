"""File sources: globs of CSV and Parquet, every time storage, projection and row filters
pushed into the Parquet scan, and the errors a user sees."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import monitor.sources.files as files_module
from monitor.config.models import SourceConfig
from monitor.errors import ConfigError, SourceError
from monitor.sources import open_source

UTC = timezone.utc
T0 = datetime(2026, 3, 1, tzinfo=UTC)
START, END = T0 + timedelta(hours=10), T0 + timedelta(hours=20)
ROWS = 30


def _hours() -> list[datetime]:
    return [T0 + timedelta(hours=i) for i in range(ROWS)]


def _log(times: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.arange(ROWS),
            "ts": times,
            "amount": np.arange(ROWS) * 2.0,
            "segment": ["retail", "sme", "corp"] * (ROWS // 3),
            "unused": ["x"] * ROWS,
        }
    )


def _read(path: Path | str, columns: list[str] | None = None) -> pd.DataFrame:
    with open_source(SourceConfig(path=str(path), timestamp="ts")) as source:
        return source.read_window(columns, START, END)


TIMES: dict[str, Any] = {
    "aware": pd.to_datetime(_hours()),
    "naive-is-utc": pd.to_datetime([t.replace(tzinfo=None) for t in _hours()]),
    "other-zone": pd.to_datetime(_hours()).tz_convert("America/New_York"),
    "iso-text": [t.strftime("%Y-%m-%d %H:%M:%S") for t in _hours()],
    "iso-text-Z": [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in _hours()],
    "iso-text-offset": [t.astimezone(timezone(timedelta(hours=3))).isoformat() for t in _hours()],
    "epoch": [int(t.timestamp()) for t in _hours()],
    "epoch-float": [t.timestamp() for t in _hours()],
}


@pytest.mark.parametrize("storage", list(TIMES))
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_time_storages(tmp_path: Path, storage: str, suffix: str) -> None:
    log = _log(TIMES[storage])
    path = tmp_path / f"log{suffix}"
    log.to_parquet(path) if suffix == ".parquet" else log.to_csv(path, index=False)
    frame = _read(path, ["amount", "id"])
    assert list(frame.columns) == ["ts", "amount", "id"]
    assert frame["id"].tolist() == list(range(10, 20)), (storage, suffix)
    assert frame["ts"].iloc[0] == pd.Timestamp(START)
    assert str(frame["ts"].dtype) == "datetime64[ns, UTC]"


def test_glob_over_csv_and_parquet_days(tmp_path: Path) -> None:
    log = _log([t.isoformat() for t in _hours()])
    (tmp_path / "logs").mkdir()
    log.iloc[:12].to_parquet(tmp_path / "logs" / "day1.parquet")
    log.iloc[12:].to_csv(tmp_path / "logs" / "day2.csv", index=False)
    frame = _read(tmp_path / "logs" / "*", ["segment", "id"])
    assert frame["id"].tolist() == list(range(10, 20))  # sorted by time across files
    assert frame["segment"].tolist() == log["segment"].iloc[10:20].tolist()


class _RecordingDataset:
    """Wraps a pyarrow dataset and records what each scan asked for."""

    def __init__(self, dataset: ds.Dataset, scans: list[dict[str, Any]]) -> None:
        self._dataset, self._scans = dataset, scans

    def to_table(self, **options: Any) -> pa.Table:
        table = self._dataset.to_table(**options)
        self._scans.append({**options, "rows": table.num_rows})
        return table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dataset, name)


def test_parquet_scan_projects_columns_and_filters_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pandas(_log(pd.to_datetime(_hours()))), path, row_group_size=5)
    scans: list[dict[str, Any]] = []
    real_dataset = ds.dataset
    monkeypatch.setattr(
        files_module.ds, "dataset", lambda *a, **k: _RecordingDataset(real_dataset(*a, **k), scans)
    )
    frame = _read(path, ["amount"])
    assert frame["amount"].tolist() == [i * 2.0 for i in range(10, 20)]
    (scan,) = scans
    assert scan["columns"] == ["ts", "amount"]  # "unused", "segment", "id" never read
    assert scan["filter"] is not None and scan["rows"] == 10  # the window was cut inside the scan


def test_missing_files_and_columns_are_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no file matches"):
        _read(tmp_path / "logs" / "*.parquet")
    _log(TIMES["iso-text"]).to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(ConfigError, match="'amout' not found.*did you mean 'amount'"):
        _read(tmp_path / "log.csv", ["amout"])
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceError, match=r"notes\.txt.*neither \.csv nor \.parquet"):
        _read(tmp_path / "*")


def test_timestamp_that_is_not_a_time_is_named(tmp_path: Path) -> None:
    _log(["yesterday"] * ROWS).to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(SourceError, match="'ts'.*yesterday"):
        _read(tmp_path / "log.csv")
