"""Segments: the whole ``monitor check`` with 20 segments against the same check unsegmented.

    python benchmarks/segments.py [--rows N ...] [--segments 20] [--repeat K] [--json out.json]

For each N: N reference + N current rows x 23 columns (``drift_data``: 20 numerical,
2 categorical, 1 score) plus a ``segment`` column of ``--segments`` values of unequal sizes
(the largest about 5 times the smallest), in one Parquet file. Two configs over the same
log, each run as a whole ``monitor check --json --dry-run`` process (start-up, imports,
reading, statistics), alternating, K times; the table shows the best wall and CPU seconds
and peak RSS of each, and their ratios:

- whole: the monitor as today (``dataset_drift``), the segment column not read;
- segmented: ``segments: {by: [segment], top: S, min_rows: 200}``, every segment checked
  besides the whole monitor (drift of every column, dataset share, prediction drift).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift import run_child  # noqa: E402
from drift_data import CURRENT_END, make_windows, write_config, write_parquet  # noqa: E402


def segment_values(rows: int, count: int, rng: np.random.Generator) -> np.ndarray:
    weights = np.linspace(5.0, 1.0, count)
    names = np.array([f"S{index:02d}" for index in range(count)], dtype=object)
    return rng.choice(names, rows, p=weights / weights.sum())


def write_configs(folder: Path, source: str, segments: int) -> dict[str, Path]:
    whole = write_config(folder, source)
    text = whole.read_text(encoding="utf-8")
    segmented = folder / "segmented.yaml"
    block = f"    segments: {{by: [segment], top: {segments}, min_rows: 200}}\n    alerts:\n"
    segmented.write_text(text.replace("    alerts:\n", block, 1), encoding="utf-8")
    return {"whole": whole, "segmented": segmented}


def check(config: Path, segments: int | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "monitor.cli", "check", "-c", str(config), "--json", "--dry-run"]
    run = run_child([*command, "--at", CURRENT_END.isoformat()])
    if run["code"] not in (0, 1):
        raise SystemExit(f"monitor check failed (exit {run['code']}): {config}")
    (result,) = json.loads(run["stdout"])["monitors"]
    if result["error"]:
        raise SystemExit(f"monitor check failed: {result['error']}")
    if segments is not None and len(result["segments"]) != segments:
        raise SystemExit(f"expected {segments} segments checked, got {len(result['segments'])}")
    return {"seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"], "rss_mb": run["rss_mb"]}


def measure(rows: int, segments: int, repeat: int) -> dict[str, Any]:
    rng = np.random.default_rng(14)
    reference, current = make_windows(rows)
    reference["segment"] = segment_values(rows, segments, rng)
    current["segment"] = segment_values(rows, segments, rng)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_parquet(reference, current, folder / "log.parquet")
        del reference, current
        source = f'{{path: "{folder / "log.parquet"}", timestamp: timestamp}}'
        configs = write_configs(folder, source, segments)
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in configs}
        for _ in range(repeat):
            for label, config in configs.items():
                runs[label].append(check(config, segments if label == "segmented" else None))
    best = {
        label: {key: min(run[key] for run in measured) for key in ("seconds", "cpu_seconds", "rss_mb")}
        for label, measured in runs.items()
    }
    return {"rows": rows, "segments": segments, "repeat": repeat, "best": best, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--segments", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    load_before = os.getloadavg()
    results = [measure(rows, options.segments, options.repeat) for rows in options.rows]
    load_after = os.getloadavg()
    print(
        f"{'rows (N + N)':>14} {'segs':>5} {'whole s':>8} {'seg s':>8} {'ratio':>6} "
        f"{'whole cpu':>9} {'seg cpu':>8} {'ratio':>6} {'whole MB':>9} {'seg MB':>7} {'ratio':>6}"
    )
    for result in results:
        whole, segmented = result["best"]["whole"], result["best"]["segmented"]
        print(
            f"{result['rows']:>14,} {result['segments']:>5} {whole['seconds']:>8.2f} "
            f"{segmented['seconds']:>8.2f} {segmented['seconds'] / whole['seconds']:>6.2f} "
            f"{whole['cpu_seconds']:>9.2f} {segmented['cpu_seconds']:>8.2f} "
            f"{segmented['cpu_seconds'] / whole['cpu_seconds']:>6.2f} {whole['rss_mb']:>9.0f} "
            f"{segmented['rss_mb']:>7.0f} {segmented['rss_mb'] / whole['rss_mb']:>6.2f}"
        )
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    if options.json:
        machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
        document = {
            "machine": machine,
            "load_before": load_before,
            "load_after": load_after,
            "results": results,
        }
        options.json.write_text(json.dumps(document, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
