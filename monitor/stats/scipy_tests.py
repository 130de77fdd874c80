"""Evidently 0.7's other single-call stattests: each the scipy function Evidently calls, on the
same cleaned samples (see ``monitor.drift_methods`` for what a method receives).

Where Evidently raises instead of scoring, these return NaN (reported as no score, not
drifted), except for two tests Evidently only runs on windows of equal size, which are
computed here on any sizes (docs/reference.md, "Drift methods"):

- ``g_test`` passes the reference counts as expected frequencies: scipy refuses them unless
  both windows hold the same number of values; here they are rescaled to the current
  window's size first (a factor of exactly 1 when the sizes are equal);
- ``fisher_exact`` builds its 2x2 table row by row and refuses unequal sizes; here the
  table is the counts of the two values in each window, the same table when sizes agree.

scipy is imported inside each method: ``scipy.stats`` takes most of a second to import.
"""

from __future__ import annotations

import warnings

import numpy as np

from monitor.drift_methods import DriftMethod, Sample
from monitor.stats.binning import category_counts


class _NumericalPValue(DriftMethod):
    kinds = ("numerical",)
    default_threshold = 0.1
    direction = "below"


class AndersonDarling(_NumericalPValue):
    """k-sample Anderson-Darling significance level (scipy caps it to [0.001, 0.25])."""

    name = "anderson"

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "p-value capped": the cap is the documented behaviour
            try:
                return float(stats.anderson_ksamp([reference, current])[2])
            except ValueError:  # e.g. a single value in both samples together
                return float("nan")


class CramerVonMises(_NumericalPValue):
    """Two-sample Cramér-von Mises p-value: exact up to 20 values per sample, else asymptotic."""

    name = "cramer_von_mises"
    inclusive = True  # Evidently compares with <=

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        if reference.size <= 1 or current.size <= 1:
            return float("nan")
        if max(reference.size, current.size) <= CVM_EXACT_MAX_VALUES:
            return float(stats.cramervonmises_2samp(reference, current, method="exact").pvalue)
        return _cramer_von_mises_asymptotic(reference, current)


# up to this many values per window the Cramér-von Mises p-value is exact
CVM_EXACT_MAX_VALUES = 20


def _cramer_von_mises_asymptotic(reference: Sample, current: Sample) -> float:
    """Evidently's asymptotic path (the formulas of scipy's ``cramervonmises_2samp``) without
    scipy's argument handling, which doubles its time."""
    from scipy import stats
    from scipy.special import gammaln, kv

    nx, ny = reference.size, current.size
    ranks = stats.rankdata(np.concatenate([np.sort(reference), np.sort(current)]), method="average")
    u = nx * np.sum((ranks[:nx] - np.arange(1, nx + 1)) ** 2) + ny * np.sum(
        (ranks[nx:] - np.arange(1, ny + 1)) ** 2
    )
    k, n = nx * ny, nx + ny
    t = u / (k * n) - (4 * k - 1) / (6 * n)
    expected = (1 + 1 / n) / 6
    variance = (n + 1.0) * (4 * k * n - 3 * (nx**2 + ny**2) - 2 * k) / (45 * n**2 * 4 * k)
    tn = 1 / 6 + (t - expected) / np.sqrt(45 * variance)
    if tn < 0.003:
        return 1.0
    # the limiting distribution's cdf (Csörgő and Faraway 1996), terms added until negligible
    total, index = 0.0, 0
    while True:
        y = 4 * index + 1
        q = y**2 / (16 * tn)
        term = float(
            np.exp(gammaln(index + 0.5) - gammaln(index + 1))
            / (np.pi**1.5 * np.sqrt(tn))
            * np.sqrt(y)
            * np.exp(-q)
            * kv(0.25, q)
        )
        total += term
        index += 1
        if abs(term) < 1e-7:
            break
    return max(0.0, 1.0 - total)


class EnergyDistance(DriftMethod):
    """scipy's energy distance (not normalised: its scale is the column's)."""

    name = "ed"
    kinds = ("numerical",)
    default_threshold = 0.1
    direction = "above"

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        return float(stats.energy_distance(reference, current))


class EppsSingleton(_NumericalPValue):
    """Epps-Singleton p-value; no score when the interquartile range of both samples is 0."""

    name = "es"
    default_threshold = 0.05

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        if float(stats.iqr(np.concatenate([reference, current]))) == 0:
            return float("nan")  # Evidently raises here
        try:
            return float(stats.epps_singleton_2samp(reference, current)[1])
        except (ValueError, np.linalg.LinAlgError):  # fewer than 5 values, or a singular covariance
            return float("nan")


class MannWhitney(_NumericalPValue):
    """One-sided Mann-Whitney U p-value, alternative "less", as Evidently calls it."""

    name = "mannw"
    default_threshold = 0.05

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        return float(stats.mannwhitneyu(reference, current, alternative="less")[1])


class StudentT(_NumericalPValue):
    """Two-sided t-test p-value assuming equal variances (scipy's default, as Evidently)."""

    name = "t_test"
    default_threshold = 0.05

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant samples: NaN, reported as no score
            return float(stats.ttest_ind(reference, current)[1])


class GTest(DriftMethod):
    """G-test (log-likelihood ratio) of the current counts against the reference counts."""

    name = "g_test"
    kinds = ("categorical",)
    default_threshold = 0.1
    direction = "below"

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        reference_counts, current_counts = category_counts(reference, current)
        expected = reference_counts.astype(np.float64)
        if reference.size != current.size:
            expected = expected * (current.size / reference.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(stats.power_divergence(current_counts, expected, lambda_="log-likelihood")[1])


class FisherExact(DriftMethod):
    """Two-sided Fisher exact p-value of a column taking at most two values in both windows."""

    name = "fisher_exact"
    kinds = ("categorical",)
    default_threshold = 0.1
    direction = "below"

    def score(self, reference: Sample, current: Sample) -> float:
        from scipy import stats

        reference_counts, current_counts = category_counts(reference, current)
        if reference_counts.size > 2:
            return float("nan")  # Evidently raises: the test is for binary columns
        if reference_counts.size == 1:
            return 1.0  # one value everywhere: Evidently's table has an empty column
        table = np.array([current_counts[::-1], reference_counts[::-1]])
        return float(stats.fisher_exact(table)[1])
