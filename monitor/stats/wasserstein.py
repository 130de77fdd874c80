"""The first Wasserstein distance of two samples, exactly, mostly without sorting them.

W1 is the area between the two empirical CDFs, the integral of |F_ref(x) - F_cur(x)| dx.
scipy (what Evidently calls) sorts both samples, sorts their concatenation again and
binary-searches every value. Here, by what the samples look like:

- a few distinct values (counts, ratings): the area is a sum over the values, from
  per-value counts found in a few linear passes, no sort;
- spread-out values (most features): the value range is cut into many equal-width
  buckets, each sample is counted and summed per bucket in one linear pass, and where
  one CDF stays above the other across a whole bucket the area there follows from those
  counts and sums alone (the integral of a CDF over an interval is its count times the
  width minus the values' offsets). Only the buckets where the CDFs may cross are sorted;
- heavy tails, outliers or heavy ties (most values crowded in a few buckets): both
  samples are sorted whole and the quantile functions integrated in linear time.

All three compute the same area, summed in different orders: they agree with scipy to
about 1e-12 relative. Bucket bounds are explicit edges and every value is checked
against its edges, as ``np.histogram`` does, so rounding cannot misplace a value.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from monitor.stats.binning import few_value_counts

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# below this many values in all, sorting is as fast and simpler
BUCKETED_MIN_VALUES = 20_000
# fewer values per bucket leave fewer to sort near crossings, at the cost of longer per-bucket arrays
VALUES_PER_BUCKET = 16
# past this share of values in crossing buckets, sorting both samples whole is cheaper
MAX_CROSSING_SHARE = 0.2
# a leading slice of the sample decides whether buckets will do: its middle 90% must span
# this share of the whole range (not a heavy tail), and most of its values must be distinct
_SLICE = 4096
_MIN_SPREAD = 0.02
_MIN_DISTINCT_SHARE = 0.5
# the sorted path's per-interval arrays are made this many steps at a time
_BLOCK = 1 << 16


def wasserstein_distance(reference: FloatArray, current: FloatArray) -> float:
    """W1 between two non-empty samples of finite float64 values (any order, left unchanged)."""
    n, m = reference.size, current.size
    reference_few = few_value_counts(reference)
    current_few = few_value_counts(current) if reference_few is not None else None
    if reference_few is not None and current_few is not None:
        return _counted_wasserstein(reference_few, current_few, n, m)
    if n + m < BUCKETED_MIN_VALUES:
        return sorted_wasserstein(reference, current)
    low = float(min(reference.min(), current.min()))
    high = float(max(reference.max(), current.max()))
    if low == high:
        return 0.0
    if not _spread_out(reference[:_SLICE], low, high):
        return sorted_wasserstein(reference, current)
    area = bucketed_area(reference, current, low, high)
    if area is None:
        return sorted_wasserstein(reference, current)
    return area / (float(n) * float(m))


def _spread_out(leading: FloatArray, low: float, high: float) -> bool:
    """Whether equal-width buckets will spread the values (judged on a leading slice)."""
    middle_low, middle_high = np.quantile(leading, [0.05, 0.95])
    distinct = np.unique(leading).size
    return bool(middle_high - middle_low >= _MIN_SPREAD * (high - low)) and distinct >= (
        _MIN_DISTINCT_SHARE * leading.size
    )


def bucketed_area(reference: FloatArray, current: FloatArray, low: float, high: float) -> float | None:
    """n*m times W1 by buckets, or None when sorting would be as cheap (or the range is odd)."""
    buckets = max(1, (reference.size + current.size) // VALUES_PER_BUCKET)
    scale = buckets / (high - low)
    if not np.isfinite(high - low) or not np.isfinite(scale) or scale <= 0:
        return None
    edges = np.linspace(low, high, buckets + 1)
    reference_buckets = _bucket_of(reference, edges, low, scale)
    current_buckets = _bucket_of(current, edges, low, scale)
    if reference_buckets is None or current_buckets is None:
        return None
    return _bucketed_area(reference, current, reference_buckets, current_buckets, edges)


def sorted_wasserstein(reference: FloatArray, current: FloatArray) -> float:
    """W1 by sorting both samples: the area between their two quantile functions.

    These are step functions of u in [0, 1] with steps at k/n (reference) and l/m
    (current). Scaled by n*m every step is an integer, so the steps merge exactly, and
    each interval between two steps contributes its width times |a[i] - b[j]|.
    """
    n, m = reference.size, current.size
    reference, current = np.sort(reference), np.sort(current)  # numpy sorts without the GIL
    if n == m:
        return float(np.sum(np.abs(reference - current))) / n
    # Block by block along u, so temporaries stay small (a fresh n + m sized array per
    # temporary costs more in page faults than the arithmetic); each block spans the
    # reference steps k0..k1 and the current steps strictly between them.
    total = 0.0
    for k0 in range(0, n, _BLOCK):
        k1 = min(k0 + _BLOCK, n)
        reference_steps = np.arange(k0, k1 + 1, dtype=np.int64) * m
        current_steps = np.arange(k0 * m // n + 1, -(-k1 * m // n), dtype=np.int64) * n
        # two sorted runs: the stable sort merges them in linear time
        steps = np.sort(np.concatenate((reference_steps, current_steps)), kind="stable")
        lower = steps[:-1]
        gaps = np.abs(reference[np.minimum(lower // m, n - 1)] - current[np.minimum(lower // n, m - 1)])
        total += float(np.sum(np.diff(steps) * gaps))  # not np.dot: see _counted_wasserstein
    return total / (float(n) * float(m))


def _counted_wasserstein(
    reference: tuple[npt.NDArray[np.generic], npt.NDArray[np.int64]],
    current: tuple[npt.NDArray[np.generic], npt.NDArray[np.int64]],
    n: int,
    m: int,
) -> float:
    """W1 from each sample's distinct values and counts: between two neighbouring values
    both CDFs are flat, so the area is a sum over the distinct values (scipy's sum, less
    its zero-width terms)."""
    values = np.union1d(reference[0], current[0]).astype(np.float64)
    reference_counts = np.zeros(values.size, dtype=np.int64)
    current_counts = np.zeros(values.size, dtype=np.int64)
    reference_counts[np.searchsorted(values, reference[0])] = reference[1]
    current_counts[np.searchsorted(values, current[0])] = current[1]
    # n*m times the CDF gap just after each value, in exact integers
    gaps = np.abs(np.cumsum(reference_counts)[:-1] * m - np.cumsum(current_counts)[:-1] * n)
    # np.sum of the products, not np.dot: np.dot goes to OpenBLAS, whose threads then spin on
    # the other core for a while after every call, stealing it from the columns' threads
    return float(np.sum(gaps * np.diff(values))) / (float(n) * float(m))


def _bucket_of(values: FloatArray, edges: FloatArray, low: float, scale: float) -> IntArray | None:
    """Bucket k of each value, such that edges[k] <= value < edges[k + 1] (the last one closed)."""
    last = edges.size - 2
    index = ((values - low) * scale).astype(np.int64)
    np.minimum(index, last, out=index)
    # the arithmetic may land one bucket off: correct against the edges, as np.histogram does
    lowered = values < edges[index]
    index -= lowered
    raised = (values >= edges[index + 1]) & (index < last)
    index += raised
    # a value left untouched passed both comparisons; only the moved ones need a second look
    moved = np.flatnonzero(lowered | raised)
    moved_values, moved_index = values[moved], index[moved]
    if moved_index.size and (
        moved_index.min() < 0
        or bool(np.any(moved_values < edges[moved_index]))
        or bool(np.any((moved_values >= edges[moved_index + 1]) & (moved_index < last)))
    ):
        return None
    return index


def _bucketed_area(
    reference: FloatArray,
    current: FloatArray,
    reference_buckets: IntArray,
    current_buckets: IntArray,
    edges: FloatArray,
) -> float | None:
    """n*m times the area between the CDFs (n*m*F is an integer count, so comparisons are exact);
    None when the CDFs may cross over so much of the data that sorting it all is cheaper."""
    n, m = reference.size, current.size
    buckets = edges.size - 1
    reference_counts = np.bincount(reference_buckets, minlength=buckets)
    current_counts = np.bincount(current_buckets, minlength=buckets)
    # offsets from the bucket's lower edge, not raw values: no cancellation against large values
    reference_offsets = np.bincount(
        reference_buckets, weights=reference - edges[reference_buckets], minlength=buckets
    )
    current_offsets = np.bincount(
        current_buckets, weights=current - edges[current_buckets], minlength=buckets
    )
    reference_through = np.cumsum(reference_counts) * m  # n*m*F_ref at the end of each bucket
    current_through = np.cumsum(current_counts) * n
    reference_before = reference_through - reference_counts * m
    current_before = current_through - current_counts * n
    one_side = (reference_through <= current_before) | (current_through <= reference_before)
    # over a one-sided bucket: integral of n*m*(F_ref - F_cur) = width*(counts through) - offsets
    widths = np.diff(edges)
    signed = widths * (reference_through - current_through).astype(np.float64) - (
        reference_offsets * m - current_offsets * n
    )
    area = float(np.sum(np.abs(signed[one_side])))
    to_sort = int(np.sum((reference_counts + current_counts)[~one_side]))
    if to_sort > (n + m) * MAX_CROSSING_SHARE:
        return None
    if to_sort:
        area += _crossing_area(
            reference[~one_side[reference_buckets]],
            current[~one_side[current_buckets]],
            edges,
            ~one_side,
            reference_before,
            current_before,
            (n, m),
        )
    return area


def _crossing_area(
    reference_values: FloatArray,
    current_values: FloatArray,
    edges: FloatArray,
    crossing: npt.NDArray[np.bool_],
    reference_before: IntArray,
    current_before: IntArray,
    sizes: tuple[int, int],
) -> float:
    """The exact area over the buckets where the CDFs may cross, from their values sorted."""
    n, m = sizes
    values = np.concatenate([reference_values, current_values])
    order = np.argsort(values, kind="stable")
    values = values[order]
    from_reference = order < reference_values.size
    last = edges.size - 2
    bucket = np.minimum(np.searchsorted(edges, values, side="right") - 1, last)
    # the CDF counts just after each value: those before its bucket plus those seen in it
    crossing_counts = np.bincount(bucket, minlength=last + 1) * crossing  # all of a crossing bucket is here
    seen = np.cumsum(from_reference)
    seen_current = np.arange(1, values.size + 1) - seen
    reference_crossing = np.bincount(bucket[from_reference], minlength=last + 1)
    current_crossing = crossing_counts - reference_crossing
    reference_skipped = reference_before // m - (np.cumsum(reference_crossing) - reference_crossing)
    current_skipped = current_before // n - (np.cumsum(current_crossing) - current_crossing)
    reference_count = seen + reference_skipped[bucket]
    current_count = seen_current + current_skipped[bucket]
    same_bucket_next = np.append(bucket[1:] == bucket[:-1], False)
    following = np.where(same_bucket_next, np.append(values[1:], 0.0), edges[bucket + 1])
    gaps = np.abs(reference_count * m - current_count * n).astype(np.float64)
    area = float(np.sum((following - values) * gaps))
    # from each crossing bucket's lower edge to its first value, the counts are those before it
    first = np.flatnonzero(np.insert(bucket[1:] != bucket[:-1], 0, True))
    first_bucket = bucket[first]
    lead_gaps = np.abs(reference_before[first_bucket] - current_before[first_bucket]).astype(np.float64)
    return area + float(np.sum((values[first] - edges[first_bucket]) * lead_gaps))
