"""Drift benchmark: our statistics, ``monitor check`` and Evidently's DataDriftPreset on the same windows.

    python benchmarks/drift.py [--rows N ...] [--json out.json] [--no-evidently] [--wide] [--scaling]

For each N: N reference + N current rows x (20 numerical + 2 categorical + 1 score) columns,
written to a Parquet file and (up to --sqlite-max-rows) a SQLite table. Each measurement
runs in its own process, so its peak RSS is its own (``os.wait4``):

- ours: ``dataset_drift`` + the score's ``column_drift`` in-process (reading not timed);
- check: ``monitor check --json --dry-run`` as a whole process (start-up, imports, reading);
- Evidently: ``Dataset.from_pandas`` + ``Report([DataDriftPreset()]).run`` (import not timed).

``max rel diff`` is the largest relative difference between any of our scores (from the
check's JSON) and Evidently's. ``--wide`` adds 100k + 100k rows x 1,000 numerical columns
(Evidently only with ``--wide-evidently``: it takes very long); ``--scaling`` prints how our
time grows with rows (against n log n) and with columns.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift_data import (  # noqa: E402
    CURRENT_END,
    SCORE,
    make_windows,
    postgres_database,
    write_config,
    write_parquet,
    write_postgres,
    write_sqlite,
)

HERE = Path(__file__).resolve().parent
DEFAULT_ROWS = [10_000, 100_000, 1_000_000]
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
# `monitor check` as when no ADBC driver is installed: SQL windows read through SQLAlchemy
WITHOUT_ADBC = (
    "import sys; from monitor.sources import arrowsql; arrowsql.load_driver = lambda backend: None; "
    "from monitor.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def run_child(command: list[str], *, show_stderr: bool = False) -> dict[str, Any]:
    """Wall and CPU seconds, peak RSS (MB), exit code and stdout of one child process.

    Peak RSS is the child's ``VmHWM``, polled while it runs: ``ru_maxrss`` (getrusage or
    wait4) would also count the memory of this process, which the child had before exec.
    CPU seconds (user + system, all threads) come from ``wait4``: on a shared machine they
    move less than wall time when other work competes for the cores.
    """
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        stderr = None if show_stderr else subprocess.DEVNULL
        child = subprocess.Popen(command, stdout=output, stderr=stderr, env=_child_env())
        peak_kb = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, high_water_kb(child.pid))
            time.sleep(0.025)  # VmHWM only grows: a slow poll misses at most the last moments
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode()
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "rss_mb": peak_kb / 1024,
        "code": child.returncode,
        "stdout": text,
    }


def high_water_kb(pid: int | str) -> int:
    """Peak resident memory of a live process, from /proc (0 once it has exited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _child_env() -> dict[str, str]:
    return {**os.environ, "EVIDENTLY_DISABLE_TELEMETRY": "1"}


def worker(mode: str, folder: Path) -> dict[str, Any]:
    run = run_child([sys.executable, str(HERE / "drift_workers.py"), mode, str(folder)])
    if run["code"] != 0:
        raise SystemExit(f"{mode} worker failed (exit {run['code']})")
    measured = json.loads(run["stdout"])
    # the worker's own reading at its end is exact; polling may miss a last-moment peak
    return {**measured, "rss_mb": max(run["rss_mb"], measured.pop("peak_mb", 0.0))}


def monitor_check(config: Path, *, show_progress: bool = False, without_adbc: bool = False) -> dict[str, Any]:
    script = Path(sys.executable).with_name("monitor")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]
    if without_adbc:
        command = [sys.executable, "-c", WITHOUT_ADBC]
    command += ["check", "-c", str(config), "--json", "--dry-run", "--at", CURRENT_END.isoformat()]
    run = run_child(command, show_stderr=show_progress and sys.stderr.isatty())
    if run["code"] not in (0, 1):
        raise SystemExit(f"monitor check failed (exit {run['code']}): {config}")
    (result,) = json.loads(run["stdout"])["monitors"]
    scores = {column["column"]: column["score"] for column in result["drift"]["columns"]}
    if result["prediction_drift"]:
        scores[SCORE] = result["prediction_drift"]["score"]
    return {
        "seconds": run["seconds"],
        "cpu_seconds": run["cpu_seconds"],
        "rss_mb": run["rss_mb"],
        "scores": scores,
    }


def max_relative_difference(ours: dict[str, float | None], theirs: dict[str, float]) -> float:
    if set(ours) != set(theirs):
        raise SystemExit(f"different columns: {sorted(set(ours) ^ set(theirs))}")
    worst = 0.0
    for column, value in theirs.items():
        mine = ours[column]
        if mine is None:
            return math.inf
        worst = max(worst, abs(mine - value) / max(abs(value), 1e-300))
    return worst


def measure(rows: int, numerical: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Every measurement of one table size, in ``folder``."""
    print(f"-- {rows:,} + {rows:,} rows x {numerical + 3} columns: writing the log", file=sys.stderr)
    reference, current = make_windows(rows, numerical=numerical)
    write_parquet(reference, current, folder / "log.parquet")
    with_sqlite = rows <= args.sqlite_max_rows and numerical <= 100
    if with_sqlite:
        write_sqlite(reference, current, folder / "log.db")
    postgres_url = None
    if with_sqlite and args.postgres:
        postgres_url = args.stack.enter_context(postgres_database(args.postgres, f"drift_{rows}"))
        write_postgres(reference, current, postgres_url)
    del reference, current
    result: dict[str, Any] = {"rows": rows, "columns": numerical + 3}
    result["ours"] = worker("ours", folder)
    parquet_config = write_config(
        folder, f'{{path: "{folder / "log.parquet"}", timestamp: timestamp}}', numerical
    )
    result["check_parquet"] = monitor_check(parquet_config, show_progress=numerical >= 100)
    if with_sqlite:
        sql_urls = {"sqlite": f"sqlite:///{folder / 'log.db'}", "postgres": postgres_url}
        for database, url in sql_urls.items():
            if url is None:
                continue
            sql_dir = folder / database
            sql_dir.mkdir(exist_ok=True)
            source = f"{{url: '{url}', table: predictions, timestamp: timestamp}}"
            config = write_config(sql_dir, source, numerical)
            result[f"check_{database}"] = monitor_check(config)
            if args.sql_fallback:
                result[f"check_{database}_sqlalchemy"] = monitor_check(config, without_adbc=True)
    wants_evidently = args.wide_evidently if numerical > 20 else rows <= args.evidently_max_rows
    if wants_evidently and not args.no_evidently:
        print(f"   Evidently's DataDriftPreset on {rows:,} rows (slow)", file=sys.stderr)
        evidently = worker("evidently", folder)
        result["evidently"] = evidently
        result["speedup_check"] = evidently["seconds"] / result["check_parquet"]["seconds"]
        result["speedup_stats"] = evidently["seconds"] / result["ours"]["seconds"]
        result["speedup_check_cpu"] = evidently["cpu_seconds"] / result["check_parquet"]["cpu_seconds"]
        result["max_rel_diff"] = max(
            max_relative_difference(result["check_parquet"]["scores"], evidently["scores"]),
            max_relative_difference(result["ours"]["scores"], evidently["scores"]),
        )
    return result


def scaling(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    settings = {
        "rows": [10_000, 30_000, 100_000, 300_000, 1_000_000],
        "column_rows": 100_000,
        "columns": [10, 50, 100, 200, 400],
        "repeat": 3,
    }
    (folder / "scaling.json").write_text(json.dumps(settings))
    curves = worker("scaling", folder)
    base = curves["by_rows"][-1]
    for point in curves["by_rows"]:  # seconds / (n log n), relative to the largest n: flat means n log n
        n = point["rows"]
        point["per_n_log_n"] = (
            point["seconds"] / (n * math.log(n)) / (base["seconds"] / (base["rows"] * math.log(base["rows"])))
        )
    for point in curves["by_columns"]:
        point["ms_per_column"] = 1000 * point["seconds"] / point["columns"]
    return curves


def _cell(result: dict[str, Any], key: str, field: str, form: str) -> str:
    return format(result[key][field], form) if key in result else "-"


def print_table(results: list[dict[str, Any]]) -> None:
    """Seconds are wall time; "cpu" columns are CPU seconds (all threads) of the same run."""
    header = (
        f"{'rows':>11} {'cols':>5} {'ours s':>7} {'ours cpu':>8} {'check pq s':>10} {'check cpu':>9} "
        f"{'check sql s':>11} {'Evidently s':>11} {'Evid. cpu':>9} {'x check':>7} {'x cpu':>5} "
        f"{'x stats':>7} {'ours MB':>7} {'check MB':>8} {'Evid. MB':>8} {'max rel diff':>12}"
    )
    print(header)
    for result in results:
        speedup = result.get("speedup_check")
        print(
            f"{result['rows']:>11,} {result['columns']:>5} {_cell(result, 'ours', 'seconds', '7.3f')} "
            f"{_cell(result, 'ours', 'cpu_seconds', '8.3f')} "
            f"{_cell(result, 'check_parquet', 'seconds', '10.2f')} "
            f"{_cell(result, 'check_parquet', 'cpu_seconds', '9.2f')} "
            f"{_cell(result, 'check_sqlite', 'seconds', '11.2f')} "
            f"{_cell(result, 'evidently', 'seconds', '11.2f')} "
            f"{_cell(result, 'evidently', 'cpu_seconds', '9.2f')} "
            f"{format(speedup, '7.1f') if speedup else '-':>7} "
            f"{format(result['speedup_check_cpu'], '5.1f') if speedup else '-':>5} "
            f"{format(result['speedup_stats'], '7.0f') if speedup else '-':>7} "
            f"{_cell(result, 'ours', 'rss_mb', '7.0f')} {_cell(result, 'check_parquet', 'rss_mb', '8.0f')} "
            f"{_cell(result, 'evidently', 'rss_mb', '8.0f')} "
            f"{format(result['max_rel_diff'], '12.1e') if 'max_rel_diff' in result else '-':>12}"
        )


SQL_CHECKS = [
    ("check_sqlite", "SQLite, ADBC"),
    ("check_sqlite_sqlalchemy", "SQLite, SQLAlchemy"),
    ("check_postgres", "PostgreSQL, ADBC"),
    ("check_postgres_sqlalchemy", "PostgreSQL, SQLAlchemy"),
]


def print_sql_table(results: list[dict[str, Any]]) -> None:
    """``monitor check`` from each SQL source against the same check from Parquet."""
    print(f"\n{'rows':>11} {'source':<24} {'check s':>8} {'cpu s':>6} {'MB':>6} {'x Parquet':>9}")
    for result in results:
        if "check_parquet" not in result:
            continue
        parquet = result["check_parquet"]
        rows = [("check_parquet", "Parquet")] + [check for check in SQL_CHECKS if check[0] in result]
        for key, label in rows:
            run = result[key]
            print(
                f"{result['rows']:>11,} {label:<24} {run['seconds']:8.2f} {run['cpu_seconds']:6.2f} "
                f"{run['rss_mb']:6.0f} {run['seconds'] / parquet['seconds']:9.2f}"
            )


def print_scaling(curves: dict[str, Any]) -> None:
    print(
        "\nour statistics against rows (23 columns); per n log n relative to the largest n (flat = n log n)"
    )
    for point in curves["by_rows"]:
        print(
            f"  {point['rows']:>11,} rows  {point['seconds']:8.3f} s"
            f"   per n log n {point['per_n_log_n']:5.2f}"
        )
    print("our statistics against columns (100k + 100k rows); ms per column (flat = linear)")
    for point in curves["by_columns"]:
        per_column = point["ms_per_column"]
        print(f"  {point['columns']:>11,} cols  {point['seconds']:8.3f} s   {per_column:6.2f} ms/column")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=DEFAULT_ROWS)
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--no-evidently", action="store_true")
    parser.add_argument("--evidently-max-rows", type=int, default=1_000_000, help="larger N: ours only")
    parser.add_argument("--sqlite-max-rows", type=int, default=1_000_000, help="larger N: no SQL sources")
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL server URL ('' skips PostgreSQL)")
    parser.add_argument(
        "--sql-fallback",
        action="store_true",
        help="also check SQL sources without ADBC (the SQLAlchemy path)",
    )
    parser.add_argument("--wide", action="store_true", help="also 100k + 100k rows x 1,000 numerical columns")
    parser.add_argument("--wide-evidently", action="store_true", help="run Evidently on the wide case too")
    parser.add_argument("--scaling", action="store_true", help="print the rows and columns curves")
    parser.add_argument("--no-tables", action="store_true", help="skip the --rows runs")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="drift-bench-") as temporary, ExitStack() as stack:
        args.stack = stack  # PostgreSQL databases, dropped at the end
        root = Path(temporary)
        cases = [] if args.no_tables else [(rows, 20) for rows in args.rows]
        cases += [(100_000, 1000)] if args.wide else []
        for rows, numerical in cases:
            folder = root / f"{rows}x{numerical}"
            folder.mkdir()
            results.append(measure(rows, numerical, args, folder))
            print_table(results[-1:])
        curves = scaling(args, root) if args.scaling else None
    print()
    print_table(results)
    print_sql_table(results)
    if curves:
        print_scaling(curves)
    if args.json:
        document = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "results": results,
            "scaling": curves,
        }
        args.json.write_text(json.dumps(document, indent=2, default=float))


if __name__ == "__main__":
    main()
