"""`monitor check` and `monitor backfill`: runs of monitors, printed, and their exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitor.cli.exits import EXIT_FIRING, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, most_serious
from monitor.errors import ConfigError

if TYPE_CHECKING:  # the check path's modules (pandas, scipy) load only when a command needs them
    from monitor.config.models import Config
    from monitor.records.result import MonitorResult

# `monitor backfill` refuses more windows than this per monitor: a typo in --every should not
# start a year of minute-by-minute runs
MAX_BACKFILL_WINDOWS = 10_000


def add_check_parsers(commands: Any) -> None:
    check = commands.add_parser("check", help="run each (or the named) monitor once")
    check.add_argument("-c", "--config", required=True)
    check.add_argument("-m", "--monitor", action="append", dest="monitors", metavar="NAME")
    check.add_argument("--at", help="end of the window, ISO 8601 (default: now)")
    check.add_argument("--json", action="store_true", help="the JSON document on stdout")
    check.add_argument("--dry-run", action="store_true", help="evaluate and print; store and send nothing")

    backfill = commands.add_parser("backfill", help="record past windows as history, notifying nobody")
    backfill.add_argument("-c", "--config", required=True)
    backfill.add_argument("-m", "--monitor", action="append", dest="monitors", metavar="NAME")
    backfill.add_argument("--from", dest="start", required=True, help="end of the first window, ISO 8601")
    backfill.add_argument("--to", dest="end", required=True, help="no window ends after this, ISO 8601")
    backfill.add_argument("--every", help="between window ends, e.g. 1d (default: each monitor's window)")
    backfill.add_argument("--json", action="store_true", help="the JSON document on stdout")


def run_check(args: argparse.Namespace) -> int:
    from monitor.cli.times import parse_at
    from monitor.config import load_config

    config = load_config(args.config)  # before the heavy imports: a config error is reported at once
    at = parse_at(args.at, "--at")
    from monitor.runner import Checker
    from monitor.store import open_store

    store = None if args.dry_run else open_store(config.store)
    try:
        results = Checker(config, store, dry_run=args.dry_run).run(args.monitors, at)
        unreached: list[str] = []
        if store is not None:
            from monitor.alerts.dispatch import unreached_channels_after_check

            unreached = unreached_channels_after_check(config, store)
    finally:
        if store is not None:
            store.close()
    _print(results, args.json, dry_run=args.dry_run)
    failures = _report_failures(args.config, results, unreached)
    return most_serious([failures, *(result.exit_code for result in results)])


def run_backfill(args: argparse.Namespace) -> int:
    """Every window ending at --from, --from + every, ... up to --to, recorded as history."""
    from monitor.cli.times import parse_at, parse_every
    from monitor.config import load_config

    config = load_config(args.config)
    start, end = parse_at(args.start, "--from"), parse_at(args.end, "--to")
    if end < start:
        raise ConfigError(f"--to: {args.end} is before --from {args.start}")
    every = parse_every(args.every) if args.every else None
    from monitor.runner import Checker
    from monitor.store import open_store

    store = open_store(config.store)
    try:
        checker = Checker(config, store)
        plan = {
            name: _window_ends(config, name, start, end, every) for name in checker.selected(args.monitors)
        }
        results = [checker.run_monitor(name, at, history=True) for name, ends in plan.items() for at in ends]
        _refresh_index(config, store)
    finally:
        store.close()
    _print(results, args.json, dry_run=False)
    failures = _report_failures(args.config, results, [])
    # breaches of history are reported, not exit-coded
    return most_serious([failures, *(r.exit_code for r in results if r.exit_code != EXIT_FIRING)])


def _window_ends(
    config: Config, name: str, start: datetime, end: datetime, every: timedelta | None
) -> list[datetime]:
    step = every or config.monitors[name].window
    count = int((end - start) / step) + 1
    if count > MAX_BACKFILL_WINDOWS:
        raise ConfigError(
            f"--every: {count} windows of monitor {name} between --from and --to; "
            f"at most {MAX_BACKFILL_WINDOWS} per backfill (give a longer --every or a shorter span)"
        )
    return [start + step * index for index in range(count)]


def _refresh_index(config: Config, store: Any) -> None:
    if config.reports.when == "never":
        return
    from monitor.reports.run import refresh_index

    refresh_index(config, store)


def _print(results: Sequence[MonitorResult], as_json: bool, *, dry_run: bool) -> None:
    if as_json:
        print(json.dumps({"monitors": [result.to_dict() for result in results]}, indent=2))
        return
    from rich.console import Console

    from monitor.cli.render import render_results

    # no emoji codes: a column named ":fire:" is printed as it is named
    render_results(list(results), Console(soft_wrap=True, emoji=False), dry_run=dry_run)


def _report_failures(config_file: str, results: Sequence[MonitorResult], unreached: Sequence[str]) -> int:
    """One line on stderr per monitor that could not be checked and for unreached channels;
    the exit code those call for (0 when none).

    A config mistake found in the data (a column the source lacks) is 2, like every config
    error; a source that cannot be read, or a channel left with undelivered or refused
    notifications, is 3.
    """
    codes = []
    for result in results:
        if result.error is None:
            continue
        where = f"{config_file}: " if result.exit_code == EXIT_USAGE else ""
        print(f"monitor: error: {where}{result.error}", file=sys.stderr)
        codes.append(result.exit_code)
    if unreached:
        print(
            f"monitor: error: channel(s) {', '.join(unreached)} could not be reached or refused; "
            "undelivered notifications stay in the outbox for the next run",
            file=sys.stderr,
        )
        codes.append(EXIT_UNREACHABLE)
    return most_serious(codes) if codes else EXIT_OK
