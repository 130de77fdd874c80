"""Reports of runs: the HTML report of a recorded run, ``monitor report``, and the index.

A run's report is written after the run is recorded, so the index pages, rebuilt from
the store's history each time a report is written, always include it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from monitor.config.models import Config, MonitorConfig
from monitor.errors import ConfigError, MonitorError, SourceError
from monitor.evaluate import evaluate
from monitor.evaluate.frames import Frames, sampled_frames
from monitor.records.result import MonitorResult
from monitor.secrets import scrub
from monitor.store import Store, open_store

logger = logging.getLogger(__name__)

# Runs per monitor on the index pages: enough for months of hourly checks, small enough to render fast.
INDEX_RUNS = 1000


def write_recorded_report(
    config: Config, monitor: MonitorConfig, result: MonitorResult, frames: Frames, store: Store
) -> Path:
    """The report of a run just recorded, at ``result.report``; then prune and re-index."""
    assert result.report is not None
    written = build_report(config, monitor, result, frames, result.report)
    after_report(config, store, result.monitor, written)
    return written


def build_report(
    config: Config,
    monitor: MonitorConfig,
    result: MonitorResult,
    frames: Frames,
    path: Path,
    run: dict[str, Any] | None = None,
) -> Path:
    """The report of exactly this run's windows, stating the run's JSON document (``run``, by
    default ``result.to_dict()``)."""
    from monitor.reports.evidently import build_drift_report

    return build_drift_report(
        monitor_name=result.monitor,
        run=run if run is not None else result.to_dict(),
        reference=frames.reference,
        current=frames.current,
        prediction=monitor.prediction,
        target_column=monitor.target.column if monitor.target else None,
        max_rows=config.reports.max_rows,
        out_path=path,
        timestamp_column=monitor.source.timestamp,
        reports_dir=config.reports.dir,
        window_rows=frames.window_rows,
    )


def after_report(config: Config, store: Store, name: str, written: Path) -> None:
    """Prune the monitor's old reports and regenerate the index; failures are logged, never raised."""
    from monitor.reports.paths import prune_reports

    # The report just written stays even when it is older than `keep` (an old --at): the
    # run's JSON and its notifications name it.
    try:
        prune_reports(config.reports.dir, name, config.reports.keep, datetime.now(timezone.utc), [written])
    except OSError as exc:
        logger.error("monitor %s: old reports not pruned: %s", name, exc)
    refresh_index(config, store)


def refresh_index(config: Config, store: Store) -> list[Path]:
    """Rewrite ``reports.dir/index.html`` and each monitor's page from the store's run history."""
    from monitor.reports.history import all_history, segment_history
    from monitor.reports.index import write_index

    try:
        runs, segments = all_history(config, store, INDEX_RUNS), segment_history(config, store, INDEX_RUNS)
        return write_index(config.reports.dir, runs, segments)
    except (MonitorError, OSError) as exc:  # the report is written; a stale index is no reason to fail
        logger.error("report index under %s not updated: %s", config.reports.dir, scrub(str(exc)))
        return []


def report_for_window(config: Config, name: str, at: datetime, output: str | None) -> Path:
    """`monitor report`: the report of the windows ending at ``at`` (no run is recorded): from their
    rows, or, where the monitor's statistics are pushed down, from a sample the engine draws."""
    from monitor.reports.paths import report_path

    monitor = config.monitors[name]
    evaluation = evaluate(name, monitor, at)
    result, frames = evaluation.result, evaluation.frames
    if result.error:
        raise SourceError(result.error)
    if frames is None and result.compute != "local" and result.rows and result.reference_rows:
        # pushed down: the windows stay where they are; the engine draws the report's rows
        frames = sampled_frames(monitor, result, config.reports.max_rows)
    if frames is None and (result.rows and result.reference_rows):
        raise SourceError(f"monitor {name}: the windows could not be read")
    for which, window, rows in (
        ("current", result.windows.current, result.rows),
        ("reference", result.windows.reference, result.reference_rows),
    ):
        if rows == 0:  # a usage matter (pick another --at), not something unreachable
            raise ConfigError(
                f"--at: the {which} window of monitor {name} "
                f"[{window.start.isoformat()}, {window.end.isoformat()}) has no rows; nothing to report"
            )
    assert frames is not None
    run = {**result.to_dict(), "alerts": None}  # no rule is evaluated for a report alone
    if output is not None:
        return build_report(config, config.monitors[name], result, frames, Path(output), run)
    path = build_report(
        config, config.monitors[name], result, frames, report_path(config.reports.dir, name, at), run
    )
    store = open_store(config.store)
    try:  # not a run: nothing new to list, but the index now links this window's report
        after_report(config, store, name, path)
    finally:
        store.close()
    return path
