"""Counting and binning helpers shared by the drift methods, following Evidently 0.7.

Columns reach this module already cleaned (see ``monitor.stats.prepare``):

- a numerical column is a float64 array of finite values, in no particular order;
- a categorical column is an int64 array of category codes, numbered in the
  ascending order of the original values (so code order is value order).

Nothing here sorts a whole column unless it must: ``np.unique`` would sort a
million values to find the four a column takes, so per-value counts start from the
distinct values of a leading slice and count each with one vectorised comparison,
falling back to ``np.unique`` only when the slice missed a value. Histograms use
``np.histogram``'s equal-width fast path (one linear pass).
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
# up to this many distinct values, counting by comparison passes beats sorting
_FEW_VALUES = 32


def is_categorical(values: npt.NDArray[np.generic]) -> bool:
    """Category codes are integers; numerical values are floats."""
    return bool(np.issubdtype(values.dtype, np.integer))


def value_counts(sample: npt.NDArray[np.generic]) -> tuple[npt.NDArray[np.generic], IntArray]:
    """The distinct values of ``sample`` in ascending order and how often each occurs.

    Exact, like ``np.unique(sample, return_counts=True)``, but linear when the values are
    few (see ``few_value_counts``); only otherwise is the whole sample sorted.
    """
    if is_categorical(sample) and sample.size:
        code_counts = np.bincount(sample.astype(np.int64))  # codes are small non-negative integers
        codes = np.flatnonzero(code_counts)
        return codes, code_counts[codes].astype(np.int64)
    few = few_value_counts(sample)
    if few is not None:
        return few
    values, all_counts = np.unique(sample, return_counts=True)
    return values, all_counts.astype(np.int64)


def few_value_counts(sample: npt.NDArray[np.generic]) -> tuple[npt.NDArray[np.generic], IntArray] | None:
    """``value_counts`` of a sample taking at most a few distinct values, else None.

    The distinct values of a leading slice are counted one comparison pass each; when
    those passes account for every row, no other value exists.
    """
    candidates = np.unique(sample[:_DISTINCT_PREFIX])
    if candidates.size > _FEW_VALUES:
        return None
    counts = np.fromiter(
        (np.count_nonzero(sample == value) for value in candidates), dtype=np.int64, count=candidates.size
    )
    return (candidates, counts) if int(counts.sum()) == sample.size else None


def distinct_count(*samples: npt.NDArray[np.generic], cap: int) -> int:
    """Distinct values over all ``samples``, exact up to ``cap``; ``cap + 1`` means "more than cap".

    The leading values of each sample are looked at first: their distinct count is a lower
    bound, so a continuous column is settled without a pass over all of it.
    """
    prefix = np.concatenate([sample[:_DISTINCT_PREFIX] for sample in samples])
    if np.unique(prefix).size > cap:
        return cap + 1
    if all(sample.size <= _DISTINCT_PREFIX for sample in samples):
        return min(int(np.unique(prefix).size), cap + 1)
    distinct = np.unique(np.concatenate([value_counts(sample)[0] for sample in samples]))
    return min(int(distinct.size), cap + 1)


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
        present = (reference_counts + current_counts) > 0
        return reference_counts[present].astype(np.int64), current_counts[present].astype(np.int64)
    reference_values, reference_runs = value_counts(reference)
    current_values, current_runs = value_counts(current)
    values = np.union1d(reference_values, current_values)
    reference_counts = np.zeros(values.size, dtype=np.int64)
    current_counts = np.zeros(values.size, dtype=np.int64)
    reference_counts[np.searchsorted(values, reference_values)] = reference_runs
    current_counts[np.searchsorted(values, current_values)] = current_runs
    return reference_counts, current_counts


def sturges_edges(reference: FloatArray, current: FloatArray) -> FloatArray:
    """``np.histogram_bin_edges`` of both samples together with Sturges' rule, as Evidently bins."""
    edges: FloatArray = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
    return edges


def histogram_counts(
    reference: FloatArray, current: FloatArray, edges: FloatArray
) -> tuple[IntArray, IntArray]:
    """Counts per bin of equal-width ``edges`` (from ``np.histogram_bin_edges``).

    Passing the bin count and range instead of the edges takes numpy's equal-width fast
    path, which assigns values to exactly the same bins as the explicit edges (numpy
    corrects its computed bin against the edges), in one pass rather than a sort.
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
        reference_floats = reference.astype(np.float64, copy=False)
        current_floats = current.astype(np.float64, copy=False)
        edges = sturges_edges(reference_floats, current_floats)
        reference_counts, current_counts = histogram_counts(reference_floats, current_floats, edges)
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
