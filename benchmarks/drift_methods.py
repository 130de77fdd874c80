"""Time of each Evidently stattest beyond the defaults, ours against Evidently 0.7.23's, on one
column of two windows (the same cleaned values to both).

    python benchmarks/drift_methods.py [--rows 1000 10000 100000] [--json out.json]

Evidently's permutation tests (TVD, empirical_mmd) and text drift take from seconds to
minutes: they run only up to ``--peer-max-rows`` (default 2,000) rows per window; above,
only ours is timed. empirical_mmd is limited to 10,000 rows in all (docs/reference.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")

NUMERICAL = ["anderson", "cramer_von_mises", "ed", "es", "mannw", "t_test", "empirical_mmd"]
CATEGORICAL = ["g_test", "fisher_exact", "TVD"]
TEXT = ["abs_text_content_drift"]
WORDS = np.array(["price", "delivery", "refund", "broken", "great", "slow", "support", "late", "scam"])


def _windows(kind: str, method: str, rows: int) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(rows)
    if kind == "numerical":
        return pd.Series(rng.normal(0, 1, rows)), pd.Series(rng.normal(0.05, 1, rows))
    if kind == "categorical":
        values = ["a", "b"] if method == "fisher_exact" else ["a", "b", "c", "d"]
        return pd.Series(rng.choice(values, rows)), pd.Series(rng.choice(values, rows))
    texts = [" ".join(rng.choice(WORDS, 6)) for _ in range(2 * rows)]
    return pd.Series(texts[:rows], dtype=object), pd.Series(texts[rows:], dtype=object)


def _seconds(call: Any) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--peer-max-rows", type=int, default=2000)
    parser.add_argument("--json")
    args = parser.parse_args()

    from evidently.legacy.calculations.stattests import get_stattest
    from evidently.legacy.core import ColumnType

    from monitor.stats import column_drift

    types = {
        "numerical": ColumnType.Numerical,
        "categorical": ColumnType.Categorical,
        "text": ColumnType.Text,
    }
    rows_out: list[dict[str, Any]] = []
    print(f"{'method':<24}{'rows/window':>12}{'ours s':>10}{'evidently s':>13}")
    for kind, methods in (("numerical", NUMERICAL), ("categorical", CATEGORICAL), ("text", TEXT)):
        for method in methods:
            for rows in args.rows:
                if method == "empirical_mmd" and 2 * rows > 10_000:
                    continue
                reference, current = _windows(kind, method, rows)
                ours = _seconds(lambda: column_drift("x", reference, current, kind, method))  # type: ignore[arg-type]
                theirs = None
                slow = method in ("TVD", "empirical_mmd") or kind == "text"
                if not slow or rows <= args.peer_max_rows:
                    stattest = get_stattest(reference, current, types[kind], method)
                    theirs = _seconds(lambda: stattest(reference, current, types[kind], None))
                shown = f"{theirs:13.3f}" if theirs is not None else f"{'-':>13}"
                print(f"{method:<24}{rows:>12}{ours:10.3f}{shown}")
                rows_out.append({"method": method, "rows": rows, "ours_s": ours, "evidently_s": theirs})
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows_out, handle, indent=2)


if __name__ == "__main__":
    main()
