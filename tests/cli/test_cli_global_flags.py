"""--log-level and --log-format are accepted before and after any subcommand (README: global flags)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.main import build_parser

CONFIG = """\
store: sqlite:///state.db
monitors:
  scorer:
    source: {url: "sqlite:///log.db", table: predictions, timestamp: ts}
    features: {numerical: [amount]}
    reference: {start: "2026-01-01", end: "2026-01-02"}
    window: 1d
"""


@pytest.mark.parametrize(
    ("argv", "level", "fmt"),
    [
        (["check", "-c", "x.yaml"], "INFO", "text"),
        (["--log-format", "json", "check", "-c", "x.yaml"], "INFO", "json"),
        (["check", "-c", "x.yaml", "--log-format", "json", "--log-level", "DEBUG"], "DEBUG", "json"),
        (
            ["--log-level", "ERROR", "alerts", "list", "-c", "x.yaml", "--log-level", "WARNING"],
            "WARNING",
            "text",
        ),
        (["history", "-c", "x.yaml", "-m", "m", "--log-level", "DEBUG"], "DEBUG", "text"),
        (["run", "-c", "x.yaml", "--log-format", "json"], "INFO", "json"),
        (["check", "-c", "x.yaml", "--log-level", "debug"], "DEBUG", "text"),
        (["--log-level", "Warning", "check", "-c", "x.yaml"], "WARNING", "text"),
    ],
)
def test_global_flags_parse_anywhere(argv: list[str], level: str, fmt: str) -> None:
    args = build_parser().parse_args(argv)
    assert (args.log_level, args.log_format) == (level, fmt)


def test_json_logs_after_the_subcommand(tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / "log.db")) as connection:
        connection.execute("CREATE TABLE predictions (ts TEXT, amount REAL)")
        rows = [(f"2026-01-01T{hour:02d}:00:00", float(hour)) for hour in range(24)]
        rows += [(f"2026-01-02T{hour:02d}:00:00", float(hour) * 3) for hour in range(24)]
        connection.executemany("INSERT INTO predictions VALUES (?, ?)", rows)
        connection.commit()
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "check", "-c", str(tmp_path / "config.yaml"),
         "--at", "2026-01-03", "--dry-run", "--log-format", "json", "--log-level", "DEBUG"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines, "a check logs at least its timing"
    records = [json.loads(line) for line in lines]
    assert any(record["level"] == "debug" for record in records)
