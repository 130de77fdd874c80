"""Reports for runs: where the checker and `monitor report` turn a window into an HTML file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from monitor.config.models import Config, MonitorConfig
from monitor.errors import SourceError
from monitor.results import MonitorResult


def write_run_report(
    config: Config,
    monitor: MonitorConfig,
    result: MonitorResult,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    out_path: Path | None = None,
) -> Path:
    """The Evidently drift report of exactly this run's windows, with the run's methods and thresholds."""
    from monitor.reports.evidently import build_drift_report
    from monitor.reports.paths import report_path

    window = result.windows.current
    path = out_path or report_path(config.reports.dir, result.monitor, window.end)
    return build_drift_report(
        monitor_name=result.monitor,
        reference=reference,
        current=current,
        numerical=result.numerical,
        categorical=result.categorical,
        drift=monitor.drift,
        prediction=monitor.prediction,
        target_column=monitor.target.column if monitor.target else None,
        window_start=window.start,
        window_end=window.end,
        max_rows=config.reports.max_rows,
        out_path=path,
    )


def report_for_window(config: Config, name: str, at: datetime, output: str | None) -> Path:
    """`monitor report`: read the windows ending at ``at`` and write their report."""
    from monitor.runner import Checker

    result, frames = Checker(config, None, dry_run=True).evaluate(name, at)
    if result.error or frames is None:
        raise SourceError(result.error or f"monitor {name}: the windows could not be read")
    return write_run_report(
        config, config.monitors[name], result, *frames, out_path=Path(output) if output else None
    )
