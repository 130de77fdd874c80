"""What `monitor check --json --dry-run` over files loads: only what it uses, so it starts fast."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

CONFIG = """
monitors:
  scorer:
    source: {path: log.parquet, timestamp: ts}
    features: {numerical: [amount], categorical: [country]}
    prediction: {score: score}
    reference: {previous: 1d}
    window: 1d
"""

PROBE = """
import contextlib, io, json, sys
from monitor.cli.main import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["check", "-c", sys.argv[1], "--json", "--dry-run", "--at", "2026-03-03"])
heavy = [m for m in ("sqlalchemy", "evidently", "scipy.stats", "rich", "sklearn") if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy, "result": json.loads(out.getvalue())}))
"""


def test_check_over_files_loads_no_sql_evidently_or_table_libraries(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = 2000
    pd.DataFrame(
        {
            "ts": pd.date_range("2026-03-01", periods=rows, freq="86s", tz="UTC"),
            "amount": rng.lognormal(3, 1, rows),
            "country": rng.choice(["de", "fr", "it"], rows),
            "score": rng.random(rows),
        }
    ).to_parquet(tmp_path / "log.parquet")
    (tmp_path / "monitor.yaml").write_text(CONFIG)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "monitor.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout)
    (monitor,) = probe["result"]["monitors"]
    assert monitor["error"] is None and monitor["window"]["rows"] > 0 and monitor["reference"]["rows"] > 0
    assert probe["heavy"] == []
