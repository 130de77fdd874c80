"""The end-to-end scenario of the report tests: config, prediction log, CLI runner (a helper, not tests)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.cli.main import main

MONITOR = "fraud <eu>"
RUN_TIMES = ("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z")
CONFIG = """\
store: sqlite:///state.db
reports: {on: always, keep: 2, max_rows: 1000}
server: {host: 127.0.0.1, port: 9199}
monitors:
  "fraud <eu>":
    source: {url: "sqlite:///log.db", table: predictions, timestamp: timestamp}
    prediction: {column: is_fraud_pred, score: fraud_score, task: classification}
    target: {column: is_fraud}
    reference: {start: "2026-01-01", end: "2026-01-04"}
    window: 2d
    drift:
      columns:
        amount: {method: psi, threshold: 0.2}
        # The column named like markup drifts on any difference: its name is listed in the index.
        '"><script>alert(1)</script>': {method: psi, threshold: 0.000001}
    alerts:
      - {rule: performance_drop, metric: roc_auc, max_drop: 0.5}
"""


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


@dataclass(frozen=True)
class Checked:
    config: Path
    reports: Path
    results: list[dict[str, Any]]  # each run's JSON document of the monitor, oldest first
