"""The compute-engine extension point: where a monitor's statistics are computed.

An engine turns a monitor's two windows into ``WindowStatistics``: the drift of every
feature, prediction drift, performance and missing shares. ``local`` reads the windows
into memory and runs ``monitor.stats``; the pushdown engines have the engine that holds
the data compute exact aggregates and finish the scores from those
(docs/reference.md, "Where the statistics are computed").

``ENGINES`` maps a name to its class ("module:Class", imported on first use: a check
over files never imports DuckDB unless it pushes down).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import ClassVar

from monitor.config.models import MonitorConfig, SourceConfig
from monitor.records.drift import ColumnDrift, DriftResult
from monitor.records.quality import DataQuality
from monitor.records.result import MonitorResult, Performance
from monitor.records.segments import Segment, SkippedSegments
from monitor.records.windows import Windows

# the drift methods every engine computes exactly; the others need the values themselves
PUSHED_DOWN = frozenset(
    {"auto", "ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z", "kl_div", "hellinger"}
)


@dataclass
class WindowStatistics:
    """Everything the check needs from the two windows, and which engine computed it."""

    engine: str
    rows: int = 0
    reference_rows: int = 0
    numerical: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    features_inferred: bool = False
    drift: DriftResult | None = None
    prediction_drift: ColumnDrift | None = None
    score_drift: list[ColumnDrift] = field(default_factory=list)  # a multiclass model's score columns
    performance: Performance | None = None
    missing: dict[str, float] = field(default_factory=dict)
    quality: DataQuality = field(default_factory=DataQuality)  # volume, new categories, ranges, keys
    # with ``segments:`` (docs/reference.md, "Segments"): each checked segment's statistics
    segments: list[tuple[Segment, WindowStatistics]] = field(default_factory=list)
    skipped_segments: SkippedSegments | None = None

    def onto(self, result: MonitorResult) -> MonitorResult:
        """``result`` (of the same monitor and windows) carrying these statistics."""
        segments = tuple(
            statistics.onto(
                MonitorResult(
                    result.monitor,
                    result.windows,
                    drift_share_threshold=result.drift_share_threshold,
                    segment=segment,
                )
            )
            for segment, statistics in self.segments
        )
        return replace(
            result,
            segments=segments,
            skipped_segments=self.skipped_segments,
            compute=self.engine,
            rows=self.rows,
            reference_rows=self.reference_rows,
            numerical=tuple(self.numerical),
            categorical=tuple(self.categorical),
            features_inferred=self.features_inferred,
            drift=self.drift,
            prediction_drift=self.prediction_drift,
            score_drift=tuple(self.score_drift),
            performance=self.performance,
            missing=self.missing,
            quality=self.quality,
        )

    @classmethod
    def of(cls, result: MonitorResult) -> WindowStatistics:
        """The statistics a result holds (``local`` computes through ``monitor.evaluate``)."""
        return cls(
            result.compute,
            rows=result.rows,
            reference_rows=result.reference_rows,
            numerical=list(result.numerical),
            categorical=list(result.categorical),
            features_inferred=result.features_inferred,
            drift=result.drift,
            prediction_drift=result.prediction_drift,
            score_drift=list(result.score_drift),
            performance=result.performance,
            missing=dict(result.missing),
            quality=result.quality,
        )


class ComputeEngine(ABC):
    """Computes a monitor's statistics over one source."""

    name: ClassVar[str]

    def __init__(self, source: SourceConfig) -> None:
        self.source = source

    @abstractmethod
    def row_counts(self, windows: Windows) -> tuple[int, int]:
        """Rows in the (reference, current) windows."""

    def current_rows(self, windows: Windows) -> int:
        """Rows in the current window (engines that count one window cheaply say so)."""
        return self.row_counts(windows)[1]

    @abstractmethod
    def evaluate(self, monitor: MonitorConfig, windows: Windows) -> WindowStatistics:
        """Every statistic of ``monitor`` over ``windows``."""

    def close(self) -> None:  # noqa: B027 - most engines hold nothing to release
        """Release connections and sessions this engine opened."""

    def __enter__(self) -> ComputeEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


ENGINES: dict[str, str] = {
    "local": "monitor.compute.local:LocalEngine",
    "duckdb": "monitor.compute.duckdb:DuckDBEngine",
    "postgresql": "monitor.compute.database:DatabaseEngine",
    "sqlite": "monitor.compute.database:DatabaseEngine",
    "spark": "monitor.compute.spark:SparkEngine",
}


def engine_class(name: str) -> type[ComputeEngine]:
    module_name, class_name = ENGINES[name].split(":")
    engine: type[ComputeEngine] = getattr(importlib.import_module(module_name), class_name)
    return engine
