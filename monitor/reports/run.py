"""Reports for runs: where the checker and `monitor report` turn a window into an HTML file.

After each report written into ``reports.dir``: old reports are pruned
(``reports.keep``) and the index pages are regenerated from the store's history,
plus the run being checked, which the runner records only after its report.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from monitor.config.models import Config, MonitorConfig
from monitor.errors import ConfigError, MonitorError, SourceError
from monitor.results import MonitorResult
from monitor.secrets import scrub

logger = logging.getLogger(__name__)

# Runs per monitor on the index pages: enough for months of hourly checks, small enough to render fast.
INDEX_RUNS = 1000


def write_run_report(
    config: Config,
    monitor: MonitorConfig,
    result: MonitorResult,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    out_path: Path | None = None,
) -> Path:
    """The Evidently drift report of exactly this run's windows, with the run's methods and thresholds.

    Written to ``reports.dir/<monitor>/<window end>.html`` unless ``out_path``
    says otherwise; a report in ``reports.dir`` also prunes and re-indexes it.
    """
    written = _build(config, monitor, result, reference, current, out_path)
    if out_path is None:
        after_report(config, result.monitor, pending=result, written=written)
    return written


def _build(
    config: Config,
    monitor: MonitorConfig,
    result: MonitorResult,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    out_path: Path | None,
    run: dict[str, Any] | None = None,
) -> Path:
    from monitor.reports.evidently import build_drift_report
    from monitor.reports.paths import report_path

    path = out_path or report_path(config.reports.dir, result.monitor, result.windows.current.end)
    return build_drift_report(
        monitor_name=result.monitor,
        run=run if run is not None else result.to_dict(),
        reference=reference,
        current=current,
        prediction=monitor.prediction,
        target_column=monitor.target.column if monitor.target else None,
        max_rows=config.reports.max_rows,
        out_path=path,
        timestamp_column=monitor.source.timestamp,
        reports_dir=config.reports.dir,
    )


def after_report(
    config: Config, name: str, *, pending: MonitorResult | None = None, written: Path | None = None
) -> None:
    """Prune the monitor's old reports and regenerate the index; failures are logged, never raised."""
    from monitor.reports.paths import prune_reports

    # The report just written stays even when it is older than `keep` (a backfill with --at):
    # the run's JSON and its notifications name it.
    protected = [written] if written is not None else []
    try:
        prune_reports(config.reports.dir, name, config.reports.keep, datetime.now(timezone.utc), protected)
    except OSError as exc:
        logger.error("monitor %s: old reports not pruned: %s", name, exc)
    if pending is not None and written is not None:
        pending.report = written
    refresh_index(config, pending=pending)


def refresh_index(config: Config, pending: MonitorResult | None = None) -> list[Path]:
    """Rewrite ``reports.dir/index.html`` and each monitor's page from the store's run history."""
    from monitor.reports.history import all_history
    from monitor.reports.index import write_index
    from monitor.store import open_store

    store = None
    try:
        store = open_store(config.store)
        runs_by_monitor = all_history(config, store, INDEX_RUNS, pending=pending)
        return write_index(config.reports.dir, runs_by_monitor)
    except (MonitorError, OSError) as exc:  # the report is written; a stale index is no reason to fail
        logger.error("report index under %s not updated: %s", config.reports.dir, scrub(str(exc)))
        return []
    finally:
        if store is not None:
            store.close()


def report_for_window(config: Config, name: str, at: datetime, output: str | None) -> Path:
    """`monitor report`: read the windows ending at ``at`` and write their report."""
    from monitor.runner import Checker

    result, frames = Checker(config, None, dry_run=True).evaluate(name, at)
    if result.error or frames is None:
        raise SourceError(result.error or f"monitor {name}: the windows could not be read")
    for which, window, rows in (
        ("current", result.windows.current, result.rows),
        ("reference", result.windows.reference, result.reference_rows),
    ):
        if rows == 0:  # a usage matter (pick another --at), not something unreachable
            raise ConfigError(
                f"--at: the {which} window of monitor {name} "
                f"[{window.start.isoformat()}, {window.end.isoformat()}) has no rows; nothing to report"
            )
    out_path = Path(output) if output else None
    run = {**result.to_dict(), "alerts": None}  # no rule is evaluated for a report alone
    path = _build(config, config.monitors[name], result, *frames, out_path, run)
    if out_path is None:  # not a run: nothing new to list, but the index now links this window's report
        after_report(config, name, written=path)
    return path
