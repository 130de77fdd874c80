"""No log line can be forged by data: a column name holding a newline and a whole fake log line
is written escaped, in the text and the JSON log format, by a real ``monitor check`` (issue 18)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from credit_log import run_monitor

FORGED = "2026-01-01 00:00:00,000 ERROR monitor: forged"
HOSTILE_COLUMN = f"amount\n{FORGED}\r\x1b[2Kcleared"

CONFIG = """\
store: sqlite:///state.db
monitors:
  shop:
    source: {path: "log.parquet", timestamp: ts}
    reference: {previous: 7d}
    window: 1d
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("forge")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    rng = np.random.default_rng(3)
    times = [start + timedelta(minutes=10 * i) for i in range(8 * 24 * 6)]
    frame = pd.DataFrame(
        {"ts": times, HOSTILE_COLUMN: rng.normal(size=len(times)), "items": rng.integers(0, 9, len(times))}
    )
    frame.to_parquet(where / "log.parquet")
    (where / "config.yaml").write_text(CONFIG)
    return where


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_column_name_cannot_forge_a_log_line(folder: Path, log_format: str) -> None:
    result = run_monitor(
        "--log-format",
        log_format,
        "check",
        "-c",
        str(folder / "config.yaml"),
        "--dry-run",
        "--at",
        "2026-03-09",
        cwd=folder,
    )
    assert result.returncode in (0, 1), result.stderr
    lines = result.stderr.splitlines()
    assert lines and not any(line.startswith(FORGED[:23]) for line in lines), result.stderr
    assert not any("\x1b" in line or "\r" in line for line in lines)
    inferred = [line for line in lines if "inferred features" in line]
    assert len(inferred) == 1, result.stderr
    if log_format == "json":
        assert json.loads(inferred[0])["message"].count(FORGED) == 1  # the name, whole, inside one event
    else:
        assert "amount\\n" + FORGED + "\\r\\x1b[2Kcleared" in inferred[0]
