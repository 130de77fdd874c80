"""The measured halves of ``benchmarks/drift.py``, each run in its own process so that its
peak memory (``ru_maxrss`` of that child) is its own.

    python benchmarks/drift_workers.py ours|evidently|scaling DATA_DIR

prints one JSON object on stdout: seconds of the timed part and the scores.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift_data import CATEGORICAL, CURRENT_START, SCORE, make_windows, numerical_names  # noqa: E402


def load_windows(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The two windows of the benchmark's Parquet log (reading is not timed)."""
    import pyarrow.parquet as pq

    frame = pq.read_table(folder / "log.parquet").to_pandas()
    split = int(frame["timestamp"].searchsorted(pd.Timestamp(CURRENT_START)))
    numerical = [name for name in frame.columns if name.startswith("num_")]
    return frame.iloc[:split].reset_index(drop=True), frame.iloc[split:].reset_index(drop=True), numerical


def ours(folder: Path) -> dict[str, Any]:
    from monitor.config.models import DriftConfig
    from monitor.stats import column_drift, dataset_drift

    reference, current, numerical = load_windows(folder)
    started, cpu_started = time.perf_counter(), time.process_time()
    drift = dataset_drift(reference, current, numerical, CATEGORICAL, DriftConfig())
    prediction = column_drift(SCORE, reference[SCORE], current[SCORE], "numerical")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    scores = {column.column: column.score for column in [*drift.columns, prediction]}
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "scores": scores, "share": drift.share}


def evidently(folder: Path) -> dict[str, Any]:
    os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    reference, current, numerical = load_windows(folder)
    started, cpu_started = time.perf_counter(), time.process_time()
    definition = DataDefinition(numerical_columns=[*numerical, SCORE], categorical_columns=CATEGORICAL)
    snapshot = Report([DataDriftPreset()]).run(
        current_data=Dataset.from_pandas(current, data_definition=definition),
        reference_data=Dataset.from_pandas(reference, data_definition=definition),
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    scores = {
        metric["config"]["column"]: metric["value"]
        for metric in snapshot.dict()["metrics"]
        if metric["config"]["type"].endswith(":ValueDrift")
    }
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "scores": scores}


def scaling(folder: Path) -> dict[str, Any]:
    """Our statistics' seconds against rows (23 columns) and against columns (100k rows)."""
    from monitor.config.models import DriftConfig
    from monitor.stats import dataset_drift

    settings = json.loads((folder / "scaling.json").read_text())

    def timed(rows: int, columns: int) -> float:
        reference, current = make_windows(rows, numerical=columns, seed=rows + columns)
        names = [*numerical_names(columns), SCORE]
        best = float("inf")
        for _ in range(settings["repeat"]):  # the best of a few: the machine is shared
            started = time.perf_counter()
            dataset_drift(reference, current, names, CATEGORICAL, DriftConfig())
            best = min(best, time.perf_counter() - started)
        return best

    by_rows = [{"rows": rows, "seconds": timed(rows, 20)} for rows in settings["rows"]]
    by_columns = [
        {"columns": columns + 3, "seconds": timed(settings["column_rows"], columns)}
        for columns in settings["columns"]
    ]
    return {"by_rows": by_rows, "by_columns": by_columns}


WORKERS = {"ours": ours, "evidently": evidently, "scaling": scaling}


def peak_mb() -> float:
    """This process's peak resident memory since exec (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    print(json.dumps({**WORKERS[mode](folder), "peak_mb": peak_mb()}))
