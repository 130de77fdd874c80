"""The incident statistics against plain pandas written the obvious (slow) way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitor.config.models import DriftConfig
from monitor.stats.drift import dataset_drift
from monitor.stats.incidents import duplicates, new_categories, out_of_range, type_changes, value_type


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame(
        {
            "city": rng.choice(["a", "b", "c", None], 5000),
            "code": rng.integers(0, 8, 5000),
            "amount": rng.normal(100, 20, 5000),
        }
    )
    current = pd.DataFrame(
        {
            "city": rng.choice(["a", "b", "z", "y", None], 3000, p=[0.4, 0.3, 0.1, 0.05, 0.15]),
            "code": rng.integers(0, 10, 3000),
            "amount": np.where(rng.random(3000) < 0.1, np.nan, rng.normal(110, 25, 3000)),
            "id": rng.integers(0, 2500, 3000),
        }
    )
    current.loc[7, "amount"] = np.inf
    return reference, current


def test_new_category_share_counts_rows_whose_value_the_reference_never_had(frames) -> None:  # noqa: ANN001
    reference, current = frames
    shares = new_categories(reference, current, ["city", "code"])
    for column in ("city", "code"):
        known = set(reference[column].dropna())
        new = [value for value in current[column] if value is not None and value not in known]
        assert shares[column].share == pytest.approx(len(new) / len(current), abs=0)
        assert shares[column].examples[0] == str(pd.Series(new).value_counts().index[0])


def test_out_of_range_uses_the_reference_extremes_or_bounds(frames) -> None:  # noqa: ANN001
    reference, current = frames
    low, high = reference["amount"].min(), reference["amount"].max()
    outside = [v for v in current["amount"] if not np.isnan(v) and (v < low or v > high)]
    assert out_of_range(reference, current, ["amount"], {})["amount"].share == len(outside) / len(current)
    bounded = [v for v in current["amount"] if not np.isnan(v) and (v < 90 or v > 120)]
    shares = out_of_range(reference, current, ["amount"], {"amount": (90.0, 120.0)})
    assert shares["amount"].share == len(bounded) / len(current)


def test_duplicate_share_counts_repeats_after_the_first(frames) -> None:  # noqa: ANN001
    _, current = frames
    seen: set[int] = set()
    repeats = 0
    for value in current["id"]:
        repeats += value in seen
        seen.add(value)
    assert duplicates(current, ["id"]).share == repeats / len(current)
    pairs = {(a, b) for a, b in zip(current["id"], current["code"], strict=True)}
    assert duplicates(current, ["id", "code"]).share == (len(current) - len(pairs)) / len(current)


def test_value_types_and_changes() -> None:
    numbers = pd.Series([1.5, 2.0, None])
    text = pd.Series(["1.50 EUR", None, "2 EUR"], dtype=object)
    mixed = pd.Series([1.5, "n/a", 2.0], dtype=object)
    assert [value_type(s) for s in (numbers, text, mixed)] == ["number", "text", "text"]
    assert value_type(pd.Series([None, None], dtype=object)) is None
    changes = type_changes(
        pd.DataFrame({"x": numbers, "y": text}), pd.DataFrame({"x": mixed, "y": text}), ["x", "y"]
    )
    assert [(c.column, c.reference_type, c.current_type) for c in changes] == [("x", "number", "text")]


def test_drift_computes_new_categories_from_its_own_codes_without_changing_scores(frames) -> None:  # noqa: ANN001
    reference, current = frames
    config = DriftConfig()
    alone = dataset_drift(reference, current, ["amount"], ["city", "code"], config)
    both = dataset_drift(reference, current, ["amount"], ["city", "code"], config, new_categories=True)
    assert both.columns == alone.columns and alone.new_categories is None
    assert both.new_categories == new_categories(reference, current, ["city", "code"])
