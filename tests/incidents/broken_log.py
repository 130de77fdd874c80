"""A real-shaped prediction log (payments, daily seasonality) and the six ways to break its last day.

The log holds ``DAYS`` days ending at ``end``; each ``break_*`` function changes only the rows of
the last day, as a broken pipeline would: a feed that thins out or stops, a type that changes,
a code nobody mapped, values beyond any seen, a join that duplicates rows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.cli_in_process import monitor_in_process

DAYS = 10
ROWS_PER_DAY = 1500
COUNTRIES = ["US", "GB", "DE", "FR", "NO"]
CHANNELS = ["web", "app", "pos"]
RULES = ("volume", "freshness", "schema", "new_categories", "out_of_range", "duplicates")


def make_log(end: datetime, seed: int = 3) -> pd.DataFrame:
    """``DAYS`` days of transactions ending at ``end``, in time order, timestamps as UTC datetimes."""
    rng = np.random.default_rng(seed)
    rows = DAYS * ROWS_PER_DAY
    hours = np.arange(24)
    weights = 1.0 + 0.8 * np.sin(2 * np.pi * (hours - 8) / 24)
    day = np.repeat(np.arange(DAYS), ROWS_PER_DAY)
    seconds = (
        day * 86400 + rng.choice(hours, rows, p=weights / weights.sum()) * 3600 + rng.integers(0, 3600, rows)
    )
    start = pd.Timestamp(end) - pd.Timedelta(days=DAYS)
    times = start + pd.to_timedelta(np.sort(seconds), unit="s")
    return pd.DataFrame(
        {
            "transaction_id": np.char.add("tx-", np.arange(rows).astype(str)),
            "timestamp": times,
            "amount": rng.lognormal(3.5, 1.0, rows).round(2),
            "account_age_days": rng.gamma(2.0, 200.0, rows).round(),
            "country": rng.choice(COUNTRIES, rows, p=[0.5, 0.2, 0.15, 0.1, 0.05]),
            "channel": rng.choice(CHANNELS, rows, p=[0.5, 0.3, 0.2]),
            "fraud_score": rng.beta(1.0, 12.0, rows).round(6),
        }
    )


def last_day(log: pd.DataFrame, end: datetime) -> np.ndarray:
    return np.asarray(log["timestamp"] >= pd.Timestamp(end) - pd.Timedelta(days=1))


def break_volume(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """The feed thins out: 95% of the last day's rows never arrive."""
    day = last_day(log, end)
    dropped = day & (np.arange(len(log)) % 20 != 0)
    return log[~dropped].reset_index(drop=True)


def break_freshness(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """The feed stops six hours before the run: nothing newer arrives."""
    return log[log["timestamp"] < pd.Timestamp(end) - pd.Timedelta(hours=6)].reset_index(drop=True)


def break_schema(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """An upstream change writes the amount as text with its currency."""
    broken = log.astype({"amount": object})
    day = last_day(log, end)
    broken.loc[day, "amount"] = [f"{value:.2f} EUR" for value in log.loc[day, "amount"]]
    return broken


def break_new_categories(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """A market opens: a fifth of the last day's rows come from a country never seen."""
    broken = log.copy()
    day = np.flatnonzero(last_day(log, end))
    broken.loc[day[::5], "country"] = "BR"
    return broken


def break_out_of_range(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """Refunds leak in: a tenth of the last day's amounts are negative."""
    broken = log.copy()
    day = np.flatnonzero(last_day(log, end))
    broken.loc[day[::10], "amount"] = -broken.loc[day[::10], "amount"]
    return broken


def break_duplicates(log: pd.DataFrame, end: datetime) -> pd.DataFrame:
    """A join fans out: 5% of the last day's transactions are written twice."""
    day = np.flatnonzero(last_day(log, end))
    twice = log.iloc[day[::20]]
    return pd.concat([log, twice]).sort_values("timestamp", kind="mergesort").reset_index(drop=True)


BREAKS: dict[str, Callable[[pd.DataFrame, datetime], pd.DataFrame]] = {
    "volume": break_volume,
    "freshness": break_freshness,
    "schema": break_schema,
    "new_categories": break_new_categories,
    "out_of_range": break_out_of_range,
    "duplicates": break_duplicates,
}


def write_sqlite(log: pd.DataFrame, path: Path) -> str:
    stored = log.assign(timestamp=log["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    with sqlite3.connect(path) as connection:
        # declared types as a real table has them: REAL amounts still take text (SQLite's affinity)
        connection.execute(
            "CREATE TABLE predictions (transaction_id TEXT, timestamp TEXT, amount REAL, "
            "account_age_days REAL, country TEXT, channel TEXT, fraud_score REAL)"
        )
        connection.executemany(
            "INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?)", stored.itertuples(index=False)
        )
        connection.execute("CREATE INDEX ix_time ON predictions (timestamp)")
    return f'{{url: "sqlite:///{path}", table: predictions, timestamp: timestamp}}'


def write_parquet(log: pd.DataFrame, folder: Path, end: datetime, *, drop_last_day: str | None = None) -> str:
    """One file per day, as a partitioned export writes them; ``drop_last_day``: a column the
    last day's file lacks (an upstream rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    days = (pd.Timestamp(end) - log["timestamp"]).dt.ceil("D").dt.days
    for back, rows in log.groupby(days):
        frame = rows.reset_index(drop=True)
        if back == 1 and drop_last_day is not None:
            frame = frame.drop(columns=[drop_last_day])
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), folder / f"day-{100 - back:03d}.parquet"
        )
    return f'{{path: "{folder}/*.parquet", timestamp: timestamp}}'


def write_csv(log: pd.DataFrame, folder: Path, end: datetime, *, drop_last_day: str | None = None) -> str:
    """One CSV file per day; ``drop_last_day``: a column the last day's file lacks."""
    folder.mkdir(parents=True, exist_ok=True)
    days = (pd.Timestamp(end) - log["timestamp"]).dt.ceil("D").dt.days
    for back, rows in log.groupby(days):
        frame = rows.assign(timestamp=rows["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if back == 1 and drop_last_day is not None:
            frame = frame.drop(columns=[drop_last_day])
        frame.to_csv(folder / f"day-{100 - back:03d}.csv", index=False)
    return f'{{path: "{folder}/*.csv", timestamp: timestamp}}'


RULE_OPTIONS = {  # the contract's example thresholds
    "volume": ", min_ratio: 0.5, max_ratio: 3.0",
    "freshness": ", max_age: 2h",
    "schema": "",
    "new_categories": ", max_share: 0.01",
    "out_of_range": ", max_share: 0.01",
    "duplicates": ", key: [transaction_id], max_share: 0.0",
    "dataset_drift": "",
    "column_drift": "",
    "prediction_drift": "",
}


def config_text(
    source: str,
    *,
    store: str,
    channels: str = "[]",
    extra: str = "",
    rules: tuple[str, ...] = RULES,
    monitor_extra: str = "",
) -> str:
    """``monitor_extra``: more keys of the monitor (indented 4 spaces), e.g. a target."""
    lines = "\n".join(f"      - {{rule: {rule}, channels: {channels}{RULE_OPTIONS[rule]}}}" for rule in rules)
    return f"""store: "{store}"
reports: {{dir: reports, when: never}}
server: {{host: 127.0.0.1, port: 0}}
{extra}
monitors:
  payments:
    source: {source}
    features:
      numerical: [amount, account_age_days]
      categorical: [country, channel]
    prediction: {{score: fraud_score, task: classification}}
{monitor_extra}    reference: {{previous: 7d}}
    window: 1d
    schedule: {{every: 1h}}
    alerts:
{lines}
"""


def check(config: Path, at: datetime) -> tuple[int, dict[str, Any]]:
    """``monitor check --json --at AT`` through its entry point in this process: its exit code and
    document (``run_check`` runs the real executable, for the exit-code cases)."""
    done = monitor_in_process("check", "-c", str(config), "--json", "--at", at.isoformat())
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def run_check(config: Path, at: datetime) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", "check", "-c", str(config), "--json", "--at", at.isoformat()],
        capture_output=True,
        text=True,
        cwd=config.parent,
        env={**os.environ, "EVIDENTLY_DISABLE_TELEMETRY": "1"},
        timeout=120,
    )


def firing(document: dict[str, Any]) -> set[tuple[str, str]]:
    (monitor,) = document["monitors"]
    return {(a["rule"], a["subject"]) for a in monitor["alerts"] if a["status"] == "firing"}


def day_before(end: datetime) -> datetime:
    return end - timedelta(days=1)
