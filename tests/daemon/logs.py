"""A small drifting prediction log in SQLite, around now (the daemon checks the window ending now)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

ROWS_PER_WINDOW = 400


def write_drifting_log(path: Path, seed: int = 3) -> None:
    """Yesterday is the reference; the last 24 hours drifted (bigger amounts, another country mix)
    and the model got worse (its score follows the label less)."""
    rng = np.random.default_rng(seed)
    now = datetime.now(timezone.utc)
    frames = []
    for day, drifted in ((2, False), (1, True)):
        start = now - timedelta(days=day)
        offsets = np.sort(rng.uniform(0, 86400 - 120, ROWS_PER_WINDOW))
        times = pd.to_datetime(start) + pd.to_timedelta(offsets, unit="s")
        label = rng.random(ROWS_PER_WINDOW) < 0.3
        signal = np.where(label, 0.4 if drifted else 1.5, -0.4 if drifted else -1.5)
        score = 1 / (1 + np.exp(-(signal + rng.normal(0, 1.0 if drifted else 0.25, ROWS_PER_WINDOW))))
        frames.append(
            pd.DataFrame(
                {
                    "timestamp": times.strftime("%Y-%m-%d %H:%M:%S"),
                    "amount": rng.lognormal(4.2 if drifted else 3.5, 1.0, ROWS_PER_WINDOW).round(2),
                    "items": rng.poisson(2.0, ROWS_PER_WINDOW) + 1,
                    "country": rng.choice(
                        ["US", "GB", "NO"], ROWS_PER_WINDOW, p=[0.3, 0.2, 0.5] if drifted else [0.6, 0.3, 0.1]
                    ),
                    "score": score.round(6),
                    "pred": (score >= 0.5).astype(int),
                    "label": label.astype(int),
                }
            )
        )
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        pd.concat(frames).to_sql("predictions", connection, index=False)
