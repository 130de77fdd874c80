"""The current and reference windows: bounds, half-open intervals, and empty windows as results."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from monitor.config import Config, parse_config
from monitor.runner import Checker
from monitor.sources import dispose_engines
from monitor.windows import resolve_windows

UTC = timezone.utc
AT = datetime(2026, 3, 8, tzinfo=UTC)

CONFIG = """
monitors:
  m:
    source: {url: "sqlite:///log.db", table: log, timestamp: ts}
    features: {numerical: [x]}
    reference: REFERENCE
    window: 1d
    alerts: [{rule: no_data}, {rule: dataset_drift}]
"""


def _config(folder: Path, reference: str = "{previous: 2d}") -> Config:
    return parse_config(CONFIG.replace("REFERENCE", reference), file=str(folder / "c.yaml"), base=folder)


def test_current_window_and_previous_reference(tmp_path: Path) -> None:
    windows = resolve_windows(_config(tmp_path).monitors["m"], AT)
    assert (windows.current.start, windows.current.end) == (AT - timedelta(days=1), AT)
    assert (windows.reference.start, windows.reference.end) == (
        AT - timedelta(days=3),
        AT - timedelta(days=1),
    )


def test_absolute_reference_and_non_utc_run_time(tmp_path: Path) -> None:
    config = _config(tmp_path, '{start: "2026-01-01", end: "2026-02-01T12:00:00+02:00"}')
    at = datetime(2026, 3, 8, 2, tzinfo=timezone(timedelta(hours=2)))  # midnight UTC
    windows = resolve_windows(config.monitors["m"], at)
    assert windows.current.end == AT and windows.current.end.utcoffset() == timedelta(0)
    assert windows.reference.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert windows.reference.end == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert windows.current.to_dict(5) == {
        "start": "2026-03-07T00:00:00+00:00",
        "end": "2026-03-08T00:00:00+00:00",
        "rows": 5,
    }


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    # one row every 6 hours from 2026-03-04 00:00, the last at 2026-03-08 00:00 (the run time)
    times = pd.date_range("2026-03-04", "2026-03-08", freq="6h", tz="UTC")
    frame = pd.DataFrame({"ts": times.strftime("%Y-%m-%d %H:%M:%S"), "x": range(len(times))})
    with sqlite3.connect(tmp_path / "log.db") as connection:
        frame.to_sql("log", connection, index=False)
    connection.close()
    yield tmp_path
    dispose_engines()


def test_half_open_windows_count_each_row_once(log_dir: Path) -> None:
    checker = Checker(_config(log_dir), None, dry_run=True)
    (result,) = checker.run(None, AT)
    # [03-07 00:00, 03-08 00:00): 00, 06, 12, 18 -- the row at exactly 03-08 00:00 is the next window's
    assert result.rows == 4
    assert result.reference_rows == 8  # [03-05, 03-07)
    (following,) = checker.run(None, AT + timedelta(days=1))
    assert following.rows == 1
    assert result.error is None


def test_empty_window_is_a_result_with_no_data_firing(log_dir: Path) -> None:
    (result,) = Checker(_config(log_dir), None, dry_run=True).run(None, AT + timedelta(days=30))
    assert result.error is None
    assert result.rows == 0 and result.reference_rows == 0
    assert [(a.rule, a.status) for a in result.alerts] == [("no_data", "firing")]
    document = result.to_dict()
    assert document["window"]["rows"] == 0 and document["performance"] is None
    assert document["drift"]["dataset_drift"] is False
    assert all(column["score"] is None for column in document["drift"]["columns"])
