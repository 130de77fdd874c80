"""The estimation step on its own: the fit is reused through the cache, missing labels are no error."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from monitor.config.loader import parse_config
from monitor.records.windows import Interval
from monitor.stats.estimation import estimate_performance
from monitor.stats.estimation.dle import is_categorical

CONFIG = """
monitors:
  m:
    source: {url: "sqlite:///x.db", table: t, timestamp: ts}
    features: {numerical: [amount]}
    prediction: {column: pred, score: score}
    target: {column: label}
    reference: {start: "2026-01-01", end: "2026-02-01"}
    window: 7d
    estimation: {method: cbpe, metrics: [roc_auc, accuracy]}
"""
WINDOW = Interval(datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 2, 1, tzinfo=timezone.utc))


class DictCache:
    """The store's cache interface over a dict (the real stores are tested in tests/store)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], bytes] = {}

    def load_cached(self, monitor: str, kind: str, key: str) -> bytes | None:
        return self.entries.get((monitor, kind, key))

    def save_cached(self, monitor: str, kind: str, key: str, payload: bytes) -> None:
        self.entries[(monitor, kind, key)] = payload


def frame(rows: int, seed: int, labelled: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.beta(0.8, 0.8, rows)
    label = (rng.uniform(size=rows) < score).astype(float)
    return pd.DataFrame(
        {
            "score": score,
            "pred": (score >= 0.5).astype(int),
            "label": label if labelled else np.nan,
            "amount": rng.normal(size=rows),
        }
    )


def test_the_second_run_reads_the_fit_and_estimates_the_same() -> None:
    monitor = parse_config(CONFIG).monitors["m"]
    cache = DictCache()
    reference, current = frame(3000, 1), frame(800, 2, labelled=False)
    first = estimate_performance("m", monitor, WINDOW, reference, current, ["amount"], {}, cache)
    second = estimate_performance("m", monitor, WINDOW, reference, current, ["amount"], {}, cache)
    assert first is not None and second is not None
    assert (first.cached, second.cached) == (False, True)
    assert [(m.metric, m.estimate, m.lower, m.upper) for m in first.metrics] == [
        (m.metric, m.estimate, m.lower, m.upper) for m in second.metrics
    ]
    assert len(cache.entries) == 1
    # other reference rows are another fit
    estimate_performance("m", monitor, WINDOW, frame(3000, 3), current, ["amount"], {}, cache)
    assert len(cache.entries) == 2


def test_a_reference_without_labels_yet_estimates_nothing_and_fails_nothing() -> None:
    monitor = parse_config(CONFIG).monitors["m"]
    estimated = estimate_performance(
        "m", monitor, WINDOW, frame(500, 1, labelled=False), frame(100, 2), ["amount"], {}, None
    )
    assert estimated is not None
    assert [m.estimate for m in estimated.metrics] == [None, None]


def test_text_columns_are_categorical_whatever_their_backend() -> None:
    assert is_categorical(pd.Series(["a", "b"], dtype="object"))
    assert is_categorical(pd.Series(["a", "b"], dtype="string[pyarrow]"))
    assert is_categorical(pd.Series([True, False]))
    assert not is_categorical(pd.Series([1.0, 2.0]))


def test_a_reference_cbpe_cannot_fit_on_is_a_warning_not_a_crash() -> None:
    monitor = parse_config(CONFIG).monitors["m"]
    reference = frame(500, 1)
    reference["label"] = 0.0
    reference.loc[0, "label"] = 1.0  # one positive: no stratified split can hold it out
    estimated = estimate_performance("m", monitor, WINDOW, reference, frame(100, 2), ["amount"], {}, None)
    assert estimated is not None
    assert [m.estimate for m in estimated.metrics] == [None, None]
