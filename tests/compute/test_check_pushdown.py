"""``monitor check --json`` with ``compute:``: the engine named per monitor, the same scores as a
local check, auto's row threshold, and the DuckDB NaN-through-a-comparison regression."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.compute.data import AT, awkward_log

pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")

MONITOR = """
  {name}:
    source: {{path: "{path}", timestamp: ts{extra}}}
    features: {{numerical: [normal, ties, constant, offset, sparse], categorical: [colour, flag, level]}}
    prediction: {{column: label, score: score}}
    target: {{column: target}}
    reference: {{previous: 1d}}
    window: 1h
"""


def check(folder: Path, monitors: dict[str, str]) -> tuple[int, dict[str, dict[str, Any]], str]:
    path = folder / "log.parquet"
    config = "store: sqlite:///state.db\nmonitors:\n" + "".join(
        MONITOR.format(name=name, path=path, extra=extra) for name, extra in monitors.items()
    )
    (folder / "monitor.yaml").write_text(config)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor.cli",
            "check",
            "-c",
            "monitor.yaml",
            "--json",
            "--dry-run",
            "--at",
            AT.isoformat(),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout) if result.stdout.strip() else {"monitors": []}
    return result.returncode, {m["monitor"]: m for m in document["monitors"]}, result.stderr


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("check-pushdown")
    # microsecond timestamps: Spark reads no nanosecond Parquet timestamps
    awkward_log(1500).to_parquet(directory / "log.parquet", index=False, coerce_timestamps="us")
    return directory


def scores(monitor: dict[str, Any]) -> dict[str, float | None]:
    found: dict[str, float | None] = {c["column"]: c["score"] for c in monitor["drift"]["columns"]}
    found["prediction"] = monitor["prediction_drift"]["score"]
    for metric in monitor["performance"]["metrics"]:
        found[metric["metric"]] = metric["current"]
        found[f"{metric['metric']} reference"] = metric["reference"]
    for column in monitor["data_quality"]["columns"]:
        found[f"missing {column['column']}"] = column["missing_share"]
    return found


def test_pushdown_names_duckdb_and_matches_local(folder: Path) -> None:
    code, monitors, stderr = check(
        folder,
        {
            "here": ", compute: local",
            "there": ", compute: pushdown, duckdb: {memory_limit: 256MB, threads: 1}",
            "small": "",  # auto, far below max_local_rows
            "large": ", compute: auto, max_local_rows: 100",
        },
    )
    assert code in (0, 1), stderr
    assert {name: m["compute"] for name, m in monitors.items()} == {
        "here": "local",
        "there": "duckdb",
        "small": "local",
        "large": "duckdb",
    }
    expected = scores(monitors["here"])
    assert expected["normal"] is not None and expected["roc_auc"] is not None
    for name in ("there", "large"):
        got = scores(monitors[name])
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            if value is None:
                assert got[key] is None, key
            else:
                assert math.isclose(got[key], value, rel_tol=1e-9), (name, key, got[key], value)  # type: ignore[arg-type]
    assert monitors["there"]["window"]["rows"] == monitors["here"]["window"]["rows"]


def test_pushdown_where_no_engine_reaches_is_a_config_error(tmp_path: Path) -> None:
    config = """
monitors:
  remote:
    source: {url: "mysql+pymysql://u:secret@db.invalid/logs", table: t, timestamp: ts, compute: pushdown}
    reference: {previous: 1d}
    window: 1h
"""
    (tmp_path / "monitor.yaml").write_text(config)
    result = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "check", "-c", "monitor.yaml", "--dry-run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "monitors.remote.source.compute" in result.stderr and "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_duckdb_drops_nan_read_from_parquet(tmp_path: Path) -> None:
    """DuckDB lets NaN through ``x < 'inf'`` on Parquet scans; the pushdown filter must not."""
    from monitor.compute.duckdb import DuckDBEngine
    from monitor.compute.statements import profile
    from monitor.config.models import SourceConfig
    from monitor.windows import Interval

    pattern = np.array([1.0, np.nan, 2.5, np.inf, -np.inf, np.nan, 4.0, None], dtype=np.float64)
    values = np.tile(pattern, 4000)  # several row groups, each with statistics DuckDB may use
    times = pd.date_range("2026-01-01", periods=values.size, freq="s", tz="UTC")
    frame = pd.DataFrame({"ts": times, "x": values})
    frame.to_parquet(tmp_path / "nan.parquet", index=False, row_group_size=10_000)
    source = SourceConfig(path=str(tmp_path / "nan.parquet"), timestamp="ts")
    with DuckDBEngine(source) as engine:
        window = Interval(times[0].to_pydatetime(), times[-1].to_pydatetime() + pd.Timedelta(minutes=1))
        row = engine.one(profile(engine.spec(window), ["x"], [("x", True)]))
    rows, finite, low, high, missing = row
    assert rows == values.size
    assert finite == int(np.isfinite(values).sum()) == 3 * 4000
    assert (low, high) == (1.0, 4.0)
    assert missing == int(pd.Series(values).isna().sum())  # NaN and NULL, as pandas counts


def test_spark_source_through_the_command(folder: Path) -> None:
    """A spark: source (a Spark SQL query over the Parquet log) is computed in Spark, equal to local."""
    from tests.compute.conftest import SPARK_CONF, SPARK_MASTER, java_missing

    reason = java_missing()
    if reason is not None:
        pytest.skip(reason)
    path = folder / "log.parquet"
    conf = ", ".join(f'{name}: "{value}"' for name, value in SPARK_CONF.items())
    spark = (
        f'{{spark: {{master: "{SPARK_MASTER}", conf: {{{conf}}}}}, '
        f'query: "SELECT * FROM parquet.`{path}`", timestamp: ts}}'
    )
    config = "store: sqlite:///state.db\nmonitors:\n" + MONITOR.format(name="here", path=path, extra="")
    config += MONITOR.format(name="spark", path=path, extra="").replace(
        f'{{path: "{path}", timestamp: ts}}', spark
    )
    (folder / "spark.yaml").write_text(config)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor.cli",
            "check",
            "-c",
            "spark.yaml",
            "--json",
            "--dry-run",
            "--at",
            AT.isoformat(),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
    )
    assert "Traceback" not in result.stderr
    monitors = {m["monitor"]: m for m in json.loads(result.stdout)["monitors"]}
    assert monitors["spark"]["error"] is None, monitors["spark"]["error"]
    assert (monitors["here"]["compute"], monitors["spark"]["compute"]) == ("local", "spark")
    expected, got = scores(monitors["here"]), scores(monitors["spark"])
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert (got[key] is None) if value is None else math.isclose(got[key], value, rel_tol=1e-9), key  # type: ignore[arg-type]


def test_text_times_with_local_offsets_stay_local(tmp_path: Path) -> None:
    """SQL compares text as text: with local UTC offsets a window cannot be selected exactly."""
    import sqlite3

    from monitor.compute import evaluate_windows
    from monitor.config.models import MonitorConfig
    from monitor.errors import ConfigError
    from monitor.windows import resolve_windows

    with sqlite3.connect(tmp_path / "log.db") as connection:
        connection.execute("CREATE TABLE log (ts TEXT, x REAL)")
        connection.executemany(
            "INSERT INTO log VALUES (?, ?)",
            [(f"2026-03-01T{hour:02d}:30:00+02:00", hour) for hour in range(24)],
        )

    def monitor(compute: str) -> MonitorConfig:
        source = {"url": f"sqlite:///{tmp_path / 'log.db'}", "table": "log", "timestamp": "ts"}
        return MonitorConfig.model_validate(
            {
                "source": {**source, "compute": compute, "max_local_rows": 0},
                "features": {"numerical": ["x"]},
                "reference": {"previous": "12h"},
                "window": "6h",
            }
        )

    windows = resolve_windows(monitor("auto"), AT.replace(day=1, hour=20))
    assert evaluate_windows(monitor("auto"), windows) is None
    with pytest.raises(ConfigError, match="local UTC offsets"):
        evaluate_windows(monitor("pushdown"), windows)


def test_text_listed_as_numerical_is_a_config_error(tmp_path: Path) -> None:
    from monitor.compute import evaluate_windows
    from monitor.config.models import MonitorConfig
    from monitor.errors import ConfigError
    from monitor.windows import resolve_windows

    times = pd.date_range("2026-03-01", periods=50, freq="h", tz="UTC")
    pd.DataFrame({"ts": times, "city": ["a", "b"] * 25}).to_parquet(tmp_path / "log.parquet")
    monitor = MonitorConfig.model_validate(
        {
            "source": {"path": str(tmp_path / "log.parquet"), "timestamp": "ts", "compute": "pushdown"},
            "features": {"numerical": ["city"]},
            "reference": {"previous": "1d"},
            "window": "1d",
        }
    )
    with pytest.raises(ConfigError, match="'city' is treated as numerical") as raised:
        evaluate_windows(monitor, resolve_windows(monitor, times[-1].to_pydatetime()))
    assert raised.value.key == "features.numerical"


def test_report_of_a_pushdown_monitor_draws_its_rows_in_the_engine(folder: Path, tmp_path: Path) -> None:
    """``monitor report`` under compute: pushdown draws each window's sample in DuckDB."""
    monitor = MONITOR.format(name="there", path=folder / "log.parquet", extra=", compute: pushdown")
    # Evidently cannot draw a column left empty in one window ("sparse"): the others will do
    monitor = monitor.replace("[normal, ties, constant, offset, sparse]", "[normal, ties, offset]")
    config = "store: sqlite:///state.db\nmonitors:\n" + monitor
    (tmp_path / "monitor.yaml").write_text(config)
    command = [sys.executable, "-m", "monitor.cli", "report", "-c", "monitor.yaml", "-m", "there"]
    result = subprocess.run(
        [*command, "--at", AT.isoformat(), "-o", "out.html"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "out.html").stat().st_size > 0
    assert "drawn where the data lives" not in (tmp_path / "out.html").read_text()  # under max_rows: all rows
