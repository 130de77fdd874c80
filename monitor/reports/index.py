"""The static index pages over the reports directory.

    reports_dir/index.html              every monitor: its latest run, a trend, links
    reports_dir/<monitor>/index.html    every run of one monitor, newest window first, with
                                        charts of drift share, performance and each column

Everything that comes from data (monitor and column names, errors) goes
through Jinja2's autoescape; every href is a relative, percent-quoted path so
the pages work from the file system, behind the daemon's /reports/ and under
any base URL alike.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from monitor.reports.paths import monitor_dir, quote_relative, safe_name, write_text_atomically
from monitor.reports.summary import (
    STATUSES,
    RunSummary,
    column_charts,
    drift_share_chart,
    newest_window_first,
    performance_chart,
)
from monitor.reports.trend import Chart

logger = logging.getLogger(__name__)

# Error metrics: a value above the reference is the worse one (docs/reference.md lists the metrics).
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})
# Per-column charts on a monitor's page: a wide table shows its most pressing columns.
MAX_COLUMN_CHARTS = 24


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
    for run in newest_window_first(list(runs)):
        href = _href(run.report_path, from_dir)
        change = None
        if run.metric_current is not None and run.metric_reference is not None:
            change = run.metric_current - run.metric_reference
        worse = change is not None and (change > 0 if run.metric in LOWER_IS_BETTER else change < 0)
        status = run.status if run.status in STATUSES else "unknown"
        rows.append(_RunRow(run, status, href, run.report_path is not None and href is None, change, worse))
    return rows


@dataclass(frozen=True)
class _MonitorEntry:
    name: str
    page_href: str
    latest: _RunRow | None
    drift: Chart
    performance: Chart | None
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
                drift=drift_share_chart(runs, width=200, height=36, compact=True),
                performance=performance_chart(runs, width=200, height=36, compact=True),
                runs=len(runs),
            )
        )
    return entries


def _write(template: str, path: Path, **context: Any) -> Path:
    page = _environment().get_template(template).render(**context)
    return write_text_atomically(path, page)


@dataclass(frozen=True)
class _SegmentLink:
    name: str
    href: str


def _segment_pages(
    directory: Path, name: str, segments: dict[str, list[RunSummary]]
) -> tuple[list[Path], list[_SegmentLink]]:
    """One page per segment under ``<monitor>/segments/`` (docs/reference.md, "Segments")."""
    written, links = [], []
    for segment, runs in segments.items():
        folder = directory / "segments" / safe_name(segment)
        columns, left_out = column_charts(runs, limit=MAX_COLUMN_CHARTS, width=300, height=130)
        written.append(
            _write(
                "monitor.html.j2",
                folder / "index.html",
                monitor=f"{name} [{segment}]",
                back_href="../../index.html",
                back_label=f"All of {name}",
                segments=[],
                rows=_rows(runs, folder),
                drift=drift_share_chart(runs, width=460, height=170),
                performance=performance_chart(runs, width=460, height=170),
                columns=columns,
                columns_left_out=left_out,
            )
        )
        links.append(_SegmentLink(segment, quote_relative(f"segments/{safe_name(segment)}/index.html")))
    return written, links


def write_index(
    reports_dir: Path,
    runs_by_monitor: dict[str, list[RunSummary]],
    segments_by_monitor: dict[str, dict[str, list[RunSummary]]] | None = None,
) -> list[Path]:
    """Write the overview and one page per monitor (and per segment); return the paths written."""
    reports_dir = Path(reports_dir)
    written = [
        _write("index.html.j2", reports_dir / "index.html", monitors=_overview(reports_dir, runs_by_monitor))
    ]
    for name, runs in sorted(runs_by_monitor.items()):
        directory = monitor_dir(reports_dir, name)
        segment_pages, links = _segment_pages(directory, name, (segments_by_monitor or {}).get(name, {}))
        written += segment_pages
        columns, left_out = column_charts(runs, limit=MAX_COLUMN_CHARTS, width=300, height=130)
        written.append(
            _write(
                "monitor.html.j2",
                directory / "index.html",
                monitor=name,
                back_href="../index.html",
                back_label="All monitors",
                segments=links,
                rows=_rows(runs, directory),
                drift=drift_share_chart(runs, width=460, height=170),
                performance=performance_chart(runs, width=460, height=170),
                columns=columns,
                columns_left_out=left_out,
            )
        )
    logger.debug("wrote %s index page(s) under %s", len(written), reports_dir)
    return written
