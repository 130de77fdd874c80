"""The schema rule on files whose last day changed shape: a column retyped in one day's Parquet
file, a prediction or target column gone, a CSV column some files of the glob lack. Through
`monitor check --json`; without a `schema` rule, the documented exit codes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.incidents.broken_log import (
    RULES,
    break_schema,
    check,
    config_text,
    day_before,
    firing,
    make_log,
    run_check,
    write_csv,
    write_parquet,
)

END = datetime(2026, 3, 11, tzinfo=timezone.utc)
WITHOUT_SCHEMA = tuple(rule for rule in RULES if rule != "schema")


def write_config(tmp_path: Path, source: str, **options: Any) -> Path:
    config = tmp_path / "monitor.yaml"
    text = config_text(source, store=f"sqlite:///{tmp_path / 'state.db'}", **options)
    config.write_text(text, encoding="utf-8")
    return config


def only_monitor(document: dict[str, Any]) -> dict[str, Any]:
    (monitor,) = document["monitors"]
    return monitor


def quality_columns(monitor: dict[str, Any]) -> set[str]:
    return {column["column"] for column in monitor["data_quality"]["columns"]}


def drift_columns(monitor: dict[str, Any]) -> set[str]:
    return {column["column"] for column in monitor["drift"]["columns"]}


def test_a_parquet_column_retyped_on_the_last_day_fires_schema_and_the_rest_is_checked(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, write_parquet(break_schema(make_log(END), END), tmp_path / "log", END))
    quiet_code, quiet = check(config, day_before(END))
    code, broken = check(config, END)
    assert (quiet_code, firing(quiet)) == (0, set())
    assert (code, firing(broken)) == (1, {("schema", "amount")})
    monitor = only_monitor(broken)
    assert monitor["data_quality"]["schema"] == [
        {
            "column": "amount",
            "change": "type",
            "reference_type": "number",
            "current_type": "text",
            "skipped": [],
        }
    ]
    # the retyped column's other figures are skipped; every other column is still checked
    assert drift_columns(monitor) == {"account_age_days", "country", "channel"}
    assert "amount" not in quality_columns(monitor)
    assert monitor["prediction_drift"]["column"] == "fraud_score"


def test_a_retyped_column_without_a_schema_rule_is_a_config_error_naming_it(tmp_path: Path) -> None:
    source = write_parquet(break_schema(make_log(END), END), tmp_path / "log", END)
    done = run_check(write_config(tmp_path, source, rules=WITHOUT_SCHEMA), END)
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("monitor: error:")]
    assert len(errors) == 1 and "'amount'" in errors[0] and "text" in errors[0] and "schema" in errors[0]
    assert "Traceback" not in done.stderr


def test_a_missing_score_column_fires_schema_and_skips_prediction_drift(tmp_path: Path) -> None:
    source = write_parquet(make_log(END), tmp_path / "log", END, drop_last_day="fraud_score")
    config = write_config(tmp_path, source)
    quiet_code, quiet = check(config, day_before(END))
    code, broken = check(config, END)
    assert (quiet_code, firing(quiet)) == (0, set())
    assert (code, firing(broken)) == (1, {("schema", "fraud_score")})
    monitor = only_monitor(broken)
    assert monitor["data_quality"]["schema"] == [
        {
            "column": "fraud_score",
            "change": "missing",
            "reference_type": None,
            "current_type": None,
            "skipped": ["prediction_drift", "performance"],
        }
    ]
    assert monitor["prediction_drift"] is None and monitor["performance"] is None
    assert drift_columns(monitor) == {"amount", "account_age_days", "country", "channel"}


def test_a_missing_target_column_fires_schema_and_skips_performance(tmp_path: Path) -> None:
    log = make_log(END)
    log["is_fraud"] = (np.random.default_rng(1).random(len(log)) < log["fraud_score"]).astype(int)
    source = write_parquet(log, tmp_path / "log", END, drop_last_day="is_fraud")
    target = "    target: {column: is_fraud}\n"
    config = write_config(tmp_path, source, monitor_extra=target)
    quiet_code, quiet = check(config, day_before(END))
    assert (quiet_code, firing(quiet)) == (0, set())
    assert only_monitor(quiet)["performance"] is not None
    code, broken = check(config, END)
    assert (code, firing(broken)) == (1, {("schema", "is_fraud")})
    monitor = only_monitor(broken)
    (change,) = monitor["data_quality"]["schema"]
    assert change["column"] == "is_fraud" and change["skipped"] == ["performance"]
    assert monitor["performance"] is None and monitor["prediction_drift"]["column"] == "fraud_score"
    write_parquet(log, tmp_path / "log", END)  # the day's export is redone with its labels
    code, repaired = check(config, END + timedelta(hours=1))  # the next hourly run
    resolved = {
        (a["rule"], a["subject"]) for a in only_monitor(repaired)["alerts"] if a["status"] == "resolved"
    }
    assert (code, firing(repaired), resolved) == (0, set(), {("schema", "is_fraud")})


def test_a_score_column_no_file_has_without_a_schema_rule_stays_exit_2(tmp_path: Path) -> None:
    """Missing from some files only, it reads as missing values there (see the CSV tests)."""
    source = write_parquet(make_log(END).drop(columns=["fraud_score"]), tmp_path / "log", END)
    done = run_check(write_config(tmp_path, source, rules=WITHOUT_SCHEMA), END)
    assert done.returncode == 2, done.stderr
    assert "fraud_score" in done.stderr and "Traceback" not in done.stderr


def test_a_csv_column_missing_from_the_last_days_file_fires_schema(tmp_path: Path) -> None:
    config = write_config(tmp_path, write_csv(make_log(END), tmp_path / "log", END, drop_last_day="channel"))
    quiet_code, quiet = check(config, day_before(END))
    code, broken = check(config, END)
    assert (quiet_code, firing(quiet)) == (0, set())
    assert (code, firing(broken)) == (1, {("schema", "channel")})
    monitor = only_monitor(broken)
    assert [change["column"] for change in monitor["data_quality"]["schema"]] == ["channel"]
    assert drift_columns(monitor) == {"amount", "account_age_days", "country"}


@pytest.mark.parametrize("window_end", [END, day_before(END)])
def test_without_a_schema_rule_csv_files_are_united_by_column_name(
    tmp_path: Path, window_end: datetime
) -> None:
    """As Spark's unionByName(allowMissingColumns=True): the file lacking the column reads as
    missing values; its window then has no channel value at all."""
    source = write_csv(make_log(END), tmp_path / "log", END, drop_last_day="channel")
    code, document = check(write_config(tmp_path, source, rules=WITHOUT_SCHEMA), window_end)
    monitor = only_monitor(document)
    assert code == 0 and monitor["error"] is None
    shares = {c["column"]: c["missing_share"] for c in monitor["data_quality"]["columns"]}
    assert shares["channel"] == (1.0 if window_end == END else 0.0)
    assert monitor["window"]["rows"] > 1000


def test_a_column_no_csv_file_has_stays_exit_2(tmp_path: Path) -> None:
    source = write_csv(make_log(END).drop(columns=["channel"]), tmp_path / "log", END)
    done = run_check(write_config(tmp_path, source, rules=WITHOUT_SCHEMA), END)
    assert done.returncode == 2, done.stderr
    assert "'channel'" in done.stderr and "Traceback" not in done.stderr
