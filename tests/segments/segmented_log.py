"""A prediction log in SQLite where one country drifts and another loses accuracy.

Countries DE, FR, US, IT (and rows without a country) keep their shares in both windows,
so the log as a whole neither drifts nor loses much accuracy: in the current week only
FR's features move (about half a standard deviation and a shifted channel mix) and only
DE's predictions go wrong more often. LU holds too few rows to be checked.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SHARES = {"DE": 0.25, "FR": 0.12, "US": 0.33, "IT": 0.265, None: 0.03, "LU": 0.005}
REFERENCE_ROWS = 24_000
CURRENT_ROWS = 12_000
WINDOW = timedelta(days=7)
REFERENCE = timedelta(days=30)
MARGIN = 600.0


def _rows(
    rng: np.random.Generator,
    count: int,
    start: datetime,
    end: datetime,
    *,
    drift_fr: bool = False,
    worse_de: bool = False,
) -> pd.DataFrame:
    countries = rng.choice(np.array(list(SHARES), dtype=object), size=count, p=list(SHARES.values()))
    span = (end - start).total_seconds()
    # ten minutes clear of each window's edges: a daemon starting a little after ``end`` reads the same rows
    seconds = np.sort(rng.uniform(MARGIN, span - MARGIN, size=count))
    amount = rng.lognormal(3.5, 0.5, size=count)
    items = rng.normal(5.0, 1.5, size=count)
    channel = rng.choice(np.array(["web", "app", "store"], dtype=object), size=count, p=[0.5, 0.3, 0.2])
    if drift_fr:
        fr = countries == "FR"
        amount[fr] *= 1.35  # FR's amounts grow by a third
        items[fr] += 0.9
        mix = rng.choice(
            np.array(["web", "app", "store"], dtype=object), size=int(fr.sum()), p=[0.1, 0.2, 0.7]
        )
        channel[fr] = mix
    score = rng.uniform(0, 1, size=count)
    pred = (score >= 0.5).astype(int)
    correct = rng.uniform(0, 1, size=count) < 0.9
    label = np.where(correct, pred, 1 - pred)
    if worse_de:
        de = countries == "DE"
        wrong = de & (rng.uniform(0, 1, size=count) < 0.35)  # DE loses about 0.3 of accuracy
        label = np.where(wrong, 1 - pred, label)
    return pd.DataFrame(
        {
            "timestamp": [start + timedelta(seconds=float(s)) for s in seconds],
            "country": countries,
            "channel": channel,
            "amount": amount,
            "items": items,
            "score": score,
            "pred": pred,
            "label": label,
        }
    )


def make_log(end: datetime, *, drift_fr: bool = True, worse_de: bool = True, seed: int = 14) -> pd.DataFrame:
    """The reference month and the current week before ``end``, in time order."""
    rng = np.random.default_rng(seed)
    current_start = end - WINDOW
    reference = _rows(rng, REFERENCE_ROWS, current_start - REFERENCE, current_start)
    current = _rows(rng, CURRENT_ROWS, current_start, end, drift_fr=drift_fr, worse_de=worse_de)
    return pd.concat([reference, current], ignore_index=True)


def write_sqlite(log: pd.DataFrame, path: Path) -> Path:
    frame = log.copy()
    frame["timestamp"] = frame["timestamp"].map(lambda t: t.isoformat())
    with sqlite3.connect(path) as connection:
        frame.to_sql("predictions", connection, index=False, if_exists="replace")
    connection.close()
    return path


def config_text(
    database: Path,
    *,
    hook: str | None = None,
    segments: str = "{by: [country], top: 10, min_rows: 200}",
    every: str = "1h",
    reports: str = "never",
) -> str:
    channels = "[hook]" if hook else "[]"
    channel_block = f'channels:\n  hook: {{type: webhook, url: "{hook}"}}\n' if hook else ""
    return f"""store: "sqlite:///{database.parent / "state.db"}"
reports: {{dir: {database.parent / "reports"}, when: {reports}}}
server: {{host: 127.0.0.1, port: 0}}
{channel_block}monitors:
  payments:
    source: {{url: "sqlite:///{database}", table: predictions, timestamp: timestamp}}
    features: {{numerical: [amount, items], categorical: [channel]}}
    prediction: {{column: pred, score: score, task: classification}}
    target: {{column: label}}
    reference: {{previous: 30d}}
    window: 7d
    schedule: {{every: {every}}}
    segments: {segments}
    alerts:
      - {{rule: dataset_drift, channels: {channels}}}
      - {{rule: performance_drop, metric: accuracy, max_drop: 0.1, channels: {channels}}}
"""
