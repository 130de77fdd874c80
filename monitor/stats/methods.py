"""Evidently's default drift methods (and PSI, KL, Hellinger), scoring exactly as its stattests do.

They register in ``monitor.drift_methods`` as any plug-in does.

Each method takes a reference and a current sample already cleaned by
``monitor.stats.prepare``: numerical columns as float64 arrays of finite values,
categorical columns as int64 category codes in ascending value order (see
``monitor.stats.binning``). Which way a score drifts follows Evidently: KS at
p <= threshold, chi-square and Z at p < threshold, distances at score >= threshold.

scipy is imported inside the methods that need it (KS, chi-square, Z, KL): importing
``scipy.stats`` costs most of a second, more than scoring a million rows, and the
default methods (Wasserstein, Jensen-Shannon) are computed here in numpy.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from monitor.drift_methods import DriftMethod, Sample
from monitor.records.drift import Kind
from monitor.stats.binning import (
    binned_shares,
    category_counts,
    distinct_count,
    histogram_counts,
    is_categorical,
    value_counts,
)
from monitor.stats.wasserstein import wasserstein_distance

# Evidently picks a method by the size of the reference (rows left after dropping missing values)
AUTO_SMALL_REFERENCE_ROWS = 1000
# ... and by the distinct values of both samples together
AUTO_MANY_VALUES = 5
# Wasserstein is divided by the reference's standard deviation, but never by less than this
WASSERSTEIN_MIN_NORM = 0.001


class DistanceMethod(DriftMethod):
    kinds: ClassVar[tuple[Kind, ...]] = ("numerical", "categorical")
    default_threshold = 0.1
    direction = "above"
    inclusive = True  # Evidently's distances drift at score >= threshold


class PValueMethod(DriftMethod):
    kinds: ClassVar[tuple[Kind, ...]] = ("numerical", "categorical")
    default_threshold = 0.05
    direction = "below"


class KolmogorovSmirnov(PValueMethod):
    """Two-sided two-sample KS p-value (scipy's ``ks_2samp``, exact for small samples)."""

    name = "ks"
    kinds = ("numerical",)
    inclusive = True  # Evidently's KS compares with <=

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        return float(stats.ks_2samp(reference, current).pvalue)


class WassersteinNormed(DistanceMethod):
    """First Wasserstein distance divided by max(std(reference), 0.001)."""

    name = "wasserstein"
    kinds = ("numerical",)

    def score(self, reference: Sample, current: Sample) -> float:
        reference_values = reference.astype(np.float64, copy=False)
        norm = max(float(np.std(reference_values)), WASSERSTEIN_MIN_NORM)
        return wasserstein_distance(reference_values, current.astype(np.float64, copy=False)) / norm


class PopulationStabilityIndex(DistanceMethod):
    name = "psi"

    def score(self, reference: Sample, current: Sample) -> float:
        reference_shares, current_shares = binned_shares(reference, current, fill_zeroes=True)
        terms = (reference_shares - current_shares) * np.log(reference_shares / current_shares)
        return float(np.sum(terms))


class JensenShannon(DistanceMethod):
    name = "jensenshannon"

    def score(self, reference: Sample, current: Sample) -> float:
        reference_shares, current_shares = binned_shares(reference, current, fill_zeroes=False)
        return jensen_shannon_distance(reference_shares, current_shares)


def jensen_shannon_distance(p: npt.NDArray[np.float64], q: npt.NDArray[np.float64]) -> float:
    """``scipy.spatial.distance.jensenshannon(p, q)`` (natural log) in numpy, the same steps
    in the same order; ``scipy.special.rel_entr`` is x*log(x/y), 0 where x is 0."""
    p = p / np.sum(p)
    q = q / np.sum(q)
    middle = (p + q) / 2.0

    def relative_entropy(x: npt.NDArray[np.float64]) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(x > 0, x * np.log(x / middle), 0.0)
        return float(np.sum(terms))

    return math.sqrt((relative_entropy(p) + relative_entropy(q)) / 2.0)


class KullbackLeibler(DistanceMethod):
    name = "kl_div"

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        reference_shares, current_shares = binned_shares(reference, current, fill_zeroes=True)
        return float(stats.entropy(reference_shares, current_shares))


class ChiSquare(PValueMethod):
    """Pearson chi-square of the current counts against the reference counts rescaled."""

    name = "chisquare"
    kinds = ("categorical",)

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        reference_counts, current_counts = category_counts(reference, current)
        expected = reference_counts * (current.size / reference.size)
        # a value unseen in the reference expects 0: scipy gives an infinite statistic, p = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(stats.chisquare(current_counts.astype(np.float64), expected).pvalue)


class ZTest(PValueMethod):
    """Two-proportion Z-test on the share of the smallest value (Evidently's ``z``)."""

    name = "z"
    kinds = ("categorical",)

    def score(self, reference: Sample, current: Sample) -> float:
        reference_counts, current_counts = category_counts(reference, current)
        reference_present = np.flatnonzero(reference_counts)
        current_present = np.flatnonzero(current_counts)
        if (
            reference_present.size == 1
            and current_present.size == 1
            and reference_present[0] == current_present[0]
        ):
            return 1.0
        # Evidently marks the smallest value 0 and every other value 1
        reference_size, current_size = reference.size, current.size
        reference_share = float(reference_size - reference_counts[0]) / reference_size
        current_share = float(current_size - current_counts[0]) / current_size
        pooled = (reference_share * reference_size + current_share * current_size) / (
            reference_size + current_size
        )
        z = (reference_share - current_share) / math.sqrt(
            pooled * (1 - pooled) * (1.0 / reference_size + 1.0 / current_size)
        )
        from scipy import stats

        # 1 - cdf rather than sf: the same rounding as Evidently
        return float(2 * (1 - stats.norm.cdf(abs(z))))


class Hellinger(DistanceMethod):
    name = "hellinger"

    def score(self, reference: Sample, current: Sample) -> float:
        if is_categorical(reference):
            reference_counts, current_counts = category_counts(reference, current)
            overlap = float(
                np.sum(np.sqrt((reference_counts / reference.size) * (current_counts / current.size)))
            )
        else:
            overlap = _histogram_overlap(
                reference.astype(np.float64, copy=False), current.astype(np.float64, copy=False)
            )
        return math.sqrt(1 - min(max(overlap, 0.0), 1.0))


def _histogram_overlap(reference: npt.NDArray[np.float64], current: npt.NDArray[np.float64]) -> float:
    """Bhattacharyya coefficient of density histograms whose Sturges bins are computed, as
    in Evidently, over the distinct values of both samples (not over the samples)."""
    distinct = np.union1d(value_counts(reference)[0], value_counts(current)[0])
    edges = np.histogram_bin_edges(distinct, bins="sturges")
    reference_counts, current_counts = histogram_counts(reference, current, edges)
    widths = np.diff(edges)
    reference_density = reference_counts / widths / reference_counts.sum()
    current_density = current_counts / widths / current_counts.sum()
    bin_width = (edges.max() - edges.min()) / (edges.size - 1)
    return float(np.sum(np.sqrt(reference_density * current_density)) * bin_width)


def auto_method(reference: Sample, current: Sample, kind: Kind) -> str:
    """Evidently's default choice (``_get_default_stattest``) for two cleaned samples.

    The reference size counts the rows left after dropping missing values, and the
    distinct values are counted over both samples, also after dropping them.
    """
    if kind == "text":
        if reference.size > AUTO_SMALL_REFERENCE_ROWS:
            return "abs_text_content_drift"
        return "perc_text_content_drift"
    return auto_method_by_size(reference.size, distinct_count(reference, current, cap=AUTO_MANY_VALUES), kind)


def auto_method_by_size(reference_size: int, distinct: int, kind: Kind) -> str:
    """Evidently's choice for a numerical or categorical column, from the reference's size and
    the distinct values of both samples (counting up to ``AUTO_MANY_VALUES`` + 1 is enough)."""
    if reference_size <= AUTO_SMALL_REFERENCE_ROWS:
        if kind == "numerical" and distinct > AUTO_MANY_VALUES:
            return "ks"
        return "chisquare" if distinct > 2 else "z"
    if kind == "numerical" and distinct > AUTO_MANY_VALUES:
        return "wasserstein"
    return "jensenshannon"
