"""Evidently 0.7's two permutation tests, drawing the same permutations Evidently draws.

``TVD``: Evidently seeds numpy's global generator with 0 and draws 1,000 new reference
windows with ``np.random.choice(values, len(reference), replace=False)``, which is the
first ``len(reference)`` positions of ``RandomState.permutation``. The same positions are
drawn here from a private ``RandomState(0)``, and each permuted distance is computed from
category counts (one ``bincount`` per permutation) instead of Python lists and Counters.

``empirical_mmd``: Evidently draws its 100 permutations from numpy's global generator
without seeding it, so its p-value changes from run to run. Here they come from a private
``RandomState(0)``: the p-value is Evidently's after ``np.random.seed(0)``. Evidently
builds the whole (n+m)² kernel matrix and copies it twice per permutation; here the
kernel is computed one block of rows at a time and every permutation's sums come from one
matrix product, so memory stays small, but the work still grows with the square of the
rows: above ``MMD_MAX_ROWS`` the method refuses (docs/reference.md, "Drift methods").
Where a permutation ties with the observed split (a column of few values), Evidently's own
rounding decides, so for those few the whole matrix is built as Evidently builds it, up to
``MMD_EXACT_TIES_MAX_ROWS`` rows; above, a tie counts as "as large as observed".
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from monitor.drift_methods import DriftMethod, Sample
from monitor.errors import ConfigError
from monitor.stats.binning import category_counts

FloatArray = npt.NDArray[np.float64]

TVD_PERMUTATIONS = 1000
MMD_PERMUTATIONS = 100
MMD_MAX_ROWS = 10_000
# permuted discrepancies this close to the observed one are ties, decided as Evidently's
# rounding decides them, up to this many rows (the whole matrix is built then)
MMD_TIE_TOLERANCE = 1e-9
MMD_EXACT_TIES_MAX_ROWS = 3000
# kernel values held at once while summing (a block of rows times every column)
_BLOCK_VALUES = 4_000_000


class TotalVariation(DriftMethod):
    """Permutation p-value of the total variation distance between category shares."""

    name = "TVD"
    kinds = ("categorical",)
    default_threshold = 0.1
    direction = "below"

    def score(self, reference: Sample, current: Sample) -> float:
        reference_counts, current_counts = category_counts(reference, current)
        observed = _total_variation(reference_counts[None, :], current_counts[None, :])[0]
        # codes of the present categories 0..k-1, in the order Evidently concatenates the rows
        present = np.flatnonzero(np.bincount(np.concatenate([reference, current]).astype(np.int64)))
        dense = np.zeros(int(present[-1]) + 1, dtype=np.int64)
        dense[present] = np.arange(present.size)
        values = dense[np.concatenate([reference, current]).astype(np.int64)]
        totals = reference_counts + current_counts
        generator = np.random.RandomState(0)
        permuted_reference = np.empty((TVD_PERMUTATIONS, present.size), dtype=np.int64)
        for index in range(TVD_PERMUTATIONS):
            chosen = values[generator.permutation(values.size)[: reference.size]]
            permuted_reference[index] = np.bincount(chosen, minlength=present.size)
        distances = _total_variation(permuted_reference, totals[None, :] - permuted_reference)
        return float(np.count_nonzero(observed <= np.abs(distances)) / TVD_PERMUTATIONS)


def _total_variation(
    reference_counts: npt.NDArray[np.int64], current_counts: npt.NDArray[np.int64]
) -> FloatArray:
    """Row-wise 0.5 * sum|r/R - c/C|, the same operations in the same order as Evidently."""
    reference_shares = reference_counts / reference_counts.sum(axis=1, keepdims=True)
    current_shares = current_counts / current_counts.sum(axis=1, keepdims=True)
    distances: FloatArray = 0.5 * np.sum(np.abs(reference_shares - current_shares), axis=1)
    return distances


class EmpiricalMMD(DriftMethod):
    """Permutation p-value of the maximum mean discrepancy with a Gaussian kernel whose
    width is the median pairwise distance of the reference."""

    name = "empirical_mmd"
    kinds = ("numerical",)
    default_threshold = 0.1
    direction = "below"

    def score(self, reference: Sample, current: Sample) -> float:
        x = reference.astype(np.float64, copy=False)
        y = current.astype(np.float64, copy=False)
        rows = x.size + y.size
        if rows > MMD_MAX_ROWS:
            raise ConfigError(
                f"drift method empirical_mmd compares every pair of rows and is limited to "
                f"{MMD_MAX_ROWS} rows (reference + current); these windows hold {rows}: "
                "use a shorter window or another method"
            )
        if x.size < 2 or y.size < 2:
            return float("nan")  # Evidently divides by n(n-1)
        sigma = float((0.5 * _median_pair_distance(x)) ** 0.5)
        if sigma == 0:
            sigma = 0.5**0.5
        gamma = 1.0 / (2.0 * sigma**2)
        generator = np.random.RandomState(0)
        # column 0: the observed split; then one column per permutation (1: reference row)
        in_reference = np.zeros((rows, MMD_PERMUTATIONS + 1), dtype=np.float64)
        in_reference[: x.size, 0] = 1.0
        orders = [generator.permutation(rows) for _ in range(MMD_PERMUTATIONS)]
        for column, order in enumerate(orders, start=1):
            in_reference[order[: x.size], column] = 1.0
        within_x, cross, total = _kernel_sums(x, y, gamma, in_reference)
        within_y = total - 2.0 * cross - within_x
        # Evidently's A * sum(Kxx) + B * sum(Kyy) - 2 * mean(Kxy)
        mmd = (
            1 / (x.size * (x.size - 1)) * within_x
            + 1 / (y.size * (y.size - 1)) * within_y
            - 2.0 * (cross / (x.size * y.size))
        )
        observed, permuted = mmd[0], mmd[1:]
        ties = np.flatnonzero(np.abs(permuted - observed) <= MMD_TIE_TOLERANCE * abs(observed))
        if ties.size and rows <= MMD_EXACT_TIES_MAX_ROWS:
            # mathematically equal (e.g. a binary column): Evidently's verdict rests on its own
            # rounding, reproduced by its own operations on the whole matrix
            kernel = _evidently_kernel(x, y, sigma)
            observed = _evidently_mmd(kernel, None, y.size)
            for tie in ties:
                permuted[tie] = _evidently_mmd(kernel, orders[tie], y.size)
        return float(np.count_nonzero(observed <= permuted) / MMD_PERMUTATIONS)


def _evidently_kernel(x: FloatArray, y: FloatArray, sigma: float) -> FloatArray:
    """Evidently's zero-diagonal kernel matrix, built with its operations in its order."""
    gamma = 1.0 / (2.0 * sigma**2)
    reference, current = x.reshape(-1, 1), y.reshape(-1, 1)

    def rbf(rows: FloatArray, columns: FloatArray) -> FloatArray:
        distances = (columns**2).T - 2 * np.dot(rows, columns.T) + rows**2
        kernel: FloatArray = np.exp(-gamma * distances)
        return kernel

    kxx, kxy, kyy = rbf(reference, reference), rbf(reference, current), rbf(current, current)
    kernel = np.concatenate(
        (np.concatenate((kxx, kxy), axis=1), np.concatenate((kxy.T, kyy), axis=1)), axis=0
    )
    zeroed: FloatArray = kernel - np.diag(np.diagonal(kernel))
    return zeroed


def _evidently_mmd(kernel: FloatArray, order: npt.NDArray[np.intp] | None, current_rows: int) -> float:
    if order is not None:
        kernel = kernel[order][:, order]
    reference_rows = kernel.shape[0] - current_rows
    within_x = kernel[:-current_rows, :-current_rows]
    within_y = kernel[-current_rows:, -current_rows:]
    cross = kernel[-current_rows:, :-current_rows]
    a = 1 / (reference_rows * (reference_rows - 1))
    b = 1 / (current_rows * (current_rows - 1))
    return float(a * within_x.sum() + b * within_y.sum() - 2.0 * cross.mean())


def _pair_distances(rows: FloatArray, columns: FloatArray) -> FloatArray:
    """Evidently's squared distances, computed as it does: (c² - 2rc) + r²."""
    result: FloatArray = (columns**2)[None, :] - 2 * (rows[:, None] * columns[None, :]) + (rows**2)[:, None]
    return result


def _kernel_sums(
    x: FloatArray, y: FloatArray, gamma: float, in_reference: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per split g (a column of ``in_reference``) of the zero-diagonal kernel K: gᵀKg,
    (1-g)ᵀKg and 1ᵀK1, without holding K."""
    values = np.concatenate([x, y])
    block = max(1, _BLOCK_VALUES // values.size)
    within = np.zeros(in_reference.shape[1])
    column_sums = np.zeros(in_reference.shape[1])
    total = 0.0
    for start in range(0, values.size, block):
        stop = min(start + block, values.size)
        kernel = np.exp(-gamma * _pair_distances(values[start:stop], values))
        kernel[np.arange(stop - start), np.arange(start, stop)] = 0.0
        products = kernel @ in_reference  # rows of this block, summed over each split's reference columns
        within += np.sum(products * in_reference[start:stop], axis=0)
        column_sums += np.sum(products, axis=0)
        total += float(kernel.sum())
    return within, column_sums - within, np.full_like(within, total)


def _median_pair_distance(x: FloatArray) -> float:
    """``np.percentile(d, 50, method="nearest")`` over the n² squared distances d of the
    reference, without holding them: a radix selection on their bit patterns, 16 bits per
    pass over blocks of d, until the values left to choose from fit in one block."""
    rank = int(np.around((x.size * x.size - 1) * 0.5))
    prefix, known_bits = np.uint64(0), 0
    while known_bits < 64:
        histogram = np.zeros(1 << 16, dtype=np.int64)
        shift = np.uint64(48 - known_bits)
        for keys in _keys_with_prefix(x, prefix, known_bits):
            histogram += np.bincount(
                ((keys >> shift) & np.uint64(0xFFFF)).astype(np.int64), minlength=1 << 16
            )
        cumulative = np.cumsum(histogram)
        digit = int(np.searchsorted(cumulative, rank, side="right"))
        rank -= int(cumulative[digit - 1]) if digit else 0
        prefix |= np.uint64(digit) << shift
        known_bits += 16
        if int(histogram[digit]) <= _BLOCK_VALUES and known_bits < 64:
            candidates = np.concatenate(list(_keys_with_prefix(x, prefix, known_bits)))
            return _from_sortable(np.uint64(np.partition(candidates, rank)[rank]))
    return _from_sortable(prefix)


def _keys_with_prefix(x: FloatArray, prefix: np.uint64, known_bits: int) -> Iterator[npt.NDArray[np.uint64]]:
    for keys in _sortable_keys(x):
        if known_bits:
            shift = np.uint64(64 - known_bits)
            keys = keys[(keys >> shift) == (prefix >> shift)]
        yield keys


def _sortable_keys(x: FloatArray) -> Iterator[npt.NDArray[np.uint64]]:
    """The distances of blocks of rows as uint64 keys that sort as the floats do."""
    block = max(1, _BLOCK_VALUES // x.size)
    for start in range(0, x.size, block):
        bits = _pair_distances(x[start : start + block], x).ravel().view(np.int64)
        keys = np.where(bits < 0, ~bits, bits | np.int64(-(2**63)))
        yield keys.view(np.uint64)


def _from_sortable(key: np.uint64) -> float:
    signed = np.array([key], dtype=np.uint64).view(np.int64)
    bits = np.where(signed < 0, signed & np.int64(2**63 - 1), ~signed)
    return float(bits.view(np.float64)[0])
