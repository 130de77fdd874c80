"""``monitor check --json`` / ``backfill --json`` estimate performance as NannyML's CBPE does.

NannyML's bundled synthetic car loan (binary) and synthetic multiclass datasets are loaded
into SQLite (reference rows and analysis rows in one table, ISO-text timestamps); NannyML
fits CBPE on its reference set and estimates weekly chunks of the analysis set. Our monitor's
reference window is the reference set's time span and its current window one week, so each
window holds exactly one chunk's rows: estimate, lower and upper must equal NannyML's value
and confidence bounds to 1e-6, and ``realized`` its realized value.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.cli_in_process import monitor_in_process
from tests.estimation.nml import check_json, chunk_rows, nannyml, write_table

METRICS = ["roc_auc", "accuracy", "precision", "recall", "f1"]
WEEK = pd.Timedelta(days=7)
TOLERANCE = 1e-6

LOAN_CONFIG = """
store: sqlite:///{folder}/state.db
reports: {{when: never}}
monitors:
  loans:
    source: {{url: "sqlite:///{folder}/loans.db", table: loans, timestamp: timestamp}}
    features:
      numerical: [car_value, debt_to_income_ratio, driver_tenure]
      categorical: [salary_range, size_of_downpayment]
    prediction: {{column: y_pred, score: y_pred_proba}}
    target: {{column: repaid}}
    reference: {{start: "{start}", end: "{end}"}}
    window: 7d
    estimation: {{method: cbpe, metrics: [roc_auc, accuracy, precision, recall, f1]}}
    alerts:
      - {{rule: estimated_performance_drop, metric: roc_auc, max_drop: 0.05}}
"""

CARDS_CONFIG = """
store: sqlite:///{folder}/state.db
reports: {{when: never}}
monitors:
  cards:
    source: {{url: "sqlite:///{folder}/cards.db", table: applications, timestamp: timestamp}}
    features:
      numerical: [app_behavioral_score, credit_bureau_score]
      categorical: [acq_channel, app_channel]
    prediction:
      column: y_pred
      scores:
        prepaid_card: y_pred_proba_prepaid_card
        highstreet_card: y_pred_proba_highstreet_card
        upmarket_card: y_pred_proba_upmarket_card
    target: {{column: y_true}}
    reference: {{start: "{start}", end: "{end}"}}
    window: 7d
    estimation: {{method: cbpe}}
"""


def _span(reference: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    times = pd.to_datetime(reference["timestamp"])
    return times.min(), times.max() + pd.Timedelta(milliseconds=1)


def _full_weeks(chunks: pd.DataFrame, analysis: pd.DataFrame) -> pd.DataFrame:
    """The chunks that are whole weeks of the analysis set (the first and last are partial)."""
    times = pd.to_datetime(analysis["timestamp"])
    whole = (chunks["start"] >= times.min()) & (chunks["start"] + WEEK <= times.max())
    return chunks[whole].reset_index(drop=True)


def _nannyml_chunks(
    estimator: Any, reference: pd.DataFrame, analysis: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    results = estimator.fit(reference).estimate(analysis)
    return {metric: _full_weeks(chunk_rows(results, metric), analysis) for metric in METRICS}


def _compare(ours: dict[str, Any], theirs: dict[str, pd.DataFrame], index: int) -> None:
    estimated = {m["metric"]: m for m in ours["estimated_performance"]["metrics"]}
    assert list(estimated) == METRICS
    for metric in METRICS:
        row = theirs[metric].iloc[index]
        mine = estimated[metric]
        where = f"{metric} in the week from {row['start']}"
        assert mine["estimate"] == pytest.approx(row["value"], abs=TOLERANCE), where
        assert mine["lower"] == pytest.approx(row["lower"], abs=TOLERANCE), where
        assert mine["upper"] == pytest.approx(row["upper"], abs=TOLERANCE), where
        assert mine["sampling_error"] == pytest.approx(row["sampling_error"], abs=TOLERANCE), where
        if pd.notna(row["realized"]):
            assert mine["realized"] == pytest.approx(row["realized"], abs=1e-9), where


@pytest.fixture(scope="module")
def loans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, pd.DataFrame]]:
    nml = nannyml()
    reference, analysis, targets = nml.load_synthetic_car_loan_dataset()
    analysis = analysis.merge(targets, on="id")
    folder = tmp_path_factory.mktemp("loans")
    write_table(folder / "loans.db", "loans", pd.concat([reference, analysis], ignore_index=True))
    start, end = _span(reference)
    (folder / "monitor.yaml").write_text(LOAN_CONFIG.format(folder=folder, start=start, end=end))
    estimator = nml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="repaid",
        timestamp_column_name="timestamp",
        metrics=METRICS,
        chunk_period="W",
        problem_type="classification_binary",
    )
    return folder, _nannyml_chunks(estimator, reference, analysis)


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, pd.DataFrame]]:
    nml = nannyml()
    reference, analysis, targets = nml.load_synthetic_multiclass_classification_dataset()
    analysis = analysis.merge(targets, on="id")
    folder = tmp_path_factory.mktemp("cards")
    write_table(folder / "cards.db", "applications", pd.concat([reference, analysis], ignore_index=True))
    start, end = _span(reference)
    (folder / "monitor.yaml").write_text(CARDS_CONFIG.format(folder=folder, start=start, end=end))
    estimator = nml.CBPE(
        y_pred_proba={
            "prepaid_card": "y_pred_proba_prepaid_card",
            "highstreet_card": "y_pred_proba_highstreet_card",
            "upmarket_card": "y_pred_proba_upmarket_card",
        },
        y_pred="y_pred",
        y_true="y_true",
        timestamp_column_name="timestamp",
        metrics=METRICS,
        chunk_period="W",
        problem_type="classification_multiclass",
    )
    return folder, _nannyml_chunks(estimator, reference, analysis)


def test_binary_check_json_equals_nannyml_per_weekly_chunk(
    loans: tuple[Path, dict[str, pd.DataFrame]],
) -> None:
    folder, theirs = loans
    weeks = theirs["roc_auc"]
    picked = [0, len(weeks) // 2, len(weeks) - 1]
    logs: list[str] = []
    for index in picked:
        monitor = check_json(folder / "monitor.yaml", weeks["start"].iloc[index] + WEEK, logs=logs)
        assert monitor["estimated_performance"]["method"] == "cbpe"
        _compare(monitor, theirs, index)
        roc_auc = monitor["estimated_performance"]["metrics"][0]
        # the reference value is the roc_auc realized on the reference set; the rule compares with it
        assert roc_auc["drop"] == pytest.approx(roc_auc["reference"] - roc_auc["estimate"])
    # fitted once: the later checks read the calibrator and the components from the store
    assert ["fitting CBPE" in log for log in logs] == [True, False, False]
    with sqlite3.connect(folder / "state.db") as connection:
        kinds = connection.execute("SELECT monitor, kind FROM monitor_cache").fetchall()
    connection.close()
    assert kinds == [("loans", "cbpe")]


def test_binary_backfill_equals_nannyml_on_every_full_week(
    loans: tuple[Path, dict[str, pd.DataFrame]],
) -> None:
    folder, theirs = loans
    weeks = theirs["roc_auc"]
    first, last = weeks["start"].iloc[0] + WEEK, weeks["start"].iloc[-1] + WEEK
    result = monitor_in_process(
        "backfill",
        "-c",
        str(folder / "monitor.yaml"),
        "--from",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    documents = json.loads(result.stdout)["monitors"]
    assert len(documents) == len(weeks)
    for index, document in enumerate(documents):
        _compare(document, theirs, index)


def test_multiclass_check_json_equals_nannyml_per_weekly_chunk(
    cards: tuple[Path, dict[str, pd.DataFrame]],
) -> None:
    folder, theirs = cards
    weeks = theirs["roc_auc"]
    monitor = check_json(folder / "monitor.yaml", weeks["start"].iloc[0] + WEEK)
    _compare(monitor, theirs, 0)
    assert [drift["column"] for drift in monitor["score_drift"]] == [
        "y_pred_proba_prepaid_card",
        "y_pred_proba_highstreet_card",
        "y_pred_proba_upmarket_card",
    ]  # every class's score column is judged for drift
    first, last = weeks["start"].iloc[1] + WEEK, weeks["start"].iloc[-1] + WEEK
    result = monitor_in_process(
        "backfill",
        "-c",
        str(folder / "monitor.yaml"),
        "--from",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    documents = json.loads(result.stdout)["monitors"]
    assert len(documents) == len(weeks) - 1
    for index, document in enumerate(documents, start=1):
        _compare(document, theirs, index)
