"""`monitor history -c CONFIG -m NAME [--last 30]`: a monitor's runs in the terminal.

Sparklines, oldest window to newest: the dataset drift share (0 to 1), the main
performance metric (on its own range, printed beside it) and each column's drift score
(on its own scale, bars past the column's threshold in red; columns that drifted in the
newest window first). Then the same rows as the report index (window, run time, rows,
status, drifted columns, performance against reference), newest window first, history
runs marked.
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
# Column trends printed before the table; the rest are counted, and all are in --json.
MAX_TREND_COLUMNS = 12
STATUS_STYLES = {"ok": "green", "alert": "bold dark_orange", "no_data": "yellow", "error": "bold red"}
_MISSING = " "


def sparkline(values: Sequence[float | None], low: float | None = None, high: float | None = None) -> str:
    """One bar per value scaled between ``low`` and ``high`` (default: the values' range); gaps as spaces."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    if not known:
        return _MISSING * len(values)
    low = min(known) if low is None else low
    high = max(known) if high is None else high
    return "".join(_bar(value, low, high) for value in values)


def _bar(value: float | None, low: float, high: float) -> str:
    if value is None or not math.isfinite(value):
        return _MISSING
    span = high - low
    # A flat series sits mid-height rather than pretending to be at its minimum.
    share = 0.5 if span <= 0 else min(max((value - low) / span, 0.0), 1.0)
    return SPARK_BARS[round(share * (len(SPARK_BARS) - 1))]


def add_history_parser(commands: Any) -> None:
    """Register ``history`` on the ``monitor`` subcommands."""
    history = commands.add_parser("history", help="a monitor's past runs, with drift and performance trends")
    history.add_argument("-c", "--config", required=True)
    history.add_argument("-m", "--monitor", required=True, metavar="NAME")
    history.add_argument(
        "--last", type=int, default=30, help="the runs of how many of the newest windows (default 30)"
    )
    history.add_argument("--json", action="store_true", help="the runs as JSON, oldest window first")
    history.add_argument(
        "--segment",
        metavar="SEGMENT",
        help="one segment's runs, named as in alert subjects, e.g. country=DE or country=DE,channel=web",
    )


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

    from monitor.records.result import LOWER_IS_BETTER

    metric_name = next((run.metric for run in runs if run.metric), None)
    # a title is markup: a name (or a segment value) holding [brackets] is escaped
    title = Text(f"{name}: {len(runs)} run(s), newest window first")
    table = Table(title=title, title_justify="left")
    table.add_column("window end", min_width=10)
    table.add_column("run (UTC)", min_width=10)
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
        if not run.live:  # an older window checked later, or a backfill: it changed no alert
            status.append("\nhistory", style="dim")
        if run.error:
            status.append(f"\n{run.error}", style="red")
        table.add_row(
            f"{_time(run.window_end)} ({_span(run)})",
            _time(run.at),
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
    lines = [f"drift share  {sparkline(drift, 0.0, 1.0)}  (0 to 1, oldest to newest window)"]
    metric = next((run.metric for run in runs if run.metric), None)
    if metric is not None:
        values = [run.metric_current if run.metric == metric else None for run in oldest_first]
        known = [v for v in values if v is not None]
        if known:
            span = f"{_number(min(known))} to {_number(max(known))}"
            lines.append(f"{metric:<12} {sparkline(values)}  ({span}, its own scale)")
    return lines


COLUMN_TRENDS_TITLE = (
    "drift score per column, oldest to newest window: each on its own scale from 0 to its largest "
    "score or threshold (p-values 0 to 1), red bars past its threshold; drifted in the newest window first"
)


def _column_trends(runs: Sequence[Any]) -> tuple[Any, int]:
    """A table of per-column drift sparklines, most pressing first, and how many were left out."""
    from rich.table import Table
    from rich.text import Text

    from monitor.reports.columns import column_trends

    oldest_first = list(reversed(runs))
    trends, left_out = column_trends([run.column_scores for run in oldest_first], MAX_TREND_COLUMNS)
    table = Table(box=None, show_edge=False, pad_edge=False)
    table.add_column("column", overflow="fold")
    table.add_column("method", overflow="fold")
    table.add_column("drift at", justify="right", no_wrap=True)
    table.add_column("trend", no_wrap=True)
    table.add_column("newest", justify="right", no_wrap=True)
    # the red bars are lost in a pipe or a log file: the count of drifted windows is not
    table.add_column("drifted", justify="right", no_wrap=True)
    for trend in trends:
        high = trend.scale_high()
        bars = Text()
        for score, past in zip(trend.scores, trend.drifted, strict=True):
            bars.append(_bar(score, 0.0, high), style="bold red" if past else "")
        newest = Text(_number(trend.newest), style="bold red" if trend.drifted_now else "")
        count = f"{sum(trend.drifted)} of {len(trend.known)}"
        # Text() and not markup: column names come from data and may hold [brackets].
        table.add_row(Text(trend.column), Text(trend.method), trend.threshold_text, bars, newest, count)
    return table, left_out


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


def _segment_records(monitor: str, records: list[RunRecord], segment: str) -> list[RunRecord]:
    """The runs as ``segment`` saw them; a segment no run knows is a usage error naming those known."""
    from monitor.reports.segments import known, segment_names, segment_record

    if records and not known(records, segment):
        names = ", ".join(segment_names(records)[:20]) or "none: the monitor has no segments"
        raise ConfigError(
            f"--segment: no run of {monitor} checked or skipped {segment!r} (segments: {names})"
        )
    return [segment_record(record, segment) for record in records]


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
        records = store.runs(args.monitor, last=args.last)
        if args.segment is not None:
            records = _segment_records(args.monitor, records, args.segment)
        if args.json:
            document: dict[str, Any] = {"monitor": args.monitor}
            if args.segment is not None:
                document["segment"] = args.segment
            document["runs"] = [run_document(r) for r in reversed(records)]
            print(json.dumps(document))
            return 0
        runs = monitor_history(config, store, args.monitor, args.last, args.segment)
    finally:
        store.close()
    console = Console()
    if not runs:
        console.print(Text(f"{args.monitor}: no runs recorded yet (run `monitor check` first)"))
        return 0
    for line in _trends(runs):
        console.print(Text(line))
    columns, left_out = _column_trends(runs)
    if columns.row_count:
        console.print(Text(COLUMN_TRENDS_TITLE))
        console.print(columns, crop=False)
    if left_out:
        console.print(Text(f"... {left_out} more column(s) left out; `--json` has every score"))
    # Rich crops a table wider than the console by default, and the last columns (the
    # performance, its reference and change) would silently vanish at the 80 columns that a
    # pipe or cron gets: longer lines are better than lost numbers.
    shown = args.monitor if args.segment is None else f"{args.monitor} [{args.segment}]"
    console.print(_table(shown, runs), crop=False)
    return 0
