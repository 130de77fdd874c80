"""Counting and binning helpers shared by the drift methods, following Evidently 0.7.

Columns reach this module already cleaned (see ``monitor.stats.prepare``):

- a numerical column is a float64 array of finite values;
- a categorical column is an int64 array of category codes, numbered in the
  ascending order of the original values (so code order is value order).

Everything here works on whole arrays: sorting, ``np.unique``, ``np.bincount``
and ``np.histogram`` with equal-width bins (numpy's fast path).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Evidently bins a numerical column into Sturges histograms (for PSI, KL, JS)
# only when its reference holds more than this many distinct values.
HISTOGRAM_MIN_DISTINCT = 20
# how many leading values to look at before counting a whole column's distinct values
_DISTINCT_PREFIX = 4096


def is_categorical(values: npt.NDArray[np.generic]) -> bool:
    """Category codes are integers; numerical values are floats."""
    return bool(np.issubdtype(values.dtype, np.integer))


def distinct_count(*samples: npt.NDArray[np.generic], cap: int) -> int:
    """Distinct values over all ``samples``, exact up to ``cap``; ``cap + 1`` means "more than cap".

    The leading values of each sample are looked at first: their distinct count is a lower
    bound, so a continuous column is settled without sorting all of it.
    """
    prefix = np.concatenate([sample[:_DISTINCT_PREFIX] for sample in samples])
    if np.unique(prefix).size > cap:
        return cap + 1
    if all(sample.size <= _DISTINCT_PREFIX for sample in samples):
        return min(int(np.unique(prefix).size), cap + 1)
    combined = np.concatenate(samples)
    if is_categorical(combined) and combined.size:
        return min(int(np.count_nonzero(np.bincount(combined))), cap + 1)
    return min(int(np.unique(combined).size), cap + 1)


def category_counts(
    reference: npt.NDArray[np.generic], current: npt.NDArray[np.generic]
) -> tuple[IntArray, IntArray]:
    """Counts of every value present in either sample, in ascending value order.

    Evidently's keys are the union of the non-missing values of both samples; a value
    absent from one sample counts 0 there.
    """
    if is_categorical(reference) and is_categorical(current):
        size = int(max(reference.max(initial=-1), current.max(initial=-1))) + 1
        reference_counts = np.bincount(reference.astype(np.int64), minlength=size)
        current_counts = np.bincount(current.astype(np.int64), minlength=size)
    else:
        values, inverse = np.unique(np.concatenate([reference, current]), return_inverse=True)
        reference_counts = np.bincount(inverse[: reference.size], minlength=values.size)
        current_counts = np.bincount(inverse[reference.size :], minlength=values.size)
    present = (reference_counts + current_counts) > 0
    return reference_counts[present].astype(np.int64), current_counts[present].astype(np.int64)


def histogram_counts(
    reference: FloatArray, current: FloatArray, edges: FloatArray
) -> tuple[IntArray, IntArray]:
    """Counts per bin of equal-width ``edges`` (from ``np.histogram_bin_edges``).

    Passing the bin count and range instead of the edges takes numpy's equal-width fast
    path, which assigns values to exactly the same bins as the explicit edges.
    """
    bins = edges.size - 1
    value_range = (float(edges[0]), float(edges[-1]))
    reference_counts = np.histogram(reference, bins=bins, range=value_range)[0]
    current_counts = np.histogram(current, bins=bins, range=value_range)[0]
    return reference_counts.astype(np.int64), current_counts.astype(np.int64)


def binned_shares(
    reference: npt.NDArray[np.generic], current: npt.NDArray[np.generic], fill_zeroes: bool
) -> tuple[FloatArray, FloatArray]:
    """Evidently's ``get_binned_data``: the share of each sample per bin or per value.

    Numerical columns whose reference has more than 20 distinct values are cut into
    Sturges bins computed over both samples; everything else is counted per value. With
    ``fill_zeroes`` (PSI, KL) empty bins get a small share so logarithms stay finite.
    """
    if not is_categorical(reference) and distinct_count(reference, cap=HISTOGRAM_MIN_DISTINCT) > (
        HISTOGRAM_MIN_DISTINCT
    ):
        edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
        reference_counts, current_counts = histogram_counts(
            reference.astype(np.float64), current.astype(np.float64), edges
        )
    else:
        reference_counts, current_counts = category_counts(reference, current)
    reference_shares = reference_counts / reference.size
    current_shares = current_counts / current.size
    if fill_zeroes:
        reference_shares = _fill_zeroes(reference_shares)
        current_shares = _fill_zeroes(current_shares)
    return reference_shares, current_shares


def _fill_zeroes(shares: FloatArray) -> FloatArray:
    """Replace empty bins by a millionth of the smallest share (or 0.0001), as Evidently does."""
    smallest = float(shares[shares != 0].min())
    filled = shares.copy()
    filled[filled == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return filled
