"""NannyML 0.13, the oracle of multivariate drift: imported only here, with its telemetry off.

NannyML is a test-only dependency (the ``dev`` extra); without it the tests that compare
with it are skipped, saying so. Its import pulls in FLAML, which starts a Spark session
through ``pyspark.pandas`` when PySpark is installed (as it is for the Spark sources):
``pyspark.pandas`` is hidden for the length of the import, which FLAML handles as "no Spark".
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

CAR_LOAN_NUMERICAL = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
CAR_LOAN_CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
CAR_LOAN_FEATURES = [*CAR_LOAN_NUMERICAL, *CAR_LOAN_CATEGORICAL]
# the reference starts on Monday 2018-01-01: 7-day windows are NannyML's chunk_period "W"
REFERENCE_START = "2018-01-01T00:00:00Z"


def nannyml() -> ModuleType:
    """The nannyml module, or skip the calling test with the reason."""
    os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"  # before the import: NannyML reads it then
    hidden = "pyspark.pandas"
    saved = sys.modules.get(hidden)
    sys.modules[hidden] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        module = pytest.importorskip(
            "nannyml",
            minversion="0.13",
            reason="NannyML 0.13 (the oracle) is not installed: pip install -e '.[dev]'",
        )
    finally:
        if saved is None:
            del sys.modules[hidden]
        else:
            sys.modules[hidden] = saved
    return module


def car_loan() -> tuple[pd.DataFrame, pd.DataFrame]:
    """NannyML's synthetic car loan dataset (reference, analysis), timestamps as datetimes."""
    reference, analysis, _ = nannyml().load_synthetic_car_loan_dataset()
    for frame in (reference, analysis):
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return reference, analysis


def write_log(path: Path, frames: list[pd.DataFrame], table: str = "loans") -> None:
    """The rows as a SQLite prediction log, timestamps as ISO text (UTC, as monitor reads them)."""
    rows = pd.concat(frames, ignore_index=True)
    rows["timestamp"] = rows["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    with sqlite3.connect(path) as connection:
        rows.to_sql(table, connection, index=False)


def chunk_rows(results: Any, metric: str) -> pd.DataFrame:
    """NannyML's analysis chunks: start, end and the metric's value, upper and lower threshold."""
    frame = results.filter(period="analysis").to_df()
    return pd.DataFrame(
        {
            "start": pd.to_datetime(frame[("chunk", "start_date")]),
            "end": pd.to_datetime(frame[("chunk", "end_date")]),
            "value": frame[(metric, "value")].astype(float),
            "upper": frame[(metric, "upper_threshold")],
            "lower": frame[(metric, "lower_threshold")],
            "alert": frame[(metric, "alert")].astype(bool),
        }
    )
