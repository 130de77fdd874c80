"""Multivariate drift: ours against NannyML 0.13 on the same windows (time, CPU, peak memory).

    python benchmarks/multivariate.py [--rows 100000 1000000] [--methods pca_reconstruction domain_classifier]
                                      [--no-nannyml] [--json out.json]

The data: N reference rows and N/10 current rows of car-loan-like features (4 numerical,
two of them correlated, 1% missing in one; 3 categorical of 3-6 values); the current window's
correlation is weakened, so both methods see drift. The reference spans 10 days and the
window one day: our ``pca_reconstruction`` fits on the reference (10 reference pieces for its
bounds) and scores the window; NannyML's ``DataReconstructionDriftCalculator`` with
``chunk_period="D"`` fits (10 reference chunks) and calculates the window (one chunk).
``domain_classifier`` has nothing to fit: ours scores the window against the whole
reference; NannyML's ``calculate`` on the window as one chunk is timed (its ``fit`` also
scores every reference chunk against the reference, which a monitor never needs, so it is
not counted).

Each measurement runs in its own process. "peak MB" is the growth of the process's peak
resident memory during the measured call (``VmHWM`` reset through ``/proc/self/clear_refs``
just before it, minus the resident size then): the data itself is not counted. "cpu" is
user + system seconds of all threads (LightGBM uses every core).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NUMERICAL = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_windows(rows: int, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    generator = np.random.default_rng(seed)

    def window(count: int, start: datetime, days: int, correlation: float) -> pd.DataFrame:
        value = generator.lognormal(10, 0.5, count)
        salary = np.clip(value / 20_000 + generator.normal(0, 0.3, count), 0, 4).astype(int)
        income_share = correlation * (value - value.mean()) / value.std() + np.sqrt(1 - correlation**2) * (
            generator.standard_normal(count)
        )
        ratio = 1 / (1 + np.exp(-income_share))
        ratio[generator.random(count) < 0.01] = np.nan
        seconds = np.sort(generator.uniform(0, days * 86_400, count))
        return pd.DataFrame(
            {
                "timestamp": pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s"),
                "car_value": value,
                "debt_to_income_ratio": ratio,
                "loan_length": generator.integers(6, 48, count).astype(float),
                "driver_tenure": generator.exponential(3, count),
                "salary_range": np.array(["0 - 20K", "20K - 40K", "40K - 60K", "60K+", "60K+ "])[salary],
                "repaid_loan_on_prev_car": generator.random(count) < 0.7,
                "size_of_downpayment": generator.choice(["0%", "10%", "20%", "30%", "40%", "50%"], count),
            }
        )

    reference = window(rows, START, 10, 0.8)
    current = window(rows // 10, START + timedelta(days=10), 1, 0.6)
    return reference, current


def peak_reset() -> int:
    """Reset the peak resident size; the resident size now, in kB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def worker(side: str, method: str, rows: int) -> dict[str, Any]:
    reference, current = make_windows(rows)
    if side == "nannyml":
        os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"
        sys.modules["pyspark.pandas"] = None  # type: ignore[assignment]  # FLAML would start Spark
        import nannyml  # noqa: F401  # imported before timing: its import is not counted
    else:  # what NannyML's import brings in is imported here too, before timing
        import lightgbm  # noqa: F401
        import sklearn.decomposition  # noqa: F401
        import sklearn.metrics  # noqa: F401
        import sklearn.model_selection  # noqa: F401
        import sklearn.preprocessing  # noqa: F401

        import monitor.stats.multivariate  # noqa: F401
    run = _ours(method, reference, current) if side == "ours" else _nannyml(method, reference, current)
    before = peak_reset()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    score = run()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    peak_mb = (_status_kb("VmHWM") - before) / 1024
    return {
        "side": side,
        "method": method,
        "rows": rows,
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak_mb,
        "score": score,
    }


def _ours(method: str, reference: pd.DataFrame, current: pd.DataFrame) -> Callable[[], float | None]:
    from monitor.config.models import MultivariateConfig
    from monitor.stats.multivariate import Windowed, multivariate_drift

    data = Windowed(reference, current, "timestamp", START, timedelta(days=1))
    config = MultivariateConfig.model_validate({"method": method})
    return lambda: multivariate_drift(data, NUMERICAL, CATEGORICAL, config).score


def _nannyml(method: str, reference: pd.DataFrame, current: pd.DataFrame) -> Callable[[], float | None]:
    import nannyml as nml

    for frame in (reference, current):
        frame["timestamp"] = frame["timestamp"].dt.tz_localize(None)
    features = [*NUMERICAL, *CATEGORICAL]
    if method == "pca_reconstruction":

        def reconstruction() -> float:
            calculator = nml.DataReconstructionDriftCalculator(
                column_names=features, timestamp_column_name="timestamp", chunk_period="D"
            )
            calculator.fit(reference)
            result = calculator.calculate(current).filter(period="analysis").to_df()
            return float(result[("reconstruction_error", "value")].iloc[0])

        return reconstruction
    # fitted (untimed) on a small sample split in two chunks, then given the whole reference:
    # calculate() then does exactly what a monitor's window needs
    calculator = nml.DomainClassifierCalculator(feature_column_names=features, chunk_number=2)
    calculator.fit(reference.iloc[:2000])
    calculator._reference_X = reference[features].reset_index(drop=True)
    calculator.chunker = nml.chunk.SizeBasedChunker(chunk_size=len(current))

    def classifier() -> float:
        result = calculator.calculate(current).filter(period="analysis").to_df()
        return float(result[("domain_classifier_auroc", "value")].iloc[0])

    return classifier


def measure(side: str, method: str, rows: int) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", side, method, str(rows)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{side} {method} {rows}: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=["pca_reconstruction", "domain_classifier"])
    parser.add_argument("--no-nannyml", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--worker", nargs=3, metavar=("SIDE", "METHOD", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        side, method, rows = args.worker
        print(json.dumps(worker(side, method, int(rows))))
        return
    sides = ["ours"] if args.no_nannyml else ["ours", "nannyml"]
    results = []
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(
        f"{'method':<20} {'reference rows':>14} {'side':<8} {'seconds':>8} {'cpu':>8} "
        f"{'peak MB':>8} {'score':>10}"
    )
    for method in args.methods:
        for rows in args.rows:
            for side in sides:
                row = measure(side, method, rows)
                results.append(row)
                print(
                    f"{method:<20} {rows:>14,} {side:<8} {row['seconds']:>8.2f} {row['cpu']:>8.2f} "
                    f"{row['peak_mb']:>8.0f} {row['score']:>10.6f}",
                    flush=True,
                )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"load_average": os.getloadavg(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
