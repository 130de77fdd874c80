"""Statistics of a monitoring window: drift, column kinds, performance, data quality.

Vectorised numpy re-implementations of Evidently 0.7's conventions, so that
``monitor check`` never imports Evidently (only the HTML report does).

``performance_metrics`` is imported on first use: its module needs ``scipy.stats``,
whose import alone takes most of a second, and a monitor without a target never
computes performance.
"""

from typing import TYPE_CHECKING, Any

from monitor.drift_methods import DriftMethod, drift_methods, get_method, register
from monitor.records.drift import ColumnDrift, DriftResult
from monitor.stats.columns import infer_column_kinds
from monitor.stats.drift import column_drift, dataset_drift
from monitor.stats.incidents import type_changes
from monitor.stats.methods import auto_method
from monitor.stats.quality import missing_shares

if TYPE_CHECKING:
    from monitor.stats.performance import performance_metrics

__all__ = [
    "ColumnDrift",
    "DriftMethod",
    "DriftResult",
    "auto_method",
    "column_drift",
    "dataset_drift",
    "drift_methods",
    "get_method",
    "infer_column_kinds",
    "missing_shares",
    "performance_metrics",
    "register",
    "type_changes",
]


def __getattr__(name: str) -> Any:
    if name == "performance_metrics":
        from monitor.stats.performance import performance_metrics

        return performance_metrics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
