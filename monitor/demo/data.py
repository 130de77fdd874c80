"""A realistic synthetic prediction log of a fraud model, with drift and a performance drop injected.

Two months of transactions with daily seasonality and a few per cent missing
values; labels arrive days late in their own table. From ``DRIFT_START`` on,
amounts grow, the country and channel mix shifts, and fraud starts to follow a
pattern the model never saw, so its ROC AUC falls. Two pipeline incidents follow: from
``NEW_CHANNEL_START`` a channel nobody mapped appears, and from ``FEED_DROP_START`` most
rows never arrive.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAYS = 60
DRIFT_START = datetime(2026, 2, 15, tzinfo=timezone.utc)
LOG_END = START + timedelta(days=DAYS)  # the demo's "now": labels known up to here
ROWS_PER_DAY = 1000
NEW_CHANNEL_START = LOG_END - timedelta(days=7)
NEW_CHANNEL, NEW_CHANNEL_SHARE = "kiosk", 0.03
FEED_DROP_START = LOG_END - timedelta(days=4)
FEED_DROP_KEPT = 0.05  # share of rows that still arrive

CATEGORIES = ["grocery", "electronics", "travel", "fashion", "gaming"]
COUNTRIES = ["US", "GB", "DE", "FR", "NO"]
CHANNELS = ["web", "app", "pos"]


def _timestamps(rng: np.random.Generator, rows: int) -> np.ndarray:
    """More traffic by day than by night: hour of day drawn from a daily curve."""
    hours = np.arange(24)
    weights = 1.0 + 0.8 * np.sin(2 * np.pi * (hours - 8) / 24)
    day = rng.integers(0, DAYS, rows)
    hour = rng.choice(hours, rows, p=weights / weights.sum())
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 3600, rows)
    return np.sort(seconds)


def _iso_text(times: pd.DatetimeIndex) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` text, as SQLite keeps times; numpy's formatter is ~8x pandas' strftime."""
    seconds = times.tz_convert(None).to_numpy().astype("datetime64[s]")
    return np.asarray(np.char.replace(np.datetime_as_string(seconds, unit="s"), "T", " ").astype(object))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def make_log(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(predictions, labels) frames; timestamps as ISO-8601 text, as SQLite keeps them."""
    rng = np.random.default_rng(seed)
    rows = DAYS * ROWS_PER_DAY
    offset = _timestamps(rng, rows)
    times = pd.to_datetime(START) + pd.to_timedelta(offset, unit="s")
    drifted = np.asarray(times >= pd.Timestamp(DRIFT_START))

    amount = np.where(drifted, rng.lognormal(4.1, 1.1, rows), rng.lognormal(3.5, 1.0, rows))
    age = rng.gamma(2.0, 200.0, rows).round()
    items = rng.poisson(2.0, rows) + 1
    category = np.where(
        drifted,
        rng.choice(CATEGORIES, rows, p=[0.25, 0.2, 0.1, 0.15, 0.3]),
        rng.choice(CATEGORIES, rows, p=[0.4, 0.2, 0.1, 0.2, 0.1]),
    )
    country = np.where(
        drifted,
        rng.choice(COUNTRIES, rows, p=[0.3, 0.15, 0.15, 0.1, 0.3]),
        rng.choice(COUNTRIES, rows, p=[0.5, 0.2, 0.15, 0.1, 0.05]),
    )
    channel = np.where(
        drifted, rng.choice(CHANNELS, rows, p=[0.3, 0.6, 0.1]), rng.choice(CHANNELS, rows, p=[0.5, 0.3, 0.2])
    )

    # What the model learned: big amounts on electronics from new accounts are risky.
    learned = -7.0 + 1.1 * np.log(amount) + 2.5 * (category == "electronics") - 0.004 * age
    # After the drift, fraud follows a new pattern (gaming via the app) the model knows nothing of.
    truth = np.where(
        drifted, 0.3 * learned - 3.6 + 4.0 * ((category == "gaming") & (channel == "app")), learned
    )
    is_fraud = rng.random(rows) < _sigmoid(truth + rng.normal(0, 0.3, rows))
    score = _sigmoid(learned + rng.normal(0, 0.4, rows))

    age = np.where(rng.random(rows) < 0.03, np.nan, age)  # unknown for some accounts
    category = category.astype(object)
    category[rng.random(rows) < 0.02] = None
    transaction_id = np.char.add("tx-", np.arange(rows).astype(str))
    predictions = pd.DataFrame(
        {
            "transaction_id": transaction_id,
            "timestamp": _iso_text(times),
            "amount": amount.round(2),
            "account_age_days": age,
            "items": items,
            "merchant_category": category,
            "country": country,
            "channel": channel,
            "fraud_score": score.round(6),
            "is_fraud_pred": (score >= 0.3).astype(int),
        }
    )
    delay = pd.to_timedelta(2 * 86400 + rng.exponential(4 * 86400, rows), unit="s")
    labelled_at = times + delay
    arrived = np.asarray(labelled_at < pd.Timestamp(LOG_END))
    labels = pd.DataFrame(
        {
            "transaction_id": transaction_id[arrived],
            "is_fraud": is_fraud[arrived].astype(int),
            "labelled_at": _iso_text(labelled_at[arrived]),
        }
    )
    return _with_incidents(predictions, labels, times, rng)


def _with_incidents(
    predictions: pd.DataFrame, labels: pd.DataFrame, times: pd.DatetimeIndex, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A new channel, then a feed that loses most rows (drawn last: the rest stays as it was)."""
    draw = rng.random(len(predictions))
    unmapped = np.asarray(times >= pd.Timestamp(NEW_CHANNEL_START)) & (draw < NEW_CHANNEL_SHARE)
    predictions.loc[unmapped, "channel"] = NEW_CHANNEL
    lost = np.asarray(times >= pd.Timestamp(FEED_DROP_START)) & (
        rng.random(len(predictions)) > FEED_DROP_KEPT
    )
    kept = predictions[~lost].reset_index(drop=True)
    return kept, labels[labels["transaction_id"].isin(kept["transaction_id"])].reset_index(drop=True)


# Column types as pandas' to_sql gave them, which the demo's log always had.
_SQL_TYPES = {"object": "TEXT", "float64": "REAL", "int64": "INTEGER"}


def _insert(connection: sqlite3.Connection, table: str, frame: pd.DataFrame) -> None:
    """``frame`` into a new table: one executemany over plain Python values (pandas' to_sql is ~5x slower)."""
    columns = ", ".join(f'"{name}" {_SQL_TYPES[str(frame[name].dtype)]}' for name in frame.columns)
    connection.execute(f'CREATE TABLE "{table}" ({columns})')
    values = [
        [None if value != value else value for value in frame[name].tolist()]  # NaN as NULL
        if frame[name].dtype == np.float64
        else frame[name].tolist()
        for name in frame.columns
    ]
    marks = ", ".join("?" for _ in frame.columns)
    connection.executemany(f'INSERT INTO "{table}" VALUES ({marks})', zip(*values, strict=True))


def write_log(path: Path, seed: int = 7) -> tuple[int, int]:
    """Write the log to a fresh SQLite file; returns (predictions, labels) row counts."""
    predictions, labels = make_log(seed)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        _insert(connection, "predictions", predictions)
        _insert(connection, "labels", labels)
        connection.execute("CREATE INDEX ix_predictions_timestamp ON predictions (timestamp)")
        connection.execute("CREATE INDEX ix_labels_transaction ON labels (transaction_id)")
    connection.close()
    return len(predictions), len(labels)
