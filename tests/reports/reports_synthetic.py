"""Synthetic prediction logs for the report tests (a helper module, not tests)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

EVIL = '"><script>alert(1)</script>'


def prediction_log(rows: int, *, start: str, amount_shift: float, seed: int) -> pd.DataFrame:
    """A fraud-scorer log: drift is injected through ``amount_shift`` only."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range(start, periods=rows, freq="min", tz="UTC"),
            "amount": rng.lognormal(3.0 + amount_shift, 0.5, rows),
            "account_age_days": rng.integers(0, 2000, rows).astype(float),
            EVIL: rng.normal(0.0, 1.0, rows),
            "country": rng.choice(["de", "fr", "us", "gb"], rows),
            "fraud_score": rng.beta(1.0, 6.0, rows),
        }
    )
    frame["is_fraud_pred"] = (frame["fraud_score"] > 0.5).astype(int)
    # Ground truth drawn from the score; the newest rows have no label yet (labels arrive late).
    frame["is_fraud"] = (rng.random(rows) < frame["fraud_score"]).astype(float)
    frame.loc[frame.index[-rows // 10 :], "is_fraud"] = np.nan
    # Rows arrive out of time order, as a UNION of partitions would give them.
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


_DATA_BLOCK = re.compile(r"var (metric_\w+) = (.*);\n\s*var additional_graphs_\1 = (.*);\n</script>")


def embedded_dashboard(page: str) -> dict[str, Any]:
    """The dashboard JSON a report page hands to Evidently's script."""
    match = _DATA_BLOCK.search(page)
    assert match is not None, "no Evidently data block in the page"
    dashboard: dict[str, Any] = json.loads(match.group(2))
    return dashboard


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON tree."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def write_sqlite_log(path: Any, *, rows: int = 6000) -> None:
    """A SQLite prediction log: reference rows from 2026-01-01, drifted rows from 2026-03-01."""
    import sqlite3

    reference = prediction_log(rows, start="2026-01-01", amount_shift=0.0, seed=1)
    current = prediction_log(rows, start="2026-03-01", amount_shift=1.0, seed=2)
    frame = pd.concat([reference, current], ignore_index=True)
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(path) as connection:
        frame.to_sql("predictions", connection, if_exists="replace", index=False)
    connection.close()
