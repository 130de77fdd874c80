"""HTML reports: the report of a run, report files, and the static index pages.

Nothing here imports Evidently's Python package (seconds of start-up): reports are drawn
by Evidently's JavaScript renderer, shared by every page of ``reports.dir``.
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
