"""Steady-state load of the daemon: 20 monitors of 100k-row windows, each due every minute.

    python benchmarks/daemon_load.py [--monitors 20] [--rows 100000] [--ticks 3] [--json out.json]

Drives ``monitor.runner.Checker`` in-process (what each daemon job calls), one dry run per
monitor per tick, and reports the CPU seconds (``time.process_time``: every thread of this
process) and wall seconds of each run. The load is sustainable when one tick's runs, done
one after another, take well under the minute before the next tick is due; with the
daemon running jobs side by side the bound is CPU seconds per minute against 60 x cores.
Each monitor reads its own copy of the log, so no run is served from another's pages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift_data import CURRENT_END, make_windows, write_config, write_parquet  # noqa: E402

SCHEDULE_SECONDS = 60.0


def run_ticks(config_path: Path, ticks: int) -> list[list[dict[str, float]]]:
    from monitor.config import load_config
    from monitor.runner import Checker

    config = load_config(config_path)
    checker = Checker(config, None, dry_run=True)
    runs: list[list[dict[str, float]]] = []
    for _ in range(ticks):
        tick: list[dict[str, float]] = []
        for name in config.monitors:
            started, cpu_started = time.perf_counter(), time.process_time()
            result = checker.run_monitor(name, CURRENT_END)
            if result.error:
                raise SystemExit(f"{name}: {result.error}")
            tick.append({"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu_started})
        runs.append(tick)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--monitors", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000, help="rows per window (reference and current)")
    parser.add_argument("--ticks", type=int, default=3, help="scheduled minutes to simulate")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="daemon-load-") as temporary:
        folder = Path(temporary)
        reference, current = make_windows(args.rows)
        write_parquet(reference, current, folder / "log-00.parquet")
        for index in range(1, args.monitors):
            shutil.copy(folder / "log-00.parquet", folder / f"log-{index:02d}.parquet")
        config = write_config(folder, "SOURCE", monitors=args.monitors)
        text = config.read_text()
        # one log file per monitor, in monitor order
        for index in range(args.monitors):
            source = f'{{path: "{folder / f"log-{index:02d}.parquet"}", timestamp: timestamp}}'
            text = text.replace("source: SOURCE", f"source: {source}", 1)
        config.write_text(text)
        runs = run_ticks(config, args.ticks)
    report(runs, args)


def report(runs: list[list[dict[str, float]]], args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    print(
        f"{args.monitors} monitors x ({args.rows:,} + {args.rows:,} rows x 23 columns), "
        f"every minute, {cores} cores"
    )
    print(
        f"{'tick':>4} {'runs':>4} {'CPU s/run':>9} {'max CPU s':>9} {'wall s/run':>10} "
        f"{'tick wall s':>11} {'in time':>7}"
    )
    summary: dict[str, Any] = {"monitors": args.monitors, "rows": args.rows, "cores": cores, "ticks": []}
    for index, tick in enumerate(runs):
        cpu = [run["cpu"] for run in tick]
        wall = [run["wall"] for run in tick]
        in_time = sum(wall) < SCHEDULE_SECONDS
        summary["ticks"].append(
            {
                "cpu_per_run": statistics.mean(cpu),
                "cpu_max": max(cpu),
                "wall_per_run": statistics.mean(wall),
                "tick_wall": sum(wall),
                "tick_cpu": sum(cpu),
                "in_time": in_time,
            }
        )
        print(
            f"{index:>4} {len(tick):>4} {statistics.mean(cpu):9.3f} {max(cpu):9.3f} "
            f"{statistics.mean(wall):10.3f} {sum(wall):11.2f} {'yes' if in_time else 'NO':>7}"
        )
    steady = summary["ticks"][1:] or summary["ticks"]  # the first tick also pays one-time imports
    cpu_per_minute = statistics.mean(t["tick_cpu"] for t in steady)
    all_in_time = all(t["in_time"] for t in summary["ticks"])
    print(
        f"steady state: {cpu_per_minute:.1f} CPU s per minute of schedule "
        f"({100 * cpu_per_minute / (SCHEDULE_SECONDS * cores):.0f}% of {cores} cores); "
        f"every tick done before the next is due: {'yes' if all_in_time else 'NO'}"
    )
    summary["cpu_seconds_per_minute"] = cpu_per_minute
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
