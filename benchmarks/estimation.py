"""Performance estimation: our CBPE and DLE against NannyML 0.13's, at 100k and 1M rows.

    python benchmarks/estimation.py [--rows 100000 1000000] [--json estimation.json]

Each measurement runs in a fresh process (so peak memory is its own): fit on ``rows``
reference rows, then estimate ``rows`` analysis rows in 10 chunks, as a monitor does with its
windows. Reported: wall and CPU seconds (fit + estimate; CPU counts every thread, so it is the
fairer figure on a busy machine) and the process's peak RSS above what it held after its
imports. CBPE: a binary model (scores from a Beta distribution, labels drawn from them, so
calibration is tested and applied). DLE: a regression model with 5 numerical and 1
categorical features; both sides train LightGBM's default model, ours on one thread, NannyML's
on every core (its default). NannyML needs the dev extra (pip install -e ".[dev]").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CHUNKS = 10


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _binary(rows: int, seed: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    score = rng.beta(0.7, 0.9, rows)
    label = (rng.uniform(size=rows) < np.clip(score * 1.1 - 0.05, 0, 1)).astype(int)
    start = pd.Timestamp("2026-01-01")
    return pd.DataFrame(
        {
            "timestamp": start + pd.to_timedelta(np.arange(rows), unit="s"),
            "y_pred_proba": score,
            "y_pred": (score >= 0.5).astype(int),
            "y_true": label,
        }
    )


def _regression(rows: int, seed: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    features = {f"x{i}": rng.normal(size=rows) for i in range(5)}
    features["kind"] = rng.choice(["a", "b", "c", "d"], rows)
    truth = (
        3 * features["x0"] + np.sin(features["x1"]) + (features["kind"] == "a") * 2 + rng.normal(size=rows)
    )
    noise = rng.normal(size=rows) * (1 + np.abs(features["x2"]))
    start = pd.Timestamp("2026-01-01")
    return pd.DataFrame(
        {
            "timestamp": start + pd.to_timedelta(np.arange(rows), unit="s"),
            **features,
            "y_true": truth,
            "y_pred": truth + noise,
        }
    )


FEATURES = ["x0", "x1", "x2", "x3", "x4", "kind"]
METRICS = ["roc_auc", "accuracy", "precision", "recall", "f1"]


def _ours(method: str, reference: Any, analysis: Any) -> None:
    import numpy as np

    chunks = np.array_split(np.arange(len(analysis)), CHUNKS)
    if method == "cbpe":
        from monitor.stats.estimation import cbpe

        truth = reference["y_true"].to_numpy()
        model = cbpe.fit_binary(
            truth, reference["y_pred_proba"].to_numpy(float), reference["y_pred"].to_numpy(), METRICS
        )
        for rows in chunks:
            part = analysis.iloc[rows]
            cbpe.estimate_binary(
                model, part["y_pred_proba"].to_numpy(float), part["y_pred"].to_numpy(), METRICS
            )
    else:
        from monitor.stats.estimation import dle

        fitted = dle.fit(reference, FEATURES, "y_pred", "y_true", ["mae", "rmse"])
        for rows in chunks:
            dle.estimate(fitted, analysis.iloc[rows], ["mae", "rmse"])


def _import_nannyml() -> Any:
    """NannyML with its telemetry off; pyspark hidden from FLAML, which would start Spark."""
    os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"
    sys.modules["pyspark"] = None  # type: ignore[assignment]
    import nannyml

    del sys.modules["pyspark"]
    return nannyml


def _nannyml(method: str, reference: Any, analysis: Any) -> None:
    nannyml = _import_nannyml()

    if method == "cbpe":
        estimator = nannyml.CBPE(
            y_pred_proba="y_pred_proba",
            y_pred="y_pred",
            y_true="y_true",
            metrics=METRICS,
            chunk_number=CHUNKS,
            problem_type="classification_binary",
        )
    else:
        estimator = nannyml.DLE(
            feature_column_names=FEATURES,
            y_pred="y_pred",
            y_true="y_true",
            metrics=["mae", "rmse"],
            chunk_number=CHUNKS,
        )
    estimator.fit(reference).estimate(analysis.drop(columns=["y_true"]))


def measure(tool: str, method: str, rows: int) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    import warnings

    warnings.simplefilter("ignore")
    make = _binary if method == "cbpe" else _regression
    reference, analysis = make(rows, 1), make(rows, 2)
    if tool == "nannyml":
        _import_nannyml()  # before the baseline: its import is not the work
    else:
        import lightgbm  # noqa: F401
        import sklearn.isotonic  # noqa: F401
        import sklearn.model_selection  # noqa: F401
    baseline = _peak_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    (_ours if tool == "monitor" else _nannyml)(method, reference, analysis)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "cpu_seconds": cpu,
        "tool": tool,
        "method": method,
        "rows": rows,
        "seconds": seconds,
        "peak_mb": _peak_mb() - baseline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", nargs=3, metavar=("TOOL", "METHOD", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tool, method, rows = args.one
        print(json.dumps(measure(tool, method, int(rows))))
        return
    results = []
    for rows in args.rows:
        for method in ("cbpe", "dle"):
            for tool in ("monitor", "nannyml"):
                child = subprocess.run(
                    [sys.executable, __file__, "--one", tool, method, str(rows)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results.append(json.loads(child.stdout.strip().splitlines()[-1]))
                row = results[-1]
                print(
                    f"{row['method']:5} {row['rows']:>9,} rows  {row['tool']:8} "
                    f"{row['seconds']:8.2f} s wall {row['cpu_seconds']:8.2f} s CPU {row['peak_mb']:8.0f} MB",
                    flush=True,
                )
    load = os.getloadavg()[0]
    print(f"\nload average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(
            json.dumps({"load": load, "cores": os.cpu_count(), "results": results}, indent=2)
        )


if __name__ == "__main__":
    main()
