"""Text columns (``features.text``) through ``monitor check``: scored as Evidently scores text
drift by default (its domain classifier), on the windows the check reads."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli_in_process import monitor_in_process

pytestmark = pytest.mark.evidently

WORDS = ["price", "delivery", "refund", "broken", "great", "slow", "support", "quality", "late", "cheap"]


def _reviews(rng: np.random.Generator, n: int, extra: list[str]) -> list[str]:
    vocabulary = np.array(WORDS + extra)
    return [" ".join(rng.choice(vocabulary, size)) for size in rng.integers(3, 12, n)]


def test_a_text_column_is_scored_as_evidently_scores_it(tmp_path: Path) -> None:
    os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
    stattests = pytest.importorskip("evidently.legacy.calculations.stattests")
    from evidently.legacy.core import ColumnType

    rng = np.random.default_rng(8)
    times = pd.date_range("2026-01-01", "2026-01-15", freq="5min", inclusive="left")
    late = times >= pd.Timestamp("2026-01-08")
    reviews = pd.Series(_reviews(rng, len(times), []), dtype=object)
    reviews[late] = _reviews(rng, int(late.sum()), ["scam", "fraud", "chargeback"])
    reviews[rng.random(len(times)) < 0.02] = None
    log = pd.DataFrame(
        {"ts": times.strftime("%Y-%m-%d %H:%M:%S"), "review": reviews, "amount": rng.normal(size=len(times))}
    )
    log.to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "monitor.yaml").write_text(
        """
store: sqlite:///state.db
monitors:
  reviews:
    source: {path: log.csv, timestamp: ts}
    features: {numerical: [amount], text: [review]}
    reference: {start: "2026-01-01", end: "2026-01-08"}
    window: 7d
"""
    )
    result = monitor_in_process(
        "check", "-c", str(tmp_path / "monitor.yaml"), "--at", "2026-01-15", "--json", "--dry-run"
    )
    assert result.returncode in (0, 1), result.stderr
    (document,) = json.loads(result.stdout)["monitors"]
    column = {c["column"]: c for c in document["drift"]["columns"]}["review"]

    read_back = pd.read_csv(tmp_path / "log.csv")
    read_times = pd.to_datetime(read_back["ts"])
    reference = read_back.loc[read_times < "2026-01-08", "review"].dropna()
    current = read_back.loc[read_times >= "2026-01-08", "review"].dropna()
    stattest = stattests.get_stattest(reference, current, ColumnType.Text, None)
    theirs = stattest(reference, current, ColumnType.Text, None)
    assert column["kind"] == "text"
    assert column["method"] == stattest.name == "abs_text_content_drift"  # > 1,000 reference texts
    assert column["threshold"] == theirs.actual_threshold
    assert math.isclose(column["score"], theirs.drift_score, rel_tol=1e-9)
    assert column["drifted"] is bool(theirs.drifted) is True
