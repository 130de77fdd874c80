"""Deterministic, time-stratified row sampling for reports on large windows.

A report's charts (distributions, ROC curve, summary) are pictures: drawing them from
millions of rows costs time and shows nothing more. They use at most ``max_rows`` rows:
the window is sorted by time, cut into ``max_rows`` equal buckets of
consecutive rows, and one row is drawn from each bucket with a fixed seed.
Every part of the window is represented in proportion, periodic patterns do
not alias (as plain every-k-th-row sampling would), and the same window always
gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

SAMPLING_SEED = 20260308


@dataclass(frozen=True)
class Sample:
    """A window's rows as the charts use them, and how many the window had."""

    frame: pd.DataFrame
    total_rows: int

    @property
    def sampled(self) -> bool:
        return len(self.frame) < self.total_rows


def time_order(frame: pd.DataFrame, timestamp_column: str | None) -> np.ndarray:
    """Row positions in time order (stable); the given order when no time is known."""
    if timestamp_column is not None and timestamp_column in frame.columns:
        times = frame[timestamp_column]
    elif isinstance(frame.index, pd.DatetimeIndex):
        times = frame.index.to_series()
    else:
        datetime_columns = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
        if not datetime_columns:
            return np.arange(len(frame))
        times = frame[datetime_columns[0]]
    keys = pd.to_datetime(times, utc=True, errors="coerce").to_numpy(dtype="datetime64[ns]")
    return np.argsort(keys, kind="stable")


def sample_by_time(frame: pd.DataFrame, max_rows: int, timestamp_column: str | None = None) -> Sample:
    """At most ``max_rows`` rows of ``frame``: one seeded draw per equal time bucket, in time order."""
    total = len(frame)
    if total <= max_rows:
        return Sample(frame, total)
    order = time_order(frame, timestamp_column)
    edges = (np.arange(max_rows + 1, dtype=np.int64) * total) // max_rows
    widths = edges[1:] - edges[:-1]
    rng = np.random.default_rng(SAMPLING_SEED)
    picks = edges[:-1] + (rng.random(max_rows) * widths).astype(np.int64)
    return Sample(frame.iloc[order[picks]], total)
