"""How long an HTML drift report takes, how much memory, and how big the file is, for large windows.

    .venv/bin/python benchmarks/report.py                       # 1M current + 1M reference rows
    .venv/bin/python benchmarks/report.py --rows 100000 --json benchmarks/report.json

Each size runs in a fresh subprocess so its peak memory (ru_maxrss: the whole
process, windows included, as in ``monitor check``) is its own. The run's JSON document the
page states is computed first with monitor's statistics (not timed: the check has it).
Targets (issue 16): a report of the default cap (max_rows 50000) in < 5 s, the page
(without the renderer shared in ``_static/``) < 500 KB; earlier (issue 4): < 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

TARGET_SECONDS, TARGET_MEMORY_MB, TARGET_FILE_MB = 5.0, 1536.0, 0.5
WINDOW_END = datetime(2026, 3, 8, tzinfo=timezone.utc)


def _window(rows: int, numerical: int, categorical: int, shift: float, seed: int, start: datetime) -> Any:
    """A prediction log: ``numerical`` float and ``categorical`` string features, a score, labels."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    span_ns = int(timedelta(days=7).total_seconds() * 1e9)
    columns: dict[str, Any] = {
        "timestamp": pd.to_datetime(start) + pd.to_timedelta(np.sort(rng.integers(0, span_ns, rows)), "ns"),
    }
    for index in range(numerical):
        columns[f"num_{index}"] = rng.normal(shift * (index % 3 == 0), 1.0 + index / 10, rows)
    for index in range(categorical):
        # Shared str objects, as pyarrow's to_pandas (deduplicate_objects) gives for Parquet sources.
        categories = np.array([f"c{index}_{value}" for value in range(5 + 3 * index)], dtype=object)
        columns[f"cat_{index}"] = categories[rng.integers(0, len(categories), rows)]
    score = rng.beta(1.0, 6.0 - min(shift, 3.0), rows)
    columns["score"] = score
    columns["label_pred"] = (score > 0.5).astype(np.int64)
    target = (rng.random(rows) < score).astype(float)
    target[rows - rows // 10 :] = np.nan  # labels arrive late
    columns["label"] = target
    return pd.DataFrame(columns)


def _run_document(
    reference: Any, current: Any, numerical: list[str], categorical: list[str]
) -> dict[str, Any]:
    """The run's JSON document (docs/reference.md) for these windows, from monitor's statistics."""
    from monitor.config.models import DriftConfig
    from monitor.stats import column_drift, dataset_drift, performance_metrics

    drift = dataset_drift(reference, current, numerical, categorical, DriftConfig())

    def entry(column: Any) -> dict[str, Any]:
        return {
            "column": column.column,
            "kind": column.kind,
            "method": column.method,
            "score": column.score,
            "threshold": column.threshold,
            "drifted": column.drifted,
        }

    labelled = {
        name: frame.dropna(subset=["label"]) for name, frame in (("ref", reference), ("cur", current))
    }
    metrics = {
        name: performance_metrics("classification", frame["label"], frame["label_pred"], frame["score"])
        for name, frame in labelled.items()
    }
    score = entry(column_drift("score", reference["score"], current["score"], "numerical"))
    score.pop("kind")

    def window(frame: Any) -> dict[str, Any]:
        return {
            "start": frame["timestamp"].min().isoformat(),
            "end": frame["timestamp"].max().isoformat(),
            "rows": len(frame),
        }

    return {
        "monitor": "benchmark",
        "window": window(current),
        "reference": window(reference),
        "drift": {
            "share": drift.share,
            "dataset_drift": drift.dataset_drift,
            "columns": [entry(c) for c in drift.columns],
        },
        "prediction_drift": score,
        "performance": {
            "rows_with_target": len(labelled["cur"]),
            "metrics": [
                {"metric": m, "current": metrics["cur"][m], "reference": metrics["ref"].get(m), "drop": None}
                for m in metrics["cur"]
            ],
        },
        "data_quality": {"columns": []},
        "alerts": [],
        "report": None,
        "error": None,
    }


def measure(
    rows: int, reference_rows: int, numerical: int, categorical: int, max_rows: int
) -> dict[str, Any]:
    """Build one report in this process; the figures of that run."""
    from monitor.config.models import PredictionConfig

    start = WINDOW_END - timedelta(days=7)
    reference = _window(reference_rows, numerical, categorical, 0.0, 1, start - timedelta(days=30))
    current = _window(rows, numerical, categorical, 0.5, 2, start)
    run = _run_document(
        reference, current, [f"num_{i}" for i in range(numerical)], [f"cat_{i}" for i in range(categorical)]
    )
    rss_before = _rss_mb()
    with tempfile.TemporaryDirectory() as directory:
        out_path = Path(directory) / "benchmark" / "report.html"
        clock = time.perf_counter()
        # the import is timed too: `monitor check` pays it on its first report
        from monitor.reports.evidently import build_drift_report

        build_drift_report(
            monitor_name="benchmark",
            run=run,
            reference=reference,
            current=current,
            prediction=PredictionConfig(column="label_pred", score="score"),
            target_column="label",
            max_rows=max_rows,
            out_path=out_path,
            timestamp_column="timestamp",
            reports_dir=Path(directory),
        )
        seconds = time.perf_counter() - clock
        size_mb = out_path.stat().st_size / 2**20
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "rows": rows,
        "reference_rows": reference_rows,
        "columns": numerical + categorical + 3,
        "max_rows": max_rows,
        "seconds": round(seconds, 2),
        "windows_mb": round(rss_before, 1),
        "peak_mb": round(peak_mb, 1),
        "report_mb": round(peak_mb - rss_before, 1),
        "file_mb": round(size_mb, 2),
        "ok": seconds < TARGET_SECONDS and peak_mb < TARGET_MEMORY_MB and size_mb < TARGET_FILE_MB,
    }


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _run_isolated(args: argparse.Namespace, rows: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--one",
        "--rows",
        str(rows),
        "--reference-rows",
        str(args.reference_rows or rows),
        "--numerical",
        str(args.numerical),
        "--categorical",
        str(args.categorical),
        "--max-rows",
        str(args.max_rows),
    ]
    env = {**os.environ, "EVIDENTLY_DISABLE_TELEMETRY": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _print_table(results: list[dict[str, Any]]) -> None:
    header = (
        f"{'rows':>9} {'ref rows':>9} {'cols':>4} {'cap':>6} {'seconds':>8} "
        f"{'windows MB':>10} {'peak MB':>8} {'page MB':>8}  ok"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['rows']:>9} {r['reference_rows']:>9} {r['columns']:>4} {r['max_rows']:>6} "
            f"{r['seconds']:>8.2f} {r['windows_mb']:>10.1f} {r['peak_mb']:>8.1f} {r['file_mb']:>8.2f}  "
            f"{'yes' if r['ok'] else 'NO'}"
        )
    print(
        f"targets: < {TARGET_SECONDS:.0f} s, < {TARGET_MEMORY_MB:.0f} MB peak, page < {TARGET_FILE_MB} MB "
        "(+ the renderer, 3.5 MB once per reports folder)"
    )
    print("windows MB: the process before the report starts (both windows in memory); peak MB: the whole run")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="current window rows (repeatable)")
    parser.add_argument("--reference-rows", type=int, default=0, help="default: as many as --rows")
    parser.add_argument("--numerical", type=int, default=14)
    parser.add_argument("--categorical", type=int, default=6)
    parser.add_argument("--max-rows", type=int, default=50000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.rows or [1_000_000]
    if args.one:
        figures = measure(
            sizes[0], args.reference_rows or sizes[0], args.numerical, args.categorical, args.max_rows
        )
        print(json.dumps(figures))
        return 0
    results = [_run_isolated(args, rows) for rows in sizes]
    _print_table(results)
    if args.json:
        args.json.write_text(json.dumps({"results": results}, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
