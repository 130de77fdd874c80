"""Drift scores from the exact aggregates an engine returns, computed the way ``monitor.stats`` does.

An engine never sends rows back: only counts, extremes, sums and the two numbers the
empirical CDFs give (the largest gap and the area between them). From those, every
method of ``monitor.stats.methods`` follows with the same formulas in the same order,
so a pushed-down score equals the local one to rounding (docs/reference.md, "Where the
statistics are computed").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from monitor.stats.binning import _fill_zeroes
from monitor.stats.methods import WASSERSTEIN_MIN_NORM, jensen_shannon_distance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# scipy's ks_2samp is exact up to this many values per sample (its MAX_AUTO_N), asymptotic above
KS_EXACT_MAX_N = 10000


@dataclass(frozen=True)
class CdfGap:
    """What the two empirical CDFs of a column over the union of its finite values give.

    ``largest_gap``: max |k*m - l*n| over the values (k, l: reference and current counts
    at or below the value; n, m: the sample sizes), an integer so that the KS statistic
    is exact; ``area``: the sum of |k*m - l*n| * (next value - value), n*m times W1.
    """

    largest_gap: int
    area: float
    distinct: int


def ks_pvalue(largest_gap: int, n: int, m: int) -> float:
    """scipy's ``ks_2samp(...).pvalue`` (two-sided, method "auto") from D, n and m alone."""
    from scipy.stats import _stats_py, distributions

    d = largest_gap / (n * m)
    if max(n, m) <= KS_EXACT_MAX_N:
        g = math.gcd(n, m)
        success, _, exact = _stats_py._attempt_exact_2kssamp(n, m, g, d, "two-sided")
        if success:
            return float(np.clip(exact, 0, 1))
    larger, smaller = sorted([float(n), float(m)], reverse=True)
    effective = larger * smaller / (larger + smaller)
    return float(np.clip(distributions.kstwo.sf(d, np.round(effective)), 0, 1))


def wasserstein_score(gap: CdfGap, n: int, m: int, reference_std: float) -> float:
    """W1 / max(std(reference), 0.001), as ``WassersteinNormed``."""
    norm = max(reference_std, WASSERSTEIN_MIN_NORM)
    return gap.area / (float(n) * float(m)) / norm


def sturges_edges(size: int, low: float, high: float) -> FloatArray:
    """``np.histogram_bin_edges(values, bins="sturges")`` from the values' count, min and max."""
    first, last = low, high
    if first == last:
        first, last = first - 0.5, last + 0.5
    width = (high - low) / (np.log2(size) + 1.0)
    bins = int(np.ceil((last - first) / width)) if width else 1
    edges: FloatArray = np.linspace(first, last, bins + 1, endpoint=True, dtype=np.float64)
    return edges


def shares(
    reference_counts: IntArray, current_counts: IntArray, n: int, m: int, fill_zeroes: bool
) -> tuple[FloatArray, FloatArray]:
    """``binned_shares`` from per-bin (or per-value) counts."""
    reference_shares = reference_counts / n
    current_shares = current_counts / m
    if fill_zeroes:
        reference_shares = _fill_zeroes(reference_shares)
        current_shares = _fill_zeroes(current_shares)
    return reference_shares, current_shares


def counted_score(method: str, reference_counts: IntArray, current_counts: IntArray, n: int, m: int) -> float:
    """psi, jensenshannon, kl_div, chisquare, z or (categorical) hellinger from aligned counts.

    The counts are per bin, or per value in ascending value order over the union of both
    samples' values (a value absent from one counts 0 there).
    """
    if method == "psi":
        p, q = shares(reference_counts, current_counts, n, m, fill_zeroes=True)
        return float(np.sum((p - q) * np.log(p / q)))
    if method == "jensenshannon":
        p, q = shares(reference_counts, current_counts, n, m, fill_zeroes=False)
        return jensen_shannon_distance(p, q)
    if method == "kl_div":
        from scipy import stats

        p, q = shares(reference_counts, current_counts, n, m, fill_zeroes=True)
        return float(stats.entropy(p, q))
    if method == "chisquare":
        return _chisquare(reference_counts, current_counts, n, m)
    if method == "z":
        return _z_test(reference_counts, current_counts, n, m)
    if method == "hellinger":
        overlap = float(np.sum(np.sqrt((reference_counts / n) * (current_counts / m))))
        return math.sqrt(1 - min(max(overlap, 0.0), 1.0))
    raise ValueError(f"no counted form for method {method!r}")


def _chisquare(reference_counts: IntArray, current_counts: IntArray, n: int, m: int) -> float:
    from scipy import stats

    expected = reference_counts * (m / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(stats.chisquare(current_counts.astype(np.float64), expected).pvalue)


def _z_test(reference_counts: IntArray, current_counts: IntArray, n: int, m: int) -> float:
    reference_present = np.flatnonzero(reference_counts)
    current_present = np.flatnonzero(current_counts)
    if (
        reference_present.size == 1
        and current_present.size == 1
        and reference_present[0] == current_present[0]
    ):
        return 1.0
    reference_share = float(n - reference_counts[0]) / n
    current_share = float(m - current_counts[0]) / m
    pooled = (reference_share * n + current_share * m) / (n + m)
    z = (reference_share - current_share) / math.sqrt(pooled * (1 - pooled) * (1.0 / n + 1.0 / m))
    from scipy import stats

    return float(2 * (1 - stats.norm.cdf(abs(z))))


def hellinger_from_histogram(
    reference_counts: IntArray, current_counts: IntArray, edges: FloatArray
) -> float:
    """``Hellinger`` of a numerical column from its density histograms (``_histogram_overlap``)."""
    widths = np.diff(edges)
    reference_density = reference_counts / widths / reference_counts.sum()
    current_density = current_counts / widths / current_counts.sum()
    bin_width = (edges.max() - edges.min()) / (edges.size - 1)
    overlap = float(np.sum(np.sqrt(reference_density * current_density)) * bin_width)
    return math.sqrt(1 - min(max(overlap, 0.0), 1.0))


def ascending(values: Sequence[Any]) -> list[Any]:
    """``values`` in ascending order as ``monitor.stats.prepare`` orders categories: naturally, or
    by type name then text when they do not compare."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=lambda value: (type(value).__name__, str(value)))


def aligned_counts(
    reference: Sequence[tuple[object, int]], current: Sequence[tuple[object, int]]
) -> tuple[IntArray, IntArray]:
    """Per-value counts of both windows over the union of their values, in ascending value order.

    Values order as ``monitor.stats.prepare`` orders categories: naturally, or by type name
    then text when they do not compare.
    """
    ordered = ascending(
        list(dict.fromkeys([value for value, _ in reference] + [value for value, _ in current]))
    )
    position = {value: index for index, value in enumerate(ordered)}
    reference_counts = np.zeros(len(ordered), dtype=np.int64)
    current_counts = np.zeros(len(ordered), dtype=np.int64)
    for value, count in reference:
        reference_counts[position[value]] += count
    for value, count in current:
        current_counts[position[value]] += count
    return reference_counts, current_counts
