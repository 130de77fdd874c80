"""Epoch timestamps in milliseconds, microseconds and nanoseconds are read as such (by their
magnitude, or named with ``timestamp_unit``), and rows with no timestamp are counted and
reported, through ``monitor check`` (its entry point) over SQLite, Parquet and CSV (issue 18)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli_in_process import monitor_in_process

START = datetime(2026, 3, 1, tzinfo=timezone.utc)
AT = datetime(2026, 3, 8, tzinfo=timezone.utc)
PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
HOURS = 10 * 24


def log_rows(unit: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Hourly rows over 10 days, every third with no timestamp; the expected counts of each window."""
    times = [START + timedelta(hours=h, minutes=17) for h in range(HOURS)]
    stamps: list[int | None] = [int(t.timestamp()) * PER_SECOND[unit] for t in times]
    for i in range(0, HOURS, 3):
        stamps[i] = None
    kept = [t for t, s in zip(times, stamps, strict=True) if s is not None]
    expected = {
        "window": sum(AT - timedelta(days=1) <= t < AT for t in kept),
        "reference": sum(AT - timedelta(days=4) <= t < AT - timedelta(days=1) for t in kept),
        "without": stamps.count(None),
    }
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"ts": pd.array(stamps, dtype="Int64"), "amount": rng.normal(size=HOURS)})
    return frame, expected


def write(kind: str, frame: pd.DataFrame, folder: Path) -> str:
    if kind == "sqlite":
        with sqlite3.connect(folder / "log.db") as connection:
            connection.execute("CREATE TABLE log (ts INTEGER, amount REAL)")
            rows = [
                (None if pd.isna(t) else int(t), float(a))
                for t, a in zip(frame["ts"], frame["amount"], strict=True)
            ]
            connection.executemany("INSERT INTO log VALUES (?, ?)", rows)
        return '{url: "sqlite:///log.db", table: log, timestamp: ts'
    if kind == "parquet":
        frame.to_parquet(folder / "log.parquet")
        return '{path: "log.parquet", timestamp: ts'
    frame.to_csv(folder / "log.csv", index=False)
    return '{path: "log.csv", timestamp: ts'


def check(folder: Path, source: str) -> tuple[dict, str]:
    config = folder / "monitor.yaml"
    config.write_text(
        f"""monitors:
  clicks:
    source: {source}}}
    features: {{numerical: [amount]}}
    reference: {{previous: 3d}}
    window: 1d
"""
    )
    result = monitor_in_process("check", "-c", str(config), "--json", "--dry-run", "--at", AT.isoformat())
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["monitors"][0], result.stderr


@pytest.mark.parametrize(
    ("kind", "unit"),
    [
        ("sqlite", "s"),
        ("sqlite", "ms"),
        ("sqlite", "us"),
        ("sqlite", "ns"),
        ("parquet", "ms"),
        ("parquet", "ns"),
        ("csv", "ms"),
    ],
)
def test_epoch_unit_from_magnitude(tmp_path: Path, kind: str, unit: str) -> None:
    frame, expected = log_rows(unit)
    monitor, stderr = check(tmp_path, write(kind, frame, tmp_path))
    assert monitor["error"] is None, monitor["error"]
    assert monitor["window"]["rows"] == expected["window"]
    assert monitor["reference"]["rows"] == expected["reference"]
    # rows with no timestamp: counted, shown in the JSON, and a warning names the column
    assert monitor["data_quality"]["rows_without_timestamp"] == expected["without"]
    warnings = [
        line for line in stderr.splitlines() if "WARNING" in line and "no value in the timestamp" in line
    ]
    assert len(warnings) == 1 and f"{expected['without']} row(s)" in warnings[0] and "'ts'" in warnings[0]


@pytest.mark.parametrize("kind", ["sqlite", "parquet"])
def test_timestamp_unit_names_the_unit(tmp_path: Path, kind: str) -> None:
    frame, expected = log_rows("ms")
    source = write(kind, frame, tmp_path)
    monitor, _ = check(tmp_path, source + ", timestamp_unit: ms")
    assert monitor["window"]["rows"] == expected["window"]
    # the wrong unit named on purpose is obeyed: milliseconds read as seconds lie far in the future
    monitor, _ = check(tmp_path, source + ", timestamp_unit: s")
    assert monitor["window"]["rows"] == 0


def test_bad_timestamp_unit_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text(
        'monitors:\n  m:\n    source: {path: "x.parquet", timestamp: ts, timestamp_unit: days}\n'
        "    reference: {previous: 3d}\n    window: 1d\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "validate", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "monitors.m.source.timestamp_unit" in result.stderr
