"""A scheduled check with and without the cached reference profile, and a pushed-down run's report.

    .venv/bin/python benchmarks/reference_cache.py                      # 1M and 10M reference rows
    .venv/bin/python benchmarks/reference_cache.py --rows 1000000 --json out.json

The log of ``drift_data.py`` (23 columns: 20 numerical of several shapes, 2 text, a score):
N reference rows over January, C current rows (``--current``, default 100,000: a scheduled
run's window) over February, in Parquet and, at ``--sqlite-at`` rows, in SQLite. Each check
is a fresh ``monitor check --json`` process over an absolute reference (``compute: local``);
wall and CPU seconds and peak RSS as in ``drift.py``. Files are no longer cached (these
figures are why): run it on a checkout that still caches them to see their rows again.

- ``no cache``: ``--dry-run`` (no store, so no cache): both windows read, as before;
- ``first run``: a fresh store: both windows read, the reference's profile built and saved;
- ``cached``: the same check again: only the current window read, the reference rebuilt from
  the profile. ``max rel diff``: the largest relative difference of its scores from ``no cache``.

Then, on the smallest Parquet log, ``compute: pushdown`` with ``reports: {when: always}``
against ``when: never``: the memory a report drawn from an engine sample costs.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from drift import run_child  # noqa: E402
from drift_data import (  # noqa: E402
    CATEGORICAL,
    CURRENT_END,
    CURRENT_START,
    REFERENCE_START,
    SCORE,
    numerical_names,
    window_frame,
)

CHUNK = 1_000_000


def write_log(reference_rows: int, current_rows: int, parquet: Path, sqlite: Path | None) -> None:
    """The log, a million rows at a time (bounded memory), to Parquet and optionally SQLite."""
    rng = np.random.default_rng(0)
    writer: pq.ParquetWriter | None = None
    connection = sqlite3.connect(sqlite) if sqlite is not None else None
    for start, end, rows, shifted in (
        (REFERENCE_START, CURRENT_START, reference_rows, False),
        (CURRENT_START, CURRENT_END, current_rows, True),
    ):
        chunks = max(1, math.ceil(rows / CHUNK))
        span = (end - start) / chunks
        for index in range(chunks):
            size = min(CHUNK, rows - index * CHUNK)
            frame = window_frame(
                size, start + index * span, span - timedelta(microseconds=1), rng, shifted, 20
            )
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(parquet, table.schema, coerce_timestamps="us")
            writer.write_table(table, row_group_size=256 * 1024)
            if connection is not None:
                frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
                frame.to_sql("predictions", connection, index=False, chunksize=50_000, if_exists="append")
    assert writer is not None
    writer.close()
    if connection is not None:
        connection.execute("CREATE INDEX predictions_ts ON predictions (timestamp)")
        connection.commit()
        connection.close()


def config(folder: Path, source: str, store: str, reports: str = "never") -> Path:
    names = ", ".join(numerical_names(20))
    text = f"""\
store: sqlite:///{folder / store}
reports: {{dir: {folder / "reports"}, max_rows: 50000, when: {reports}}}
monitors:
  bench:
    source: {source}
    features:
      numerical: [{names}]
      categorical: [{", ".join(CATEGORICAL)}]
    prediction: {{score: {SCORE}, task: classification}}
    reference: {{start: "{REFERENCE_START:%Y-%m-%d}", end: "{CURRENT_START:%Y-%m-%d}"}}
    window: {(CURRENT_END - CURRENT_START).days}d
    alerts:
      - {{rule: dataset_drift}}
"""
    path = folder / f"{store}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def check(path: Path, *extra: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "monitor.cli", "check", "-c", str(path), "--json", *extra]
    run = run_child([*command, "--at", CURRENT_END.isoformat()])
    result: dict[str, Any] = {k: run[k] for k in ("seconds", "cpu_seconds", "rss_mb", "code")}
    try:
        monitor = json.loads(run["stdout"])["monitors"][0]
    except (ValueError, IndexError, KeyError):
        result["error"] = run["stdout"][-500:]
        return result
    result["compute"] = monitor["compute"]
    result["error"] = monitor["error"]
    result["report"] = monitor.get("report")
    scores = {c["column"]: c["score"] for c in (monitor["drift"] or {"columns": []})["columns"]}
    if monitor["prediction_drift"]:
        scores["prediction"] = monitor["prediction_drift"]["score"]
    result["scores"] = scores
    return result


def max_relative_difference(scores: dict[str, Any], expected: dict[str, Any]) -> float:
    worst = 0.0
    for column, value in expected.items():
        got = scores.get(column)
        if value is None or got is None:
            if value is not got:
                return math.inf
            continue
        worst = max(worst, abs(got - value) / max(abs(value), 1e-300))
    return worst


def cache_bytes(store: Path) -> int | None:
    try:
        with sqlite3.connect(store) as connection:
            row = connection.execute("SELECT MAX(LENGTH(payload)) FROM monitor_cache").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0]) if row and row[0] is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--current", type=int, default=100_000)
    parser.add_argument("--sqlite-at", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="a folder to keep the data in (default: a temporary one)")
    arguments = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temporary:
        root = arguments.keep or Path(temporary)
        root.mkdir(parents=True, exist_ok=True)
        for rows in arguments.rows:
            folder = root / f"reference_{rows}"
            folder.mkdir(exist_ok=True)
            parquet, sqlite = folder / "log.parquet", folder / "log.db"
            with_sqlite = rows == arguments.sqlite_at
            if not parquet.exists():
                clock = time.perf_counter()
                write_log(rows, arguments.current, parquet, sqlite if with_sqlite else None)
                print(
                    f"wrote {rows:,} + {arguments.current:,} rows in {time.perf_counter() - clock:.0f}s",
                    file=sys.stderr,
                )
            sources = {"parquet": f'{{path: "{parquet}", timestamp: timestamp, compute: local}}'}
            if with_sqlite:
                sources["sqlite"] = (
                    f'{{url: "sqlite:///{sqlite}", table: predictions, timestamp: timestamp, compute: local}}'
                )
            for family, source in sources.items():
                store = f"{family}-state.db"
                (folder / store).unlink(missing_ok=True)
                plain = check(config(folder, source, store), "--dry-run")
                cases = [("no cache", plain), ("first run", check(config(folder, source, store)))]
                cases.append(("cached", check(config(folder, source, store))))
                for case, result in cases:
                    size = None if case == "no cache" else cache_bytes(folder / store)
                    result.update(rows=rows, case=f"{family} {case}", profile_bytes=size)
                    if case != "no cache" and "scores" in result and "scores" in plain:
                        result["max_rel_diff"] = max_relative_difference(result["scores"], plain["scores"])
                    results.append(result)
                    print(
                        f"{family} {case} {rows:,}: {result['seconds']:.1f}s {result['rss_mb']:.0f} MB",
                        file=sys.stderr,
                    )
        smallest = root / f"reference_{min(arguments.rows)}"  # pushdown at 10M takes many minutes here
        pushdown = f'{{path: "{smallest / "log.parquet"}", timestamp: timestamp, compute: pushdown}}'
        for when in ("never", "always"):
            result = check(config(smallest, pushdown, f"pushdown-{when}.db", f"{when}"))
            result.update(rows=min(arguments.rows), case=f"pushdown report {when}", profile_bytes=None)
            results.append(result)
            print(
                f"pushdown report {when}: {result['seconds']:.1f}s {result['rss_mb']:.0f} MB", file=sys.stderr
            )
    print(table_of(results, arguments.current))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2, default=str))


def table_of(results: list[dict[str, Any]], current: int) -> str:
    lines = [
        f"reference rows x 23 columns; current window {current:,} rows",
        f"{'reference':>12} {'case':<24} {'engine':<8} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} "
        f"{'profile MB':>10} {'max rel diff':>12}",
    ]
    for result in results:
        difference = result.get("max_rel_diff")
        size = result.get("profile_bytes")
        lines.append(
            f"{result['rows']:>12,} {result['case']:<24} {str(result.get('compute')):<8} "
            f"{result['seconds']:>7.1f} "
            f"{result['cpu_seconds']:>7.1f} {result['rss_mb']:>8.0f} "
            f"{'-' if size is None else f'{size / 1e6:.0f}':>10} "
            f"{'-' if difference is None else f'{difference:.1e}':>12}"
            + (f"  error: {result['error']}" if result.get("error") else "")
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
