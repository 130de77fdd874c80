"""`monitor history` in a narrow, non-terminal console (a pipe, cron): no column may be cropped away."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.cli.main import main

CONFIG = """\
store: sqlite:///state.db
reports: {when: never}
monitors:
  scorer:
    source: {url: "sqlite:///log.db", table: predictions, timestamp: ts}
    features: {numerical: [amount], categorical: [country]}
    prediction: {column: label_pred, score: score, task: classification}
    target: {column: label}
    reference: {start: "2026-01-01", end: "2026-01-08"}
    window: 2d
    alerts:
      - {rule: performance_drop, metric: roc_auc, max_drop: 0.05}
"""


def _write_log(path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = 3000
    times = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 14 * 86400, rows)), unit="s")
    label = rng.integers(0, 2, rows)
    score = np.clip(0.3 * label + rng.uniform(0, 0.7, rows), 0, 1)
    log = pd.DataFrame(
        {
            "ts": times.strftime("%Y-%m-%dT%H:%M:%S"),
            "amount": rng.gamma(2.0, 50.0, rows),
            "country": rng.choice(["de", "fr", "no"], rows),
            "score": score,
            "label_pred": (score > 0.5).astype(int),
            "label": label,
        }
    )
    with contextlib.closing(sqlite3.connect(path)) as connection:
        log.to_sql("predictions", connection, index=False)


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def test_history_keeps_every_column_at_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_log(tmp_path / "log.db")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    for at in ("2026-01-12", "2026-01-14"):
        code, _ = _cli("check", "-c", str(config), "--at", at)
        assert code in (0, 1)
    monkeypatch.setenv("COLUMNS", "80")

    code, out = _cli("history", "-c", str(config), "-m", "scorer")

    assert code == 0
    header = next(line for line in out.splitlines() if "run (UTC)" in line)
    # The last columns (performance against reference) are there, and the table is closed.
    assert "roc_auc" in header and "ref" in header and "change" in header
    assert header.rstrip().endswith("┃")
    body = [line for line in out.splitlines() if line.startswith("│") and "2026-" in line]
    assert len(body) == 2
    assert all(line.rstrip().endswith("│") for line in body)
