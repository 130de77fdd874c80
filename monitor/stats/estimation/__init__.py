"""Performance estimated before labels arrive: CBPE for classifiers, DLE for regressors.

    reference rows -> fit (or the store's cached fit) -> estimate on the window's rows

Both follow NannyML 0.13 (docs/reference.md, "Estimated performance"); NannyML itself is only
the tests' oracle. The window's ``realized`` values are the performance already measured on
its labelled rows; ``reference`` is the metric realized on the reference window.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from monitor.config.models import MonitorConfig
from monitor.records.estimation import EstimatedMetric, EstimatedPerformance
from monitor.records.windows import Interval
from monitor.stats.estimation.cache import FitCache
from monitor.stats.estimation.cbpe import Estimate

__all__ = ["FitCache", "estimate_performance"]

log = logging.getLogger(__name__)
LIMITS = {"roc_auc": (0.0, 1.0), "accuracy": (0.0, 1.0), "precision": (0.0, 1.0), "recall": (0.0, 1.0)}
LIMITS.update(f1=(0.0, 1.0), mae=(0.0, float("inf")), rmse=(0.0, float("inf")))


def estimate_performance(
    name: str,
    monitor: MonitorConfig,
    reference_window: Interval,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: Sequence[str],
    realized: Mapping[str, float],
    cache: FitCache | None = None,
) -> EstimatedPerformance | None:
    """The configured estimate for ``current``; None when there is nothing to estimate on."""
    estimation = monitor.estimation
    assert estimation is not None
    if len(current) == 0 or len(reference) == 0:
        return None
    calibrated: bool | None = None
    cached = False
    estimates: dict[str, Estimate] = {}
    reference_metrics: dict[str, float] = {}
    try:
        if estimation.method == "cbpe":
            from monitor.stats.estimation.fitting import cbpe_estimates

            estimates, reference_metrics, calibrated, cached = cbpe_estimates(
                name, monitor, reference_window, reference, current, cache
            )
        else:
            from monitor.stats.estimation.fitting import dle_estimates

            estimates, reference_metrics, cached = dle_estimates(
                name, monitor, reference_window, reference, current, list(features), cache
            )
    except ValueError as exc:  # data the method cannot fit on, e.g. a class with one labelled row
        log.warning("monitor %s: %s not estimated: %s", name, estimation.method, exc)
    metrics = tuple(
        _metric(
            metric,
            estimates.get(metric),
            reference_metrics.get(metric),
            realized.get(metric),
            estimation.bands,
        )
        for metric in estimation.metrics
    )
    return EstimatedPerformance(estimation.method, metrics, calibrated, cached)


def _metric(
    metric: str, estimate: Estimate | None, reference: float | None, realized: float | None, bands: float
) -> EstimatedMetric:
    if estimate is None or estimate.value != estimate.value:  # none, or NaN: too few rows
        return EstimatedMetric(metric, None, reference=reference, realized=realized)
    low, high = LIMITS[metric]
    error = estimate.sampling_error
    known = error == error
    return EstimatedMetric(
        metric,
        estimate.value,
        lower=max(low, estimate.value - bands * error) if known else None,
        upper=min(high, estimate.value + bands * error) if known else None,
        reference=reference,
        realized=realized,
        sampling_error=error if known else None,
    )
