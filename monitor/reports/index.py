"""The static index pages over the reports directory.

    reports_dir/index.html              every monitor: its latest run, a trend, links
    reports_dir/<monitor>/index.html    every run of one monitor, newest first

Everything that comes from data (monitor and column names, errors) goes
through Jinja2's autoescape; every href is a relative, percent-quoted path so
the pages work from the file system, behind the daemon's /reports/ and under
any base URL alike.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from monitor.reports.paths import monitor_dir, quote_relative, safe_name, write_text_atomically
from monitor.reports.trend import TrendChart, TrendInput, trend_chart

logger = logging.getLogger(__name__)

STATUSES = ("ok", "alert", "error")
# Error metrics: a value above the reference is the worse one (docs/reference.md lists the metrics).
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})


@dataclass(frozen=True)
class RunSummary:
    """What the index shows of one run."""

    run_id: str
    monitor: str
    at: datetime
    window_start: datetime
    window_end: datetime
    rows: int
    reference_rows: int
    status: str  # 'ok' | 'alert' | 'error'
    drift_share: float | None
    drifted_columns: list[str]
    metric: str | None
    metric_current: float | None
    metric_reference: float | None
    report_path: Path | None
    error: str | None
    incidents: list[str] = field(default_factory=list)  # data-incident alerts firing: "rule subject"


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("monitor.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["utc"] = _utc_text
    environment.filters["number"] = _number
    return environment


def _utc_text(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}g}"


def _href(target: Path | None, from_dir: Path) -> str | None:
    """A relative, quoted href from ``from_dir`` to an existing ``target``; None when there is none."""
    if target is None or not Path(target).is_file():
        return None
    try:
        relative = os.path.relpath(os.path.abspath(target), os.path.abspath(from_dir))
    except ValueError:  # another drive on Windows: no relative path exists
        return None
    return quote_relative(relative)


@dataclass(frozen=True)
class _RunRow:
    """A run as a template row: the summary plus derived, display-ready values."""

    run: RunSummary
    status: str
    report_href: str | None
    report_missing: bool
    metric_change: float | None  # current - reference
    metric_worse: bool


def _rows(runs: Sequence[RunSummary], from_dir: Path) -> list[_RunRow]:
    rows = []
    for run in sorted(runs, key=lambda r: (r.at, r.window_end), reverse=True):
        href = _href(run.report_path, from_dir)
        change = None
        if run.metric_current is not None and run.metric_reference is not None:
            change = run.metric_current - run.metric_reference
        worse = change is not None and (change > 0 if run.metric in LOWER_IS_BETTER else change < 0)
        status = run.status if run.status in STATUSES else "unknown"
        rows.append(_RunRow(run, status, href, run.report_path is not None and href is None, change, worse))
    return rows


def _chart(runs: Sequence[RunSummary], *, width: int, height: int) -> TrendChart:
    points = [
        TrendInput(r.window_end, r.drift_share, r.metric, r.metric_current, r.metric_reference) for r in runs
    ]
    return trend_chart(points, width=width, height=height)


@dataclass(frozen=True)
class _MonitorEntry:
    name: str
    page_href: str
    latest: _RunRow | None
    chart: TrendChart
    runs: int


def _overview(reports_dir: Path, runs_by_monitor: dict[str, list[RunSummary]]) -> list[_MonitorEntry]:
    entries = []
    for name in sorted(runs_by_monitor):
        runs = runs_by_monitor[name]
        rows = _rows(runs, reports_dir)
        entries.append(
            _MonitorEntry(
                name=name,
                page_href=quote_relative(f"{safe_name(name)}/index.html"),
                latest=rows[0] if rows else None,
                chart=_chart(runs, width=260, height=70),
                runs=len(runs),
            )
        )
    return entries


def _write(template: str, path: Path, **context: Any) -> Path:
    page = _environment().get_template(template).render(**context)
    return write_text_atomically(path, page)


def write_index(reports_dir: Path, runs_by_monitor: dict[str, list[RunSummary]]) -> list[Path]:
    """Write the overview and one page per monitor; return the paths written."""
    reports_dir = Path(reports_dir)
    written = [
        _write("index.html.j2", reports_dir / "index.html", monitors=_overview(reports_dir, runs_by_monitor))
    ]
    for name, runs in sorted(runs_by_monitor.items()):
        directory = monitor_dir(reports_dir, name)
        written.append(
            _write(
                "monitor.html.j2",
                directory / "index.html",
                monitor=name,
                rows=_rows(runs, directory),
                chart=_chart(runs, width=720, height=200),
            )
        )
    logger.debug("wrote %s index page(s) under %s", len(written), reports_dir)
    return written
