"""NannyML as the oracle: imported only here, with its usage telemetry switched off first."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from tests.cli_in_process import monitor_in_process

os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"  # before NannyML is imported: it never phones home


def nannyml() -> ModuleType:
    """NannyML, or a skip with the reason when the dev extra is not installed.

    NannyML imports FLAML, which starts a Spark session when it finds pyspark (the spark extra):
    pyspark is hidden from that one import, and only when nothing imported it before."""
    hidden = "pyspark" not in sys.modules
    if hidden:
        sys.modules["pyspark"] = None  # type: ignore[assignment]  # import pyspark -> ImportError
    try:
        return pytest.importorskip(
            "nannyml", reason="NannyML 0.13 (the dev extra) is the oracle of these tests"
        )
    finally:
        if hidden:
            del sys.modules["pyspark"]


def write_table(path: Path, table: str, frame: pd.DataFrame) -> None:
    """``frame`` as a SQLite table, timestamps as ISO text as many logs keep them."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        elif pd.api.types.is_bool_dtype(frame[column]):
            frame[column] = frame[column].astype(int)
    with sqlite3.connect(path) as connection:
        frame.to_sql(table, connection, index=False)
    connection.close()


def run_monitor(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The ``monitor`` command as a user runs it: a fresh process, its own stdout and stderr."""
    env = {**os.environ, "EVIDENTLY_DISABLE_TELEMETRY": "1"}
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def check_json(config: Path, at: pd.Timestamp, *extra: str, logs: list[str] | None = None) -> dict[str, Any]:
    """The check's document of its one monitor; its log lines (stderr) go to ``logs``.

    Through the command's entry point in this process: the numbers are the command's, without a
    fresh interpreter's imports per window (nothing is kept in memory between two calls: the
    store is the only thing a later check can read a fit from)."""
    result = monitor_in_process("check", "-c", str(config), "--json", "--at", at.isoformat(), *extra)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    if logs is not None:
        logs.append(result.stderr)
    (monitor,) = json.loads(result.stdout)["monitors"]
    assert monitor["error"] is None, monitor["error"]
    return monitor


def chunk_rows(results: Any, metric: str) -> pd.DataFrame:
    """NannyML's per-chunk figures of one metric: start, end, value, bounds, realized."""
    data = results.filter(period="analysis").to_df()
    return pd.DataFrame(
        {
            "start": pd.to_datetime(data[("chunk", "start_date")]),
            "end": pd.to_datetime(data[("chunk", "end_date")]),
            "value": data[(metric, "value")],
            "sampling_error": data[(metric, "sampling_error")],
            "lower": data[(metric, "lower_confidence_boundary")],
            "upper": data[(metric, "upper_confidence_boundary")],
            "realized": data[(metric, "realized")],
        }
    )
