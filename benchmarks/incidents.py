"""Data-incident rules: the whole ``monitor check`` with every rule on against drift only.

    python benchmarks/incidents.py [--rows N ...] [--repeat K] [--source parquet|sqlite] [--json out.json]

For each N: N reference + N current rows x 23 columns (``drift_data``: 20 numerical,
2 categorical, 1 score) plus a ``transaction_id`` key, in one Parquet file (or SQLite). Two
configs over the same log, each run as a whole ``monitor check --json --dry-run`` process
(start-up, imports, reading, statistics), alternating, K times; the table shows the best
wall and CPU seconds and peak RSS of each, and their ratio:

- drift: ``dataset_drift`` only (today's check);
- all rules: ``dataset_drift`` + volume, freshness, schema, new_categories, out_of_range
  (every numerical column), duplicates (on ``transaction_id``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift import run_child  # noqa: E402
from drift_data import CURRENT_END, make_windows, write_config, write_parquet, write_sqlite  # noqa: E402

INCIDENT_RULES = """\
      - {rule: volume, min_ratio: 0.5}
      - {rule: freshness, max_age: 2h}
      - {rule: schema}
      - {rule: new_categories}
      - {rule: out_of_range}
      - {rule: duplicates, key: [transaction_id]}
"""


def write_configs(folder: Path, source: str) -> dict[str, Path]:
    drift_only = write_config(folder, source)
    text = drift_only.read_text(encoding="utf-8")
    every_rule = folder / "every-rule.yaml"
    every_rule.write_text(text + INCIDENT_RULES, encoding="utf-8")
    return {"drift": drift_only, "all rules": every_rule}


def check(config: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "monitor.cli", "check", "-c", str(config), "--json", "--dry-run"]
    run = run_child([*command, "--at", CURRENT_END.isoformat()])
    if run["code"] not in (0, 1):
        raise SystemExit(f"monitor check failed (exit {run['code']}): {config}")
    (result,) = json.loads(run["stdout"])["monitors"]
    if result["error"]:
        raise SystemExit(f"monitor check failed: {result['error']}")
    return {"seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"], "rss_mb": run["rss_mb"]}


def measure(rows: int, repeat: int, source_kind: str) -> dict[str, Any]:
    reference, current = make_windows(rows)
    reference["transaction_id"] = np.arange(rows)
    current["transaction_id"] = np.arange(rows, 2 * rows)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if source_kind == "parquet":
            write_parquet(reference, current, folder / "log.parquet")
            source = f'{{path: "{folder / "log.parquet"}", timestamp: timestamp}}'
        else:
            write_sqlite(reference, current, folder / "log.db")
            source = f'{{url: "sqlite:///{folder / "log.db"}", table: predictions, timestamp: timestamp}}'
        del reference, current
        configs = write_configs(folder, source)
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in configs}
        for _ in range(repeat):
            for label, config in configs.items():
                runs[label].append(check(config))
    best = {
        label: {key: min(run[key] for run in measured) for key in ("seconds", "cpu_seconds", "rss_mb")}
        for label, measured in runs.items()
    }
    return {"rows": rows, "source": source_kind, "repeat": repeat, "best": best, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--source", choices=["parquet", "sqlite"], default="parquet")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    results = [measure(rows, options.repeat, options.source) for rows in options.rows]
    print(
        f"{'rows (N + N)':>14} {'source':>8} {'drift s':>8} {'all s':>8} {'ratio':>6} "
        f"{'drift cpu':>9} {'all cpu':>8} {'ratio':>6} {'drift MB':>9} {'all MB':>7}"
    )
    for result in results:
        drift, every = result["best"]["drift"], result["best"]["all rules"]
        print(
            f"{result['rows']:>14,} {result['source']:>8} {drift['seconds']:>8.2f} {every['seconds']:>8.2f} "
            f"{every['seconds'] / drift['seconds']:>6.2f} {drift['cpu_seconds']:>9.2f} "
            f"{every['cpu_seconds']:>8.2f} {every['cpu_seconds'] / drift['cpu_seconds']:>6.2f} "
            f"{drift['rss_mb']:>9.0f} {every['rss_mb']:>7.0f}"
        )
    if options.json:
        machine = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": __import__("os").cpu_count(),
        }
        options.json.write_text(
            json.dumps({"machine": machine, "results": results}, indent=2), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
