"""`monitor init` on real logs (the demo's SQLite file, a Parquet folder, a PostgreSQL table):
the config it writes validates, names the right columns, and its first `monitor check` runs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from monitor.config import load_config
from monitor.demo.data import make_log, write_log
from tests.cli_in_process import monitor_in_process
from tests.pg import temporary_database

LABELLED = "2026-02-20T00:00:00+00:00"  # labels arrive days late: the last days have none yet
FEATURES = {"amount", "account_age_days", "items", "merchant_category", "country", "channel"}


def monitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def first_check(config: Path, at: str) -> dict[str, object]:
    """The written config's first check, through the command's entry point in this process."""
    done = monitor_in_process("check", "-c", str(config), "--at", at, "--json", "--dry-run")
    assert done.returncode in (0, 1), done.stderr
    (result,) = json.loads(done.stdout)["monitors"]
    assert result["error"] is None
    return dict(result)


def test_init_on_the_demo_log_finds_its_columns_and_late_labels(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write_log(tmp_path / "data" / "predictions.db")
    done = monitor(
        "init",
        "--url",
        "sqlite:///data/predictions.db",
        "--table",
        "predictions",
        "--out",
        "cfg/m.yaml",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "OK (1 monitor(s)" in done.stdout  # validated with --connect
    config = load_config(tmp_path / "cfg" / "m.yaml")
    (spec,) = config.monitors.values()
    assert spec.source.timestamp == "timestamp"
    assert spec.prediction is not None and spec.prediction.column == "is_fraud_pred"
    assert spec.prediction.score == "fraud_score" and spec.prediction.task == "classification"
    assert spec.target is not None
    assert (spec.target.column, spec.target.table, spec.target.join_on) == (
        "is_fraud",
        "labels",
        "transaction_id",
    )
    assert spec.features is not None and set(spec.features.all) == FEATURES  # the id is not a feature
    assert {rule.rule for rule in spec.alerts} >= {"dataset_drift", "missing_values", "no_data"}
    # the oldest complete weeks: the log starts on Thursday 2026-01-01, the first Monday is 2026-01-05
    assert spec.reference.start is not None and spec.reference.start.date().isoformat() == "2026-01-05"
    text = (tmp_path / "cfg" / "m.yaml").read_text(encoding="utf-8")
    assert "sqlite:///../data/predictions.db" in text  # relative to the config file
    assert all(
        "#" in line for line in text.splitlines() if line.strip().startswith(("window:", "reference:"))
    )
    result = first_check(tmp_path / "cfg" / "m.yaml", LABELLED)
    assert result["window"]["rows"] > 0 and result["performance"] is not None  # type: ignore[index]


def _log_with_labels() -> pd.DataFrame:
    predictions, labels = make_log()
    frame = predictions.merge(labels[["transaction_id", "is_fraud"]], on="transaction_id", how="left")
    frame = frame.rename(
        columns={"timestamp": "event_time", "is_fraud_pred": "prediction", "is_fraud": "label"}
    )
    frame["event_time"] = pd.to_datetime(frame["event_time"], utc=True)
    return frame


def test_init_on_a_parquet_folder(tmp_path: Path) -> None:
    frame = _log_with_labels()
    folder = tmp_path / "logs"
    folder.mkdir()
    for month, part in frame.groupby(frame["event_time"].dt.month):
        part.to_parquet(folder / f"month={month}.parquet", index=False)
    done = monitor("init", "--path", "logs/*.parquet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = load_config(tmp_path / "monitor.yaml")
    (spec,) = config.monitors.values()
    assert spec.source.path == str(tmp_path / "logs" / "*.parquet")
    assert spec.source.timestamp == "event_time"
    assert spec.prediction is not None and spec.prediction.column == "prediction"
    assert spec.target is not None and spec.target.column == "label" and not spec.target.separate
    assert spec.features is not None and set(spec.features.all) == FEATURES
    result = first_check(tmp_path / "monitor.yaml", LABELLED)
    assert result["window"]["rows"] > 0  # type: ignore[index]
    # never overwrites what is there
    again = monitor("init", "--path", "logs/*.parquet", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr


def test_init_on_a_postgresql_table(tmp_path: Path) -> None:
    import sqlalchemy as sa

    frame = _log_with_labels()
    with temporary_database() as url:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            frame.to_sql("scored_transactions", connection, index=False)
        engine.dispose()
        done = monitor("init", "--url", url, "--table", "scored_transactions", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        (spec,) = load_config(tmp_path / "monitor.yaml").monitors.values()
        assert spec.source.timestamp == "event_time" and spec.source.table == "scored_transactions"
        assert spec.prediction is not None and spec.prediction.score == "fraud_score"
        assert spec.features is not None and set(spec.features.all) == FEATURES
        result = first_check(tmp_path / "monitor.yaml", LABELLED)
        assert result["performance"] is not None


def test_bad_input_is_one_message_with_the_documented_exit_code(tmp_path: Path) -> None:
    write_log(tmp_path / "p.db")
    both = monitor("init", "--url", "sqlite:///p.db", "--table", "x", "--path", "*.parquet", cwd=tmp_path)
    assert both.returncode == 2 and "either --url" in both.stderr
    missing = monitor("init", "--url", "sqlite:///p.db", "--table", "predictionz", cwd=tmp_path)
    assert missing.returncode == 2 and "predictions" in missing.stderr and "--table" in missing.stderr
    nothing = monitor("init", "--path", "nowhere/*.csv", cwd=tmp_path)
    assert nothing.returncode == 2 and "--path" in nothing.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = "s3cr3t-pw"
    down = monitor(
        "init",
        "--url",
        f"postgresql+psycopg://user:{secret}@127.0.0.1:{port}/db",
        "--table",
        "t",
        cwd=tmp_path,
    )
    if "psycopg" in down.stderr and "No module" in down.stderr:
        pytest.skip("psycopg is not installed")
    assert down.returncode == 3 and secret not in down.stderr
    for result in (both, missing, nothing, down):
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "monitor.yaml").exists()


def test_init_takes_unix_seconds_named_like_a_time(tmp_path: Path) -> None:
    import sqlite3

    predictions, _ = make_log()
    predictions["created_ts"] = (
        pd.to_datetime(predictions.pop("timestamp"), utc=True).astype("int64") // 10**9
    )
    with sqlite3.connect(tmp_path / "log.db") as connection:
        predictions.to_sql("preds", connection, index=False)
    connection.close()
    done = monitor("init", "--url", "sqlite:///log.db", "--table", "preds", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (spec,) = load_config(tmp_path / "monitor.yaml").monitors.values()
    assert spec.source.timestamp == "created_ts"
    assert spec.features is not None and "created_ts" not in spec.features.all
    assert first_check(tmp_path / "monitor.yaml", LABELLED)["window"]["rows"] > 0  # type: ignore[index]
