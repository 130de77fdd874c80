"""HTML reports: the Evidently report of a window, report files, and the static index pages.

Importing this package does not import Evidently (seconds of start-up):
``build_drift_report`` imports it when called.
"""

from monitor.reports.evidently import build_drift_report
from monitor.reports.index import write_index
from monitor.reports.page import ReportError
from monitor.reports.paths import prune_reports, report_path, report_url
from monitor.reports.summary import RunSummary

__all__ = [
    "ReportError",
    "RunSummary",
    "build_drift_report",
    "prune_reports",
    "report_path",
    "report_url",
    "write_index",
]
