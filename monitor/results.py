"""What one run of one monitor found, and its JSON form (docs/reference.md, "JSON output")."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ConfigError, MonitorError
from monitor.secrets import scrub
from monitor.stats import ColumnDrift, DriftResult
from monitor.windows import Windows

if TYPE_CHECKING:
    from monitor.compute import WindowStatistics

# Error metrics grow when the model gets worse: their "drop" is current - reference.
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})


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
    metrics: list[MetricComparison]

    def get(self, metric: str) -> MetricComparison | None:
        return next((m for m in self.metrics if m.metric == metric), None)

    def to_dict(self) -> dict[str, Any]:
        return {"rows_with_target": self.rows_with_target, "metrics": [m.to_dict() for m in self.metrics]}


@dataclass(frozen=True)
class AlertSummary:
    rule: str
    subject: str
    status: str
    channels: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "subject": self.subject, "status": self.status, "channels": self.channels}


@dataclass
class MonitorResult:
    """Filled in as the run goes: a failure part-way still yields a result with ``error`` set."""

    monitor: str
    windows: Windows
    rows: int = 0
    reference_rows: int = 0
    numerical: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    features_inferred: bool = False
    drift: DriftResult | None = None
    drift_share_threshold: float = 0.5
    prediction_drift: ColumnDrift | None = None
    performance: Performance | None = None
    missing: dict[str, float] = field(default_factory=dict)
    alerts: list[AlertSummary] = field(default_factory=list)
    compute: str = "local"  # the engine that computed the statistics
    report: Path | None = None
    error: str | None = None
    # the exit code the failure calls for: 2 when the config is at fault (a column the
    # source lacks), 3 when the source could not be read; not part of the JSON document
    error_exit_code: int | None = None

    @property
    def firing(self) -> bool:
        return any(alert.status == "firing" for alert in self.alerts)

    def fail(self, exc: MonitorError) -> None:
        """Record why this monitor could not be checked, secrets masked.

        A config problem found only when the data is read names its key path from the
        top of the file (``monitors.NAME.features.categorical: ...``).
        """
        if isinstance(exc, ConfigError):
            key = ".".join(part for part in ("monitors", self.monitor, exc.key) if part)
            self.error = scrub(f"{key}: {exc.detail}")
        else:
            self.error = scrub(f"monitors.{self.monitor}: {exc}")
        self.error_exit_code = exc.exit_code

    def apply(self, statistics: WindowStatistics) -> None:
        """Take the statistics a compute engine found (``monitor.compute``)."""
        self.compute = statistics.engine
        self.rows, self.reference_rows = statistics.rows, statistics.reference_rows
        self.numerical, self.categorical = statistics.numerical, statistics.categorical
        self.features_inferred = statistics.features_inferred
        self.drift, self.prediction_drift = statistics.drift, statistics.prediction_drift
        self.performance, self.missing = statistics.performance, statistics.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "compute": self.compute,
            "window": self.windows.current.to_dict(self.rows),
            "reference": self.windows.reference.to_dict(self.reference_rows),
            "drift": _drift_dict(self.drift),
            "prediction_drift": _column_dict(self.prediction_drift, with_kind=False),
            "performance": self.performance.to_dict() if self.performance else None,
            "data_quality": {
                "columns": [{"column": c, "missing_share": share} for c, share in self.missing.items()]
            },
            "alerts": [alert.to_dict() for alert in self.alerts],
            "report": str(self.report) if self.report else None,
            "error": self.error,
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
    }
