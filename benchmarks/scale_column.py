"""One column at 1M, 10M and 100M rows per window: ``monitor check`` local and pushed down (DuckDB).

    .venv/bin/python benchmarks/scale_column.py [--rows 1000000 10000000 100000000] [--no-local-above N]
                                                [--keep DIR] [--json out.json]

Issue 13 asks for the 100M-row case; 100M + 100M rows x 23 columns is ~37 GB of values,
more than this machine holds (24 GB) and than its disk takes as a scratch Parquet file in
reasonable time. So the costliest column kind is measured alone at each size, and the 23
columns are extrapolated from it, stated as such: a column of distinct floats (normal, no
ties), whose Kolmogorov-Smirnov/Wasserstein statistic needs a sort of the union of both
windows (a repeated column groups its values first and costs less). The log holds the
timestamp and that column; the monitor has one numerical feature, no prediction, and
``method: auto`` (Wasserstein above 1,000 reference rows, as Evidently picks it).

Each check is a fresh ``monitor check --json --dry-run`` process (``scale.check``: wall,
CPU = user + system of the process and its threads, peak RSS = ``VmHWM``). Pushdown runs
DuckDB 2 in the process with ``memory_limit: 512MB`` and a spill directory, as ``scale.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from drift_data import CURRENT_END, CURRENT_START, REFERENCE_START  # noqa: E402
from scale import check, written_log  # noqa: E402

CHUNK = 2_000_000
DUCKDB = "duckdb: {memory_limit: 512MB, threads: 2, temp_directory: '%s'}"
COLUMNS_EXTRAPOLATED = 23


def write_log(rows: int, path: Path) -> None:
    """N reference rows then N current rows (the current window shifted), a chunk at a time."""
    rng = np.random.default_rng(0)
    schema = pa.schema([("timestamp", pa.timestamp("us", tz="UTC")), ("num_00", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start, end, shift in ((REFERENCE_START, CURRENT_START, 0.0), (CURRENT_START, CURRENT_END, 0.05)):
            chunks = max(1, math.ceil(rows / CHUNK))
            span = (end - start) / chunks
            for index in range(chunks):
                size = min(CHUNK, rows - index * CHUNK)
                offsets = np.sort(
                    rng.integers(0, int((span - timedelta(microseconds=1)).total_seconds() * 1e6), size)
                )
                base = int((start + index * span).timestamp() * 1e6)
                table = pa.table(
                    {
                        "timestamp": pa.array(base + offsets, pa.timestamp("us", tz="UTC")),
                        "num_00": rng.normal(shift, 1.0, size),
                    },
                    schema=schema,
                )
                writer.write_table(table, row_group_size=256 * 1024)


def write_config(folder: Path, source: str) -> Path:
    text = f"""\
store: sqlite:///{folder / "state.db"}
reports: {{dir: {folder / "reports"}, when: never}}
monitors:
  bench:
    source: {source}
    features: {{numerical: [num_00]}}
    reference: {{start: "{REFERENCE_START:%Y-%m-%d}", end: "{CURRENT_START:%Y-%m-%d}"}}
    window: {(CURRENT_END - CURRENT_START).days}d
    schedule: {{every: 1m}}
    alerts:
      - {{rule: dataset_drift}}
"""
    path = folder / "monitor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000, 100_000_000])
    parser.add_argument("--no-local-above", type=int, default=100_000_000, help="skip compute: local above")
    parser.add_argument("--keep", type=Path, help="a folder to keep the data in (default: a temporary one)")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temporary:
        root = arguments.keep or Path(temporary)
        for rows in arguments.rows:
            parquet = written_log(root / f"column_{rows}", rows, write_log)
            folder = parquet.parent
            cases = [
                (
                    "pushdown",
                    f'{{path: "{parquet}", timestamp: timestamp, compute: pushdown, '
                    f"{DUCKDB % (folder / 'spill')}}}",
                )
            ]
            if rows <= arguments.no_local_above:
                cases.insert(0, ("local", f'{{path: "{parquet}", timestamp: timestamp, compute: local}}'))
            scores: dict[str, float] = {}
            for name, source in cases:
                result = check(folder, name, source, write_config)
                result.update(rows=rows, load_average=os.getloadavg()[0])
                if result.get("scores", {}).get("num_00") is not None:
                    scores[name] = result["scores"]["num_00"]
                print(f"{name} {rows:,}: {result['seconds']:.1f}s {result['rss_mb']:.0f} MB", file=sys.stderr)
                results.append(result)
            if len(scores) == 2:
                difference = abs(scores["pushdown"] - scores["local"]) / max(abs(scores["local"]), 1e-300)
                for result in results[-2:]:
                    result["rel_diff"] = difference
    print_table(results)
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        f"{'rows':>12} {'case':<9} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'rel diff':>9}"
        f" {'x23 wall s':>11} {'x23 cpu s':>10}"
    )
    for result in results:
        difference = f"{result['rel_diff']:.1e}" if "rel_diff" in result else "-"
        wall, cpu = result["seconds"], result["cpu_seconds"]
        print(
            f"{result['rows']:>12,} {result['case']:<9} {wall:>8.1f} {cpu:>8.1f}"
            f" {result['rss_mb']:>8.0f} {difference:>9}"
            f" {wall * COLUMNS_EXTRAPOLATED:>11.0f} {cpu * COLUMNS_EXTRAPOLATED:>10.0f}"
        )


if __name__ == "__main__":
    main()
