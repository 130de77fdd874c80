"""The first Wasserstein distance of two samples, exactly: one sort of each, then linear work.

scipy's ``wasserstein_distance`` (what Evidently calls) sorts both samples, then sorts
their concatenation again and binary-searches every value in both; here the two sorts
are the only super-linear step. Tried and dropped: bucketing the value range and
sorting only where the CDFs cross saved CPU on bell-shaped data but lost on heavy tails
and ties, for a lot more code (see benchmarks/README.md).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def wasserstein_distance(reference: FloatArray, current: FloatArray) -> float:
    """W1 between two non-empty samples of finite float64 values (any order), exactly.

    It is the area between the two quantile functions of the sorted samples.
    They are step functions of u in [0, 1] with steps at k/n (reference) and l/m
    (current). Scaled by n*m every step is an integer; the merged steps are placed by
    arithmetic rather than by a sort, and each interval between two steps contributes
    its width times |a[i] - b[j]|.
    """
    reference, current = np.sort(reference), np.sort(current)  # numpy sorts without the GIL
    n, m = reference.size, current.size
    if n == m:
        return float(np.sum(np.abs(reference - current))) / n
    reference_steps = np.arange(n + 1, dtype=np.int64)
    current_steps = np.arange(m + 1, dtype=np.int64)
    breakpoints = np.empty(n + m + 2, dtype=np.int64)
    # step k*m goes after the current steps l*n < k*m; step l*n after the reference steps <= l*n
    breakpoints[reference_steps + (reference_steps * m + n - 1) // n] = reference_steps * m
    breakpoints[current_steps + (current_steps * n) // m + 1] = current_steps * n
    widths = np.diff(breakpoints).astype(np.float64)
    lower = breakpoints[:-1]
    reference_index = np.minimum(lower // m, n - 1)
    current_index = np.minimum(lower // n, m - 1)
    gaps = np.abs(reference[reference_index] - current[current_index])
    return float(np.dot(widths, gaps)) / (float(n) * float(m))
