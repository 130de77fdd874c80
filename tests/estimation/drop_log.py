"""A binary model's prediction log whose latest day turns unsure: its estimated roc_auc drops."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

DAY = timedelta(days=1)


def make_log(end: datetime, days: int = 8, rows_per_day: int = 1500, seed: int = 7) -> pd.DataFrame:
    """``days`` days of predictions ending at ``end``; the last day's scores crowd around 0.5 and
    carry no label yet (they arrive late), the earlier days' labels are drawn from the scores."""
    rng = np.random.default_rng(seed)
    frames = []
    for day in range(days):
        start = end - (days - day) * DAY
        offsets = np.sort(rng.uniform(0, DAY.total_seconds(), rows_per_day))
        score = rng.beta(0.6, 0.6, rows_per_day)
        last = day == days - 1
        if last:
            score = 0.5 + 0.15 * (score - 0.5)  # unsure: every prediction near a coin toss
        label = (rng.uniform(size=rows_per_day) < score).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "timestamp": [start + timedelta(seconds=float(s)) for s in offsets],
                    "amount": rng.gamma(2.0, 50.0, rows_per_day),
                    "score": score,
                    "pred": (score >= 0.5).astype(int),
                    "label": np.where(last, np.nan, label),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def write_sqlite(log: pd.DataFrame, path: Path) -> str:
    frame = log.copy()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(path) as connection:
        frame.to_sql("predictions", connection, index=False)
    connection.close()
    return f"sqlite:///{path}"


def config_text(source: str, store: str, extra: str = "", channels: str = "[]") -> str:
    return f"""store: "{store}"
server: {{host: 127.0.0.1, port: 0}}
reports: {{when: never}}
daemon: {{workers: 1, run_timeout: 120s, lease_ttl: 2s}}
{extra}
monitors:
  scorer:
    source: {{url: "{source}", table: predictions, timestamp: timestamp}}
    features: {{numerical: [amount]}}
    prediction: {{column: pred, score: score}}
    target: {{column: label}}
    reference: {{previous: 7d}}
    window: 1d
    schedule: {{every: 1h}}
    estimation: {{method: cbpe, metrics: [roc_auc, accuracy]}}
    alerts:
      - {{rule: estimated_performance_drop, metric: roc_auc, max_drop: 0.05, channels: {channels}}}
"""
