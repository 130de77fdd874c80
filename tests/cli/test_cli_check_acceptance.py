"""``monitor check --json --dry-run`` on a realistic credit-model log (100k predictions in SQLite,
ISO-text timestamps, outcomes in their own table), before and after a real drift.

Every column's score is compared with Evidently's on the same windows, read here
independently of monitor's sources; the accuracy with a hand computation; the exit
codes and the document's shape with contract §3.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from credit_log import CATEGORICAL, CONFIG, NUMERICAL, make_credit_log, run_monitor, write_credit_db

BEFORE_DRIFT = datetime(2026, 2, 15, tzinfo=timezone.utc)
AFTER_DRIFT = datetime(2026, 3, 8, tzinfo=timezone.utc)
REFERENCE = (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 2, 1, tzinfo=timezone.utc))
WEEK = pd.Timedelta(days=7)

MONITOR_KEYS = {
    "monitor", "compute", "window", "reference", "drift", "prediction_drift", "performance",
    "data_quality", "alerts", "report", "error", "estimated_performance",
}  # fmt: skip


@pytest.fixture(scope="module")
def credit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("credit100k")
    write_credit_db(folder / "credit.db", make_credit_log(100_000))
    (folder / "monitor.yaml").write_text(CONFIG)
    return folder


@pytest.fixture(scope="module")
def log_frame(credit_dir: Path) -> pd.DataFrame:
    """The whole log with its outcomes, read with plain sqlite3 and pandas (not monitor's code)."""
    with sqlite3.connect(credit_dir / "credit.db") as connection:
        log = pd.read_sql("SELECT * FROM applications", connection)
        outcomes = pd.read_sql("SELECT * FROM outcomes", connection)
    connection.close()
    log["applied_at"] = pd.to_datetime(log["applied_at"], utc=True)
    return log.merge(outcomes, on="application_id", how="left")


def _check(credit_dir: Path, at: datetime) -> tuple[int, dict[str, Any]]:
    result = run_monitor(
        "check", "-c", str(credit_dir / "monitor.yaml"), "--json", "--dry-run", "--at", at.isoformat()
    )
    assert "Traceback" not in result.stderr
    (monitor,) = json.loads(result.stdout)["monitors"]
    return result.returncode, monitor


def _window(log: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    times = log["applied_at"]
    return log[(times >= pd.Timestamp(start)) & (times < pd.Timestamp(end))].reset_index(drop=True)


def _evidently_scores(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, tuple[str, float, float]]:
    """column -> (method display name, threshold, score) from Evidently's own DataDriftPreset."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    columns = [*NUMERICAL, "default_score", *CATEGORICAL]
    definition = DataDefinition(
        numerical_columns=[*NUMERICAL, "default_score"], categorical_columns=CATEGORICAL
    )
    snapshot = Report([DataDriftPreset(columns=columns)]).run(
        current_data=Dataset.from_pandas(current[columns], data_definition=definition),
        reference_data=Dataset.from_pandas(reference[columns], data_definition=definition),
    )
    scores = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":ValueDrift"):
            scores[config["column"]] = (config["method"], config["threshold"], float(metric["value"]))
    return scores


DISPLAY = {"wasserstein": "Wasserstein distance (normed)", "jensenshannon": "Jensen-Shannon distance"}


def _assert_matches_evidently(monitor: dict[str, Any], log: pd.DataFrame, at: datetime) -> None:
    reference = _window(log, *REFERENCE)
    current = _window(log, at - WEEK, at)
    assert monitor["reference"]["rows"] == len(reference)
    assert monitor["window"]["rows"] == len(current)
    theirs = _evidently_scores(reference, current)
    ours = {c["column"]: c for c in monitor["drift"]["columns"]}
    ours["default_score"] = monitor["prediction_drift"]
    assert set(ours) == set(theirs)
    for column, (method, threshold, score) in theirs.items():
        assert DISPLAY[ours[column]["method"]] == method, column
        assert ours[column]["threshold"] == threshold, column
        assert math.isclose(ours[column]["score"], score, rel_tol=1e-9), (
            column,
            ours[column]["score"],
            score,
        )
        assert ours[column]["drifted"] == (score >= threshold), column
    features = monitor["drift"]["columns"]
    share = sum(c["drifted"] for c in features) / len(features)
    assert monitor["drift"]["share"] == pytest.approx(share)
    assert monitor["drift"]["dataset_drift"] == (share >= 0.5)


def _hand_accuracy(window: pd.DataFrame) -> tuple[int, float]:
    labelled = window[window["defaulted"].notna()]
    correct = sum(
        int(p) == int(t) for p, t in zip(labelled["default_pred"], labelled["defaulted"], strict=True)
    )
    return len(labelled), correct / len(labelled)


def _assert_shape(monitor: dict[str, Any]) -> None:
    assert set(monitor) == MONITOR_KEYS
    assert monitor["compute"] == "local"  # a small log from files is computed in memory
    for part in ("window", "reference"):
        assert set(monitor[part]) == {"start", "end", "rows"}
        for bound in ("start", "end"):
            assert monitor[part][bound].endswith("+00:00")
            datetime.fromisoformat(monitor[part][bound])
    assert set(monitor["drift"]) == {"share", "dataset_drift", "columns"}
    for column in monitor["drift"]["columns"]:
        assert set(column) == {"column", "kind", "method", "score", "threshold", "drifted"}
    assert set(monitor["prediction_drift"]) == {"column", "method", "score", "threshold", "drifted"}
    for alert in monitor["alerts"]:
        assert set(alert) == {"rule", "subject", "status", "silenced", "channels"}
    assert monitor["report"] is None  # a dry run writes nothing
    assert monitor["error"] is None
    quality = {c["column"]: c["missing_share"] for c in monitor["data_quality"]["columns"]}
    assert set(quality) == {*NUMERICAL, *CATEGORICAL, "default_pred", "default_score"}


@pytest.mark.evidently
def test_before_the_drift_all_quiet(credit_dir: Path, log_frame: pd.DataFrame) -> None:
    code, monitor = _check(credit_dir, BEFORE_DRIFT)
    _assert_shape(monitor)
    assert code == 0
    assert monitor["alerts"] == []
    assert monitor["drift"]["dataset_drift"] is False
    _assert_matches_evidently(monitor, log_frame, BEFORE_DRIFT)
    rows, accuracy = _hand_accuracy(_window(log_frame, BEFORE_DRIFT - WEEK, BEFORE_DRIFT))
    performance = {m["metric"]: m for m in monitor["performance"]["metrics"]}
    assert monitor["performance"]["rows_with_target"] == rows == monitor["window"]["rows"]
    assert performance["accuracy"]["current"] == pytest.approx(accuracy, rel=1e-12)
    _, reference_accuracy = _hand_accuracy(_window(log_frame, *REFERENCE))
    assert performance["accuracy"]["reference"] == pytest.approx(reference_accuracy, rel=1e-12)


@pytest.mark.evidently
def test_after_the_drift_alerts_fire(credit_dir: Path, log_frame: pd.DataFrame) -> None:
    code, monitor = _check(credit_dir, AFTER_DRIFT)
    _assert_shape(monitor)
    assert code == 1
    _assert_matches_evidently(monitor, log_frame, AFTER_DRIFT)
    assert monitor["drift"]["dataset_drift"] is True
    rows, accuracy = _hand_accuracy(_window(log_frame, AFTER_DRIFT - WEEK, AFTER_DRIFT))
    performance = {m["metric"]: m for m in monitor["performance"]["metrics"]}
    assert monitor["performance"]["rows_with_target"] == rows
    assert performance["accuracy"]["current"] == pytest.approx(accuracy, rel=1e-12)
    drop = performance["accuracy"]["reference"] - performance["accuracy"]["current"]
    assert performance["accuracy"]["drop"] == pytest.approx(drop)
    assert drop > 0.05
    firing = {(a["rule"], a["subject"], a["status"]) for a in monitor["alerts"]}
    assert firing == {("dataset_drift", "dataset", "firing"), ("performance_drop", "accuracy", "firing")}


def test_late_outcomes_count_for_drift_not_performance(credit_dir: Path, log_frame: pd.DataFrame) -> None:
    # outcomes are known up to 2026-03-09: this window is half labelled, the next one not at all
    at = datetime(2026, 3, 12, tzinfo=timezone.utc)
    code, monitor = _check(credit_dir, at)
    window = _window(log_frame, at - WEEK, at)
    rows, accuracy = _hand_accuracy(window)
    assert 0 < rows < len(window) == monitor["window"]["rows"]
    assert monitor["performance"]["rows_with_target"] == rows
    accuracy_entry = next(m for m in monitor["performance"]["metrics"] if m["metric"] == "accuracy")
    assert accuracy_entry["current"] == pytest.approx(accuracy, rel=1e-12)

    later = datetime(2026, 3, 16, 12, tzinfo=timezone.utc)
    code, monitor = _check(credit_dir, later)
    assert monitor["window"]["rows"] == len(_window(log_frame, later - WEEK, later)) > 0
    assert monitor["performance"] is None
    assert all(c["score"] is not None for c in monitor["drift"]["columns"])
    assert code == 1  # the drift is still there
