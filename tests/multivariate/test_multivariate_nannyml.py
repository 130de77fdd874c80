"""Multivariate drift through ``monitor check --json`` equals NannyML 0.13 on its own dataset.

NannyML's synthetic car loan dataset goes into SQLite; a monitor with 7-day windows and a
reference starting on a Monday sees exactly NannyML's weekly chunks (``chunk_period="W"``).
Each compared week is one ``monitor check --at <week end>`` (through the command's entry point):
PCA reconstruction error, both bounds and the verdict equal NannyML's per chunk to 1e-6;
the domain classifier's AUROC is within 2% of NannyML's (LightGBM's threads may order its
sums differently). Weeks before and after the dataset's drift are both compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from oracle import (
    CAR_LOAN_CATEGORICAL,
    CAR_LOAN_FEATURES,
    CAR_LOAN_NUMERICAL,
    car_loan,
    chunk_rows,
    nannyml,
    write_log,
)

from tests.cli_in_process import monitor_in_process

CONFIG = """
monitors:
  loans:
    source: {{url: "sqlite:///{db}", table: loans, timestamp: timestamp}}
    features:
      numerical: {numerical}
      categorical: {categorical}
    reference: {{start: "{reference_start}", end: "{reference_end}"}}
    window: 7d
    drift:
      multivariate: {{method: {method}}}
    alerts:
      - {{rule: multivariate_drift}}
"""


def check(folder: Path, at: pd.Timestamp) -> dict[str, Any]:
    completed = monitor_in_process(
        "check",
        "-c",
        str(folder / "monitor.yaml"),
        "--json",
        "--dry-run",
        "--at",
        at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert completed.returncode in (0, 1), completed.stderr
    document: dict[str, Any] = json.loads(completed.stdout)["monitors"][0]
    assert document["error"] is None
    return document


def write_config(folder: Path, method: str, reference_end: str) -> None:
    (folder / "monitor.yaml").write_text(
        CONFIG.format(
            db="loans.db",
            numerical=json.dumps(CAR_LOAN_NUMERICAL),
            categorical=json.dumps(CAR_LOAN_CATEGORICAL),
            reference_start="2018-01-01T00:00:00Z",
            reference_end=reference_end,
            method=method,
        )
    )


def full_weeks(chunks: pd.DataFrame) -> pd.DataFrame:
    """NannyML's weekly chunks but the first (its week began in the reference) and the last (partial)."""
    assert (chunks["start"].dt.dayofweek == 0).all()
    return chunks.iloc[1:-1]


def test_pca_reconstruction_equals_nannyml_per_weekly_chunk(tmp_path: Path) -> None:
    nml = nannyml()
    reference, analysis = car_loan()
    write_log(tmp_path / "loans.db", [reference, analysis])
    # the reference window ends where the analysis rows begin
    write_config(tmp_path, "pca_reconstruction", "2018-10-30T18:00:00Z")
    calculator = nml.DataReconstructionDriftCalculator(
        column_names=CAR_LOAN_FEATURES, timestamp_column_name="timestamp", chunk_period="W"
    )
    calculator.fit(reference)
    chunks = full_weeks(chunk_rows(calculator.calculate(analysis), "reconstruction_error"))
    # weeks before the drift, around it and after it: both verdicts are compared
    compared = chunks.iloc[[0, 18, 21, 30, len(chunks) - 1]]
    assert compared["alert"].any() and not compared["alert"].all()
    for chunk in compared.itertuples():
        at = chunk.start + pd.Timedelta(days=7)
        document = check(tmp_path, at)
        assert document["window"]["rows"] == len(
            analysis[(analysis.timestamp >= chunk.start) & (analysis.timestamp < at)]
        )
        multivariate = document["drift"]["multivariate"]
        assert multivariate["method"] == "pca_reconstruction"
        assert multivariate["score"] == pytest.approx(chunk.value, abs=1e-6, rel=1e-6)
        assert multivariate["threshold"] == pytest.approx(chunk.upper, abs=1e-6, rel=1e-6)
        expected_lower = None if pd.isna(chunk.lower) else pytest.approx(chunk.lower, abs=1e-6, rel=1e-6)
        assert multivariate["lower_threshold"] == expected_lower
        assert multivariate["drifted"] is bool(chunk.alert)
        firing = [a for a in document["alerts"] if a["rule"] == "multivariate_drift"]
        assert bool(firing) is bool(chunk.alert)


def test_domain_classifier_within_two_percent_of_nannyml(tmp_path: Path) -> None:
    nml = nannyml()
    reference, analysis = car_loan()
    # four weeks of reference: NannyML's fit scores every reference chunk, five classifiers each
    reference = reference[reference.timestamp < pd.Timestamp("2018-01-29")]
    write_log(tmp_path / "loans.db", [reference, analysis])
    write_config(tmp_path, "domain_classifier", "2018-01-29T00:00:00Z")
    calculator = nml.DomainClassifierCalculator(
        feature_column_names=CAR_LOAN_FEATURES, timestamp_column_name="timestamp", chunk_period="W"
    )
    calculator.fit(reference)
    weeks = [pd.Timestamp("2018-11-05"), pd.Timestamp("2019-06-03")]  # before and after the drift
    rows = pd.concat(
        [analysis[(analysis.timestamp >= w) & (analysis.timestamp < w + pd.Timedelta(days=7))] for w in weeks]
    )
    chunks = chunk_rows(calculator.calculate(rows), "domain_classifier_auroc")
    assert len(chunks) == 2
    for week, chunk in zip(weeks, chunks.itertuples(), strict=True):
        multivariate = check(tmp_path, week + pd.Timedelta(days=7))["drift"]["multivariate"]
        assert multivariate["method"] == "domain_classifier"
        assert multivariate["score"] == pytest.approx(chunk.value, rel=0.02)
        assert (multivariate["threshold"], multivariate["lower_threshold"]) == (chunk.upper, chunk.lower)
        assert multivariate["drifted"] is bool(chunk.alert)
