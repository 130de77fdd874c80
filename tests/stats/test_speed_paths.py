"""The fast paths of the statistics give the same numbers as the straightforward ones:
threads against one thread, our linear Wasserstein against scipy's, the comparison-pass
value counts against ``np.unique``, and the numpy Jensen-Shannon against scipy's."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from monitor.config.models import ColumnDriftConfig, DriftConfig
from monitor.stats import dataset_drift
from monitor.stats.binning import category_counts, distinct_count, histogram_counts, value_counts
from monitor.stats.methods import jensen_shannon_distance
from monitor.stats.wasserstein import bucketed_area, sorted_wasserstein, wasserstein_distance


def _frame(rows: int, rng: np.random.Generator, shift: float) -> pd.DataFrame:
    columns: dict[str, object] = {f"normal_{i}": rng.normal(shift * i, 1.0, rows) for i in range(6)}
    columns["money"] = rng.gamma(2.0, 20.0 + shift, rows).round(2)
    columns["few"] = rng.choice([0.0, 1.0, 2.5], rows)
    columns["gappy"] = pd.Series(rng.lognormal(shift, 1.0, rows)).where(rng.random(rows) > 0.1)
    columns["city"] = rng.choice(["Lyon", "Oslo", "Pune", "Lima"], rows)
    return pd.DataFrame(columns)


def test_threads_give_the_same_result_as_one_thread() -> None:
    rng = np.random.default_rng(3)
    reference, current = _frame(40_000, rng, 0.0), _frame(30_000, rng, 0.05)
    numerical = [name for name in reference.columns if name != "city"]
    config = DriftConfig(
        columns={"money": ColumnDriftConfig(method="psi"), "few": ColumnDriftConfig(method="ks")}
    )
    serial = dataset_drift(reference, current, numerical, ["city"], config, threads=1)
    for threads in (2, 4, None):
        assert dataset_drift(reference, current, numerical, ["city"], config, threads=threads) == serial
    assert any(column.drifted for column in serial.columns)
    assert not all(column.drifted for column in serial.columns)


def test_progress_is_reported_once_per_column_from_the_workers() -> None:
    rng = np.random.default_rng(4)
    reference, current = _frame(30_000, rng, 0.0), _frame(30_000, rng, 0.1)
    numerical = [name for name in reference.columns if name != "city"]
    seen: list[tuple[int, int]] = []
    dataset_drift(
        reference, current, numerical, ["city"], DriftConfig(), threads=2, progress=lambda *p: seen.append(p)
    )
    total = len(numerical) + 1
    assert sorted(seen) == [(done, total) for done in range(1, total + 1)]


def _wasserstein_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(5)
    return [
        ("same shape", rng.normal(size=30_000), rng.normal(size=20_001)),
        ("equal sizes", rng.normal(size=5_000), rng.normal(0.2, size=5_000)),
        ("several blocks", rng.normal(size=150_000), rng.normal(0.01, size=70_001)),
        ("heavy tail", rng.lognormal(0, 2, 7_000), rng.lognormal(0, 2, 9_000)),
        ("ties", rng.integers(0, 40, 12_000).astype(float), rng.integers(0, 41, 7_000).astype(float)),
        ("few values: counted", rng.poisson(3.0, 9_000).astype(float), rng.poisson(3.4, 7_000).astype(float)),
        (
            "few values, a late newcomer",
            np.append(np.zeros(5_000), 3.0),
            rng.integers(0, 3, 6_000).astype(float),
        ),
        ("outlier", np.append(rng.normal(size=999), 1e12), rng.normal(size=3_000)),
        ("large offset", 1e9 + rng.normal(size=4_000), 1e9 + rng.normal(0.001, size=6_000)),
        ("disjoint", rng.normal(size=300), rng.normal(100, size=700)),
        ("buckets: no drift", rng.normal(size=40_000), rng.normal(size=39_000)),
        ("buckets: drift", rng.beta(2, 5, 40_000), rng.beta(2, 4.6, 30_001)),
        ("buckets: disjoint", rng.normal(size=20_000), rng.normal(50, size=20_000)),
        ("buckets: large offset", 1e9 + rng.normal(size=30_000), 1e9 + rng.normal(0.01, size=25_000)),
        ("buckets: tiny scale", rng.normal(size=30_000) * 1e-300, rng.normal(size=25_000) * 1e-300),
        ("heavy tail: sorted", rng.lognormal(0, 2, 40_000), rng.lognormal(0, 2, 30_000)),
        ("heavy ties: sorted", rng.gamma(2, 20, 40_000).round(0), rng.gamma(2, 21, 30_000).round(0)),
        ("one value each", np.array([1.0]), np.array([3.5])),
        ("one against many", np.array([0.25]), rng.random(1_000)),
        ("constant", np.full(100, 7.0), np.full(300, 7.0)),
    ]


@pytest.mark.parametrize(
    ("reference", "current"), [c[1:] for c in _wasserstein_cases()], ids=[c[0] for c in _wasserstein_cases()]
)
def test_wasserstein_matches_scipy(reference: np.ndarray, current: np.ndarray) -> None:
    before = reference.copy(), current.copy()
    expected = stats.wasserstein_distance(reference, current)
    ours = wasserstein_distance(reference, current)
    assert math.isclose(ours, expected, rel_tol=1e-12, abs_tol=1e-300), (ours, expected)
    assert wasserstein_distance(current, reference) == pytest.approx(ours, rel=1e-12)
    # the samples are sorted in copies, never in place
    np.testing.assert_array_equal(reference, before[0])
    np.testing.assert_array_equal(current, before[1])


def test_bucketed_area_is_exact_even_where_sorting_would_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crossing-bucket logic on the inputs the heuristics steer away from, with the
    give-up threshold lifted so that most values go through it."""
    monkeypatch.setattr("monitor.stats.wasserstein.MAX_CROSSING_SHARE", 1.0)
    rng = np.random.default_rng(12)
    cases = [
        (rng.lognormal(0, 2, 30_000), rng.lognormal(0.1, 2, 20_000)),
        (np.append(rng.normal(size=20_000), 1e6), rng.normal(size=25_000)),
        (rng.integers(0, 200, 30_000).astype(float), rng.integers(0, 210, 20_000).astype(float)),
        (rng.normal(size=50_000), rng.normal(size=50_000)),
    ]
    for reference, current in cases:
        low = float(min(reference.min(), current.min()))
        high = float(max(reference.max(), current.max()))
        area = bucketed_area(reference, current, low, high)
        assert area is not None
        expected = sorted_wasserstein(reference, current)
        assert math.isclose(area / (reference.size * current.size), expected, rel_tol=1e-11), expected


@pytest.mark.parametrize(
    "sample",
    [
        np.array([2.0, 1.0, 2.0, 0.0, -0.0, 2.0] * 1_000),  # few values, -0.0 and 0.0 equal
        np.concatenate([np.zeros(5_000), np.arange(3.0, 50.0)]),  # a value missing from the leading slice
        np.random.default_rng(6).normal(size=10_000),  # many values: the np.unique path
        np.random.default_rng(7).integers(0, 9, 10_000),  # category codes
        np.zeros(0),
    ],
)
def test_value_counts_match_np_unique(sample: np.ndarray) -> None:
    values, counts = value_counts(sample)
    expected_values, expected_counts = np.unique(sample, return_counts=True)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(counts, expected_counts)
    assert distinct_count(sample, cap=5) == min(expected_values.size, 6)


def test_category_counts_cover_both_samples_in_value_order() -> None:
    reference = np.tile([3.0, 1.0, 1.0], 3_000)
    current = np.tile([1.0, 7.0], 3_000)
    values = np.unique(np.concatenate([reference, current]))
    reference_counts, current_counts = category_counts(reference, current)
    np.testing.assert_array_equal(reference_counts, [np.sum(reference == v) for v in values])
    np.testing.assert_array_equal(current_counts, [np.sum(current == v) for v in values])


def test_histogram_counts_match_numpy_with_explicit_edges() -> None:
    rng = np.random.default_rng(8)
    reference, current = rng.gamma(2.0, 3.0, 20_000).round(1), rng.gamma(2.1, 3.0, 15_000).round(1)
    edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
    reference_counts, current_counts = histogram_counts(reference, current, edges)
    np.testing.assert_array_equal(reference_counts, np.histogram(reference, edges)[0])  # Evidently's call
    np.testing.assert_array_equal(current_counts, np.histogram(current, edges)[0])


@pytest.mark.parametrize(
    ("p", "q"),
    [
        ([0.2, 0.3, 0.5], [0.1, 0.6, 0.3]),
        ([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]),
        ([1.0, 0.0], [1.0, 0.0]),
        ([3, 1], [1, 3]),
    ],
)
def test_jensen_shannon_matches_scipy(p: list[float], q: list[float]) -> None:
    ours = jensen_shannon_distance(np.asarray(p, dtype=float), np.asarray(q, dtype=float))
    expected = float(distance.jensenshannon(p, q))
    assert math.isclose(ours, expected, rel_tol=1e-12, abs_tol=1e-15), (ours, expected)
