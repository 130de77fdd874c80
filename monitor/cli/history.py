"""`monitor history -c CONFIG -m NAME [--last 30]`: a monitor's runs in the terminal.

The same rows as the report index (time, window, rows, status, drifted columns,
performance against reference), newest first, under sparklines of the dataset
drift share and the main performance metric, oldest to newest.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.records.store import RunRecord

SPARK_BARS = "▁▂▃▄▅▆▇█"
STATUS_STYLES = {"ok": "green", "alert": "bold dark_orange", "no_data": "yellow", "error": "bold red"}
_MISSING = " "


def sparkline(values: Sequence[float | None], low: float | None = None, high: float | None = None) -> str:
    """One bar per value scaled between ``low`` and ``high`` (default: the values' range); gaps as spaces."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    if not known:
        return _MISSING * len(values)
    low = min(known) if low is None else low
    high = max(known) if high is None else high
    span = high - low
    bars = []
    for value in values:
        if value is None or not math.isfinite(value):
            bars.append(_MISSING)
            continue
        # A flat series sits mid-height rather than pretending to be at its minimum.
        share = 0.5 if span <= 0 else min(max((value - low) / span, 0.0), 1.0)
        bars.append(SPARK_BARS[round(share * (len(SPARK_BARS) - 1))])
    return "".join(bars)


def add_history_parser(commands: Any) -> None:
    """Register ``history`` on the ``monitor`` subcommands."""
    history = commands.add_parser("history", help="a monitor's past runs, with drift and performance trends")
    history.add_argument("-c", "--config", required=True)
    history.add_argument("-m", "--monitor", required=True, metavar="NAME")
    history.add_argument("--last", type=int, default=30, help="how many runs, newest first (default 30)")
    history.add_argument("--json", action="store_true", help="the runs as JSON, oldest window first")


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def _span(run: Any) -> str:
    seconds = int((run.window_end - run.window_start).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _table(name: str, runs: Sequence[Any]) -> Any:
    from rich.table import Table
    from rich.text import Text

    from monitor.results import LOWER_IS_BETTER

    metric_name = next((run.metric for run in runs if run.metric), None)
    table = Table(title=f"{name}: {len(runs)} run(s), newest first", title_justify="left")
    table.add_column("run (UTC)", min_width=10)
    table.add_column("window end", min_width=10)
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("drift", justify="right", no_wrap=True)
    table.add_column("drifted columns", overflow="fold", min_width=12, ratio=1)
    table.add_column(metric_name or "performance", justify="right", no_wrap=True)
    table.add_column("ref", justify="right", no_wrap=True)
    table.add_column("change", justify="right", no_wrap=True)
    for run in runs:
        same_metric = run.metric is not None and run.metric == metric_name
        current = run.metric_current if same_metric else None
        reference = run.metric_reference if same_metric else None
        change = Text("")
        if current is not None and reference is not None:
            delta = current - reference
            worse = delta > 0 if run.metric in LOWER_IS_BETTER else delta < 0
            change = Text(f"{delta:+.4f}", style="red" if worse else "dim")
        # Text() and not markup: column names and errors come from data and may hold [brackets].
        status = Text(run.status, style=STATUS_STYLES.get(run.status, ""))
        if run.error:
            status.append(f"\n{run.error}", style="red")
        table.add_row(
            _time(run.at),
            f"{_time(run.window_end)} ({_span(run)})",
            str(run.rows),
            status,
            _number(run.drift_share),
            Text(", ".join(run.drifted_columns)),
            _number(current),
            _number(reference),
            change,
        )
    return table


def _trends(runs: Sequence[Any]) -> list[str]:
    oldest_first = list(reversed(runs))
    drift = [run.drift_share for run in oldest_first]
    lines = [f"drift share  {sparkline(drift, 0.0, 1.0)}  (0 to 1, oldest to newest)"]
    metric = next((run.metric for run in runs if run.metric), None)
    if metric is not None:
        values = [run.metric_current if run.metric == metric else None for run in oldest_first]
        known = [v for v in values if v is not None]
        lines.append(f"{metric:<12} {sparkline(values)}  ({_number(min(known))} to {_number(max(known))})")
    return lines


def run_document(record: RunRecord) -> dict[str, Any]:
    """One stored run for scripts: when it ran, its windows, whether it was live, its verdict and
    the run's own JSON document (``result``, as ``monitor check --json`` printed it)."""
    return {
        "run_id": record.run_id,
        "started_at": record.started_at.isoformat(),
        "finished_at": record.finished_at.isoformat(),
        "window": {"start": record.window_start.isoformat(), "end": record.window_end.isoformat()},
        "rows": record.rows,
        "live": record.live,
        "status": record.status,
        "error": record.error,
        "drift_share": record.drift_share,
        "dataset_drift": record.dataset_drift,
        "report": record.report_path,
        "result": record.result,
    }


def run_history(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.text import Text

    from monitor.config import load_config
    from monitor.reports.history import monitor_history
    from monitor.store import open_store

    if args.last < 1:
        raise ConfigError(f"--last: give a number of runs of at least 1, not {args.last}")
    config = load_config(args.config)
    if args.monitor not in config.monitors:
        raise ConfigError(f"-m: unknown monitor {args.monitor!r} (monitors: {', '.join(config.monitors)})")
    store = open_store(config.store)
    try:
        if args.json:
            records = store.runs(args.monitor, last=args.last)
            print(json.dumps({"monitor": args.monitor, "runs": [run_document(r) for r in reversed(records)]}))
            return 0
        runs = monitor_history(config, store, args.monitor, args.last)
    finally:
        store.close()
    console = Console()
    if not runs:
        console.print(Text(f"{args.monitor}: no runs recorded yet (run `monitor check` first)"))
        return 0
    for line in _trends(runs):
        console.print(Text(line))
    # Rich crops a table wider than the console by default, and the last columns (the
    # performance, its reference and change) would silently vanish at the 80 columns that a
    # pipe or cron gets: longer lines are better than lost numbers.
    console.print(_table(args.monitor, runs), crop=False)
    return 0
