"""Statistics of a monitoring window: drift, column kinds, performance, data quality.

Vectorised numpy/scipy re-implementations of Evidently 0.7's conventions, so that
``monitor check`` never imports Evidently (only the HTML report does).
"""

from monitor.stats.columns import infer_column_kinds
from monitor.stats.drift import ColumnDrift, DriftResult, column_drift, dataset_drift
from monitor.stats.methods import METHODS, DriftMethod, auto_method
from monitor.stats.performance import performance_metrics
from monitor.stats.quality import missing_shares

__all__ = [
    "METHODS",
    "ColumnDrift",
    "DriftMethod",
    "DriftResult",
    "auto_method",
    "column_drift",
    "dataset_drift",
    "infer_column_kinds",
    "missing_shares",
    "performance_metrics",
]
