"""Awkward prediction logs for the equality suite: ties, constants, NaN/±inf/NULL, unseen
categories, a column empty in one window, references above and below 1000 rows."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

# the current window is the hour before AT; the reference is the day before that
AT = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
REFERENCE_START = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)

NUMERICAL = ["normal", "ties", "constant", "offset", "sparse", "small_int"]
CATEGORICAL = ["colour", "flag", "level"]


def awkward_log(reference_rows: int, current_rows: int = 240, seed: int = 7) -> pd.DataFrame:
    """Reference rows spread over the reference day, current rows over the last hour."""
    rng = np.random.default_rng(seed)
    reference_times = REFERENCE_START + pd.to_timedelta(
        np.sort(rng.integers(0, 24 * 3600 - 1, reference_rows)), unit="s"
    )
    current_times = (AT - pd.Timedelta(hours=1)) + pd.to_timedelta(
        np.sort(rng.integers(0, 3600, current_rows)), unit="s"
    )
    times = pd.DatetimeIndex(np.concatenate([reference_times.values, current_times.values])).tz_localize(
        "UTC"
    )
    size = reference_rows + current_rows
    shift = np.r_[np.zeros(reference_rows), np.full(current_rows, 0.4)]
    normal = rng.normal(size=size) + shift
    normal[rng.choice(size, 12, replace=False)] = np.nan
    normal[rng.choice(size, 3, replace=False)] = np.inf
    normal[rng.choice(size, 3, replace=False)] = -np.inf
    ties = np.round(rng.normal(size=size) + shift, 0)  # a handful of values, heavily tied
    offset = 1e6 + np.round(rng.normal(scale=3.0, size=size), 2)  # > 20 values, far from zero
    sparse = rng.exponential(size=size)
    sparse[reference_rows:] = np.nan  # nothing left in the current window
    colours = np.array(["red", "green", "blue", "violet"])
    colour = colours[rng.integers(0, 3, size)].astype(object)
    colour[reference_rows:][rng.random(current_rows) < 0.2] = "violet"  # unseen in the reference
    colour[rng.choice(size, 9, replace=False)] = None
    target = rng.integers(0, 2, size)
    score = np.clip(target * 0.3 + rng.random(size) * 0.7, 0, 1)
    score[rng.choice(size, 5, replace=False)] = np.nan
    score = np.round(score, 2)  # ties in the score
    return pd.DataFrame(
        {
            "ts": times,
            "normal": normal,
            "ties": ties,
            "constant": np.full(size, 3.25),
            "offset": offset,
            "sparse": sparse,
            "small_int": rng.integers(0, 3, size),
            "colour": colour,
            "flag": rng.random(size) < 0.3 + shift / 2,
            "level": rng.choice(["a", "b", "c", "d", "e", "f"], size),
            "target": pd.array(np.where(rng.random(size) < 0.05, None, target), dtype="Int64").astype(
                "float64"
            ),
            "score": score,
            "label": (score >= 0.5).astype(np.int64),
            "grade": rng.choice(["low", "mid", "high"], size),
            "truth_grade": rng.choice(["low", "mid", "high"], size),
            "amount": 100 + rng.normal(scale=10, size=size),
            "estimate": 100 + rng.normal(scale=12, size=size),
        }
    )
