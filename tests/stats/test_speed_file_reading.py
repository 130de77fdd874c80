"""Reading a Parquet window skips filtering, sorting and renumbering when the scan already
returned exactly the window in time order; the frame must be the same either way."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.config.models import SourceConfig
from monitor.sources import FileSource
from monitor.sources.timestamps import within_window

START = datetime(2026, 3, 1, tzinfo=timezone.utc)
END = datetime(2026, 3, 2, tzinfo=timezone.utc)


def _log(rows: int, order: str) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    seconds = np.sort(rng.integers(-6 * 3600, 30 * 3600, rows))  # a margin on both sides of the window
    if order == "shuffled":
        seconds = rng.permutation(seconds)
    times = pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame({"ts": times, "amount": rng.normal(size=rows), "city": rng.choice(["a", "b"], rows)})


def _expected(log: pd.DataFrame) -> pd.DataFrame:
    return within_window(log.copy(), "ts", START, END)


@pytest.mark.parametrize("order", ["sorted", "shuffled"])
def test_parquet_window_is_the_rows_of_the_window_in_time_order(tmp_path: Path, order: str) -> None:
    log = _log(5_000, order)
    log.to_parquet(tmp_path / "log.parquet", index=False)
    frame = FileSource(SourceConfig(path=str(tmp_path / "log.parquet"), timestamp="ts")).read_window(
        ["amount", "city"], START, END
    )
    expected = _expected(log)
    assert 0 < len(frame) < len(log)
    pd.testing.assert_frame_equal(frame[expected.columns], expected, check_dtype=False)
    assert frame["ts"].is_monotonic_increasing
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0


def test_rows_outside_the_window_are_dropped_when_the_scan_cannot_filter(tmp_path: Path) -> None:
    log = _log(2_000, "sorted")
    log["ts"] = log["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")  # text: filtered after the scan
    log.to_csv(tmp_path / "log.csv", index=False)
    frame = FileSource(SourceConfig(path=str(tmp_path / "log.csv"), timestamp="ts")).read_window(
        ["amount"], START, END
    )
    assert len(frame) and frame["ts"].min() >= pd.Timestamp(START) and frame["ts"].max() < pd.Timestamp(END)
    assert frame["ts"].is_monotonic_increasing
