"""What one run of one monitor found, and its JSON form (docs/reference.md, "JSON output").

A :class:`MonitorResult` is built by the evaluation (statistics only), completed by the
alert transitions (``alerts``) and by the record step (``report``), each time as a new
frozen value. Its ``status`` and ``exit_code`` are derived here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from monitor.errors import ConfigError, MonitorError
from monitor.records.alerts import AlertSummary, RuleOutcome
from monitor.records.drift import ColumnDrift, DriftResult
from monitor.records.estimation import EstimatedPerformance
from monitor.records.quality import DataQuality
from monitor.records.segments import Segment, SkippedSegments
from monitor.records.windows import Windows
from monitor.secrets import scrub

# Error metrics grow when the model gets worse: their "drop" is current - reference.
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})

RunStatus = Literal["ok", "alert", "no_data", "error"]
FailedPart = Literal["source", "store"]


@dataclass(frozen=True)
class MetricComparison:
    metric: str
    current: float | None
    reference: float | None

    @property
    def drop(self) -> float | None:
        if self.current is None or self.reference is None:
            return None
        if self.metric in LOWER_IS_BETTER:
            return self.current - self.reference
        return self.reference - self.current

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "current": self.current,
            "reference": self.reference,
            "drop": self.drop,
        }


@dataclass(frozen=True)
class Performance:
    rows_with_target: int
    metrics: tuple[MetricComparison, ...]

    def get(self, metric: str) -> MetricComparison | None:
        return next((m for m in self.metrics if m.metric == metric), None)

    def to_dict(self) -> dict[str, Any]:
        return {"rows_with_target": self.rows_with_target, "metrics": [m.to_dict() for m in self.metrics]}


@dataclass(frozen=True)
class MonitorResult:
    monitor: str
    windows: Windows
    rows: int = 0
    reference_rows: int = 0
    numerical: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    features_inferred: bool = False
    drift: DriftResult | None = None
    drift_share_threshold: float = 0.5
    prediction_drift: ColumnDrift | None = None
    # a multiclass model: the drift of each class's score column (docs/reference.md, "Multiclass models")
    score_drift: tuple[ColumnDrift, ...] = ()
    performance: Performance | None = None
    estimated_performance: EstimatedPerformance | None = None
    missing: Mapping[str, float] = field(default_factory=dict)
    rows_without_timestamp: int | None = None  # in the whole source: they belong to no window
    quality: DataQuality = DataQuality()  # volume, freshness, schema, new categories, ranges, duplicates
    # set by the alert transitions: alerts firing after this run or resolved by it, and what
    # this window breached (the same for a live run and for history)
    alerts: tuple[AlertSummary, ...] = ()
    breaches: tuple[RuleOutcome, ...] = ()
    # False: an older window than one already evaluated, or a backfill; it changed no alert
    live: bool = True
    compute: str = "local"  # the engine that computed the statistics (docs/reference.md)
    # segments (docs/reference.md, "Segments"): a segment's own result names its segment; the
    # whole monitor's result holds the checked segments' results and what was skipped
    segment: Segment | None = None
    segments: tuple[MonitorResult, ...] = ()
    skipped_segments: SkippedSegments | None = None
    report: Path | None = None
    error: str | None = None
    # the exit code the failure calls for (2: the config is at fault, e.g. a column the source
    # lacks; 3: something could not be reached) and which part failed; not in the JSON document
    error_exit_code: int | None = None
    failed_part: FailedPart | None = None

    @property
    def firing(self) -> bool:
        return any(alert.status == "firing" for alert in self.alerts)

    @property
    def status(self) -> RunStatus:
        if self.error is not None:
            return "error"
        if self.rows == 0:
            return "no_data"
        return "alert" if self.firing else "ok"

    @property
    def exit_code(self) -> int:
        """0 ran and nothing fires, 1 an alert fires, 2 the config is at fault, 3 unreachable."""
        if self.error is not None:
            return self.error_exit_code or 3
        return 1 if self.firing else 0

    def failed(self, exc: MonitorError, part: FailedPart = "source") -> MonitorResult:
        """This result marked as not checked, secrets masked.

        A config problem found only when the data is read names its key path from the
        top of the file (``monitors.NAME.features.categorical: ...``).
        """
        if isinstance(exc, ConfigError):
            key = ".".join(p for p in ("monitors", self.monitor, exc.key) if p)
            error = scrub(f"{key}: {exc.detail}")
        else:
            error = scrub(f"monitors.{self.monitor}: {exc}")
        return replace(self, error=error, error_exit_code=exc.exit_code, failed_part=part)

    def to_dict(self) -> dict[str, Any]:
        document = self._document()
        if self.skipped_segments is not None or self.segments:  # a monitor with ``segments:``
            document["segments"] = [segment.segment_dict() for segment in self.segments]
            document["skipped_segments"] = (self.skipped_segments or SkippedSegments()).to_dict()
        return document

    def _document(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "compute": self.compute,
            "window": self.windows.current.to_dict(self.rows),
            "reference": self.windows.reference.to_dict(self.reference_rows),
            "drift": _drift_dict(self.drift),
            "prediction_drift": _column_dict(self.prediction_drift, with_kind=False),
            "performance": self.performance.to_dict() if self.performance else None,
            **self._model_dict(),
            "data_quality": {
                **self.quality.to_dict(dict(self.missing)),
                "rows_without_timestamp": self.rows_without_timestamp,
            },
            "alerts": [alert.to_dict() for alert in self.alerts],
            "report": str(self.report) if self.report else None,
            "error": self.error,
        }

    def _model_dict(self) -> dict[str, Any]:
        """Each class's score drift (multiclass models only) and the estimated performance."""
        scores = [_column_dict(drift, with_kind=False) for drift in self.score_drift]
        estimated = self.estimated_performance.to_dict() if self.estimated_performance else None
        return {**({"score_drift": scores} if scores else {}), "estimated_performance": estimated}

    def segment_dict(self) -> dict[str, Any]:
        """A segment's entry in its monitor's ``segments`` list."""
        assert self.segment is not None
        return {
            "segment": self.segment.to_dict(),
            "subject": self.segment.text,
            "rows": self.rows,
            "reference_rows": self.reference_rows,
            "drift": _drift_dict(self.drift),
            "prediction_drift": _column_dict(self.prediction_drift, with_kind=False),
            "performance": self.performance.to_dict() if self.performance else None,
            **self._model_dict(),
            "data_quality": self.quality.to_dict(dict(self.missing)),
            "alerts": [alert.to_dict() for alert in self.alerts],
        }


def _column_dict(drift: ColumnDrift | None, with_kind: bool = True) -> dict[str, Any] | None:
    if drift is None:
        return None
    data: dict[str, Any] = {"column": drift.column}
    if with_kind:
        data["kind"] = drift.kind
    data.update(method=drift.method, score=drift.score, threshold=drift.threshold, drifted=drift.drifted)
    return data


def _drift_dict(drift: DriftResult | None) -> dict[str, Any] | None:
    if drift is None:
        return None
    return {
        "share": drift.share,
        "dataset_drift": drift.dataset_drift,
        "columns": [_column_dict(column) for column in drift.columns],
        # only for monitors with drift.multivariate: the contract's drift object is otherwise unchanged
        **({"multivariate": drift.multivariate.to_dict()} if drift.multivariate is not None else {}),
    }
