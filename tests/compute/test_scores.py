"""The local halves of pushdown, against their oracles: numpy's Sturges edges from (n, min, max)
and scipy's ks_2samp p-value from (D, n, m)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from monitor.compute.scores import ks_pvalue, sturges_edges


@pytest.mark.parametrize("seed", range(12))
def test_sturges_edges_equal_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 200_000))
    values = rng.normal(rng.normal() * 1e6, rng.uniform(1e-6, 1e3), size)
    if seed % 4 == 0:
        values = np.round(values, 1)
    expected = np.histogram_bin_edges(values, bins="sturges")
    np.testing.assert_array_equal(sturges_edges(size, float(values.min()), float(values.max())), expected)


def test_sturges_edges_of_a_constant() -> None:
    values = np.full(37, 4.5)
    np.testing.assert_array_equal(sturges_edges(37, 4.5, 4.5), np.histogram_bin_edges(values, bins="sturges"))


@pytest.mark.parametrize(
    ("n", "m"), [(5, 7), (40, 40), (300, 1200), (9000, 10000), (10001, 5000), (60000, 80000)]
)
def test_ks_pvalue_equals_scipy(n: int, m: int) -> None:
    rng = np.random.default_rng(n + m)
    reference = np.round(rng.normal(size=n), 1)  # ties
    current = np.round(rng.normal(0.05, 1.0, size=m), 1)
    expected = stats.ks_2samp(reference, current)
    union = np.union1d(reference, current)
    below_reference = np.searchsorted(np.sort(reference), union, side="right")
    below_current = np.searchsorted(np.sort(current), union, side="right")
    largest_gap = int(np.max(np.abs(below_reference * m - below_current * n)))
    assert largest_gap / (n * m) == pytest.approx(expected.statistic, rel=1e-12)
    assert ks_pvalue(largest_gap, n, m) == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
