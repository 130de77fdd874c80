"""A realistic prediction log of a credit-default model in SQLite, for end-to-end CLI tests.

Applications arrive with daily seasonality; timestamps are ISO-8601 text as SQLite
keeps them; the outcome (defaulted or not) arrives weeks later in its own table, so
the latest applications have none yet. From ``DRIFT_START`` on, incomes fall, loans
grow, the purpose mix shifts and the model's score stops matching the outcomes.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAYS = 70
DRIFT_START = datetime(2026, 3, 1, tzinfo=timezone.utc)
LOG_END = START + timedelta(days=DAYS)
OUTCOME_DELAY = timedelta(days=3)  # outcomes known only for applications this old at LOG_END

NUMERICAL = ["income", "loan_amount", "debt_to_income", "credit_history_months", "open_accounts"]
CATEGORICAL = ["purpose", "home_ownership", "region"]
PURPOSES = ["car", "home", "education", "consolidation", "business"]
HOMES = ["rent", "own", "mortgage"]
REGIONS = ["north", "south", "east", "west"]


def make_credit_log(rows: int, seed: int = 11, iso_format: str = "%Y-%m-%d %H:%M:%S") -> pd.DataFrame:
    """One row per application, with its outcome column (``defaulted``, NaN once dropped)."""
    rng = np.random.default_rng(seed)
    hours = np.arange(24)
    weights = 1.0 + 0.7 * np.sin(2 * np.pi * (hours - 9) / 24)
    seconds = (
        rng.integers(0, DAYS, rows) * 86400
        + rng.choice(hours, rows, p=weights / weights.sum()) * 3600
        + rng.integers(0, 3600, rows)
    )
    times = pd.Timestamp(START) + pd.to_timedelta(np.sort(seconds), unit="s")
    drifted = np.asarray(times >= pd.Timestamp(DRIFT_START))

    income = np.where(drifted, rng.lognormal(10.6, 0.5, rows), rng.lognormal(10.9, 0.45, rows)).round(2)
    loan = np.where(drifted, rng.gamma(3.0, 6000.0, rows), rng.gamma(3.0, 4000.0, rows)).round(2)
    debt_to_income = np.clip(rng.normal(np.where(drifted, 0.38, 0.3), 0.12), 0, None).round(4)
    history = rng.integers(0, 360, rows)
    accounts = rng.poisson(4.0, rows)
    purpose = np.where(
        drifted,
        rng.choice(PURPOSES, rows, p=[0.15, 0.15, 0.1, 0.3, 0.3]),
        rng.choice(PURPOSES, rows, p=[0.3, 0.25, 0.15, 0.2, 0.1]),
    ).astype(object)
    home = rng.choice(HOMES, rows, p=[0.4, 0.25, 0.35])
    region = rng.choice(REGIONS, rows)

    learned = -1.0 - 1.2 * np.log(income / 50000) + 2.0 * (loan / income) + 3.0 * debt_to_income
    learned = learned - 0.004 * history
    truth = np.where(drifted, 0.2 * learned - 1.0 + 2.0 * (purpose == "business"), learned)
    defaulted = (rng.random(rows) < 1 / (1 + np.exp(-(truth + rng.normal(0, 0.3, rows))))).astype(int)
    score = (1 / (1 + np.exp(-(learned + rng.normal(0, 0.3, rows))))).round(6)

    debt_to_income = np.where(rng.random(rows) < 0.03, np.nan, debt_to_income)  # not always reported
    purpose[rng.random(rows) < 0.01] = None
    return pd.DataFrame(
        {
            "application_id": np.arange(1, rows + 1),
            "applied_at": times.strftime(iso_format),
            "income": income,
            "loan_amount": loan,
            "debt_to_income": debt_to_income,
            "credit_history_months": history,
            "open_accounts": accounts,
            "purpose": purpose,
            "home_ownership": home,
            "region": region,
            "default_score": score,
            "default_pred": (score >= 0.5).astype(int),
            "defaulted": defaulted,
        }
    )


def write_credit_db(path: Path, log: pd.DataFrame) -> None:
    """Predictions in ``applications``; outcomes known by LOG_END in ``outcomes``."""
    times = pd.to_datetime(log["applied_at"], utc=True, format="ISO8601")
    known = np.asarray(times < pd.Timestamp(LOG_END - OUTCOME_DELAY))
    with sqlite3.connect(path) as connection:
        log.drop(columns=["defaulted"]).to_sql("applications", connection, index=False)
        log.loc[known, ["application_id", "defaulted"]].to_sql("outcomes", connection, index=False)
        connection.execute("CREATE INDEX ix_applied_at ON applications (applied_at)")
    connection.close()


CONFIG = """\
store: sqlite:///state.db
monitors:
  credit-default:
    source: {url: "sqlite:///credit.db", table: applications, timestamp: applied_at}
    features:
      numerical: [income, loan_amount, debt_to_income, credit_history_months, open_accounts]
      categorical: [purpose, home_ownership, region]
    prediction: {column: default_pred, score: default_score, task: classification}
    target: {column: defaulted, table: outcomes, join_on: application_id}
    reference: {start: "2026-01-01", end: "2026-02-01"}
    window: 7d
    alerts:
      - {rule: dataset_drift}
      - {rule: performance_drop, metric: accuracy, max_drop: 0.05}
      - {rule: no_data}
"""


def run_monitor(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The ``monitor`` command as a user runs it: a fresh process, its own stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
