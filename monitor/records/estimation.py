"""Performance estimated before labels arrive (docs/reference.md, "Estimated performance").

Per metric: ``estimate`` for the window; ``lower``/``upper`` NannyML's confidence bounds,
``estimate -/+ bands x sampling error`` clipped to the metric's range; ``reference`` the metric
realized on the reference window (its labels); ``realized`` the metric on the window's rows
that have a label, once any has one (else None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Error metrics grow when the model gets worse: their drop is estimate - reference.
ERROR_METRICS = frozenset({"mae", "rmse"})


@dataclass(frozen=True)
class EstimatedMetric:
    metric: str
    estimate: float | None
    lower: float | None = None
    upper: float | None = None
    reference: float | None = None
    realized: float | None = None
    sampling_error: float | None = None

    @property
    def drop(self) -> float | None:
        """How much worse than the reference the estimate is (positive: worse)."""
        if self.estimate is None or self.reference is None:
            return None
        if self.metric in ERROR_METRICS:
            return self.estimate - self.reference
        return self.reference - self.estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "reference": self.reference,
            "realized": self.realized,
            "sampling_error": self.sampling_error,
            "drop": self.drop,
        }


@dataclass(frozen=True)
class EstimatedPerformance:
    method: str  # cbpe | dle
    metrics: tuple[EstimatedMetric, ...]
    calibrated: bool | None = None  # cbpe: whether the reference called for calibration (any class)
    cached: bool = False  # the fitted model came from the store rather than a fit in this run

    def get(self, metric: str) -> EstimatedMetric | None:
        return next((m for m in self.metrics if m.metric == metric), None)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "metrics": [m.to_dict() for m in self.metrics]}
