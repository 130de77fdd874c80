"""Reports of pushed-down runs (issue 13, item 4): each window's rows are sampled where the data
lives, at most ``reports.max_rows`` per window, the same rows on every run; the window itself
never reaches the process. DuckDB over Parquet, SQLite and the live PostgreSQL."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.compute.sample import sample_statement
from monitor.compute.statements import WindowSpec
from monitor.config import load_config
from monitor.evaluate import evaluate
from monitor.evaluate.frames import sampled_frames
from monitor.records.windows import Interval
from monitor.runner import Checker
from monitor.store import SQLAlchemyStore
from tests.compute.data import AT, awkward_log
from tests.pg import temporary_database

MAX_ROWS = 100

CONFIG = """
store: sqlite:///{folder}/state.db
reports: {{dir: "{folder}/reports", when: always, max_rows: {max_rows}}}
monitors:
  m:
    source: {{{source}, timestamp: ts, compute: pushdown}}
    features: {{numerical: [normal, offset, amount], categorical: [colour, level]}}
    prediction: {{column: label, score: score}}
    target: {{column: target}}
    reference: {{previous: 1d}}
    window: 1h
"""


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    frame = awkward_log(1500)
    frame["row_id"] = range(len(frame))
    return frame


@pytest.fixture(params=["duckdb", "sqlite", "postgresql"])
def source(request: pytest.FixtureRequest, tmp_path: Path, log: pd.DataFrame) -> Iterator[str]:
    if request.param == "duckdb":
        pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")
        log.to_parquet(tmp_path / "log.parquet", index=False)
        yield f'path: "{tmp_path / "log.parquet"}"'
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'log.db'}"
        engine = sa.create_engine(url)
        log.to_sql("predictions", engine, index=False)
        engine.dispose()
        yield f'url: "{url}", table: predictions'
    else:
        with temporary_database() as url:
            engine = sa.create_engine(url)
            log.to_sql("predictions", engine, index=False)
            engine.dispose()
            yield f'url: "{url}", table: predictions'
            from monitor.sources import dispose_engines

            dispose_engines()
    from monitor.sources import dispose_engines

    dispose_engines()


def config_file(folder: Path, source: str, max_rows: int = MAX_ROWS) -> Path:
    path = folder / "monitor.yaml"
    path.write_text(CONFIG.format(folder=folder, source=source, max_rows=max_rows))
    return path


def without_ids(page: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}", "ID", page)


def embedded_run(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="monitor-run">(.*?)</script>', page, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_a_pushed_down_run_writes_a_report_from_engine_samples(source: str, tmp_path: Path) -> None:
    config = load_config(str(config_file(tmp_path, source)))
    store = SQLAlchemyStore(config.store)
    try:
        result = Checker(config, store).run_monitor("m", AT)
    finally:
        store.close()
    assert result.compute in ("duckdb", "sqlite", "postgresql")
    assert result.report is not None and Path(result.report).exists()
    page = Path(result.report).read_text(encoding="utf-8")
    assert f"sample of {MAX_ROWS} of 240 current and {MAX_ROWS} of 1500 reference rows" in page
    assert "drawn where the data lives" in page
    assert embedded_run(page)["drift"] == result.to_dict()["drift"]  # the numbers are the run's own


def test_the_sample_is_deterministic_bounded_and_made_of_window_rows(
    source: str, tmp_path: Path, log: pd.DataFrame
) -> None:
    config = load_config(str(config_file(tmp_path, source)))
    monitor = config.monitors["m"]
    result = evaluate("m", monitor, AT).result
    first = sampled_frames(monitor, result, MAX_ROWS)
    second = sampled_frames(monitor, result, MAX_ROWS)
    for window, frame, again in (
        (result.windows.current, first.current, second.current),
        (result.windows.reference, first.reference, second.reference),
    ):
        assert len(frame) == MAX_ROWS
        pd.testing.assert_frame_equal(frame, again)
        inside = log[(log["ts"] >= window.start) & (log["ts"] < window.end)]
        known = set(zip(inside["ts"].astype("int64") // 1000, inside["offset"].round(6), strict=True))
        times = pd.to_datetime(frame["ts"], utc=True).astype("int64") // 1000
        assert set(zip(times, frame["offset"].round(6), strict=True)) <= known  # rows of that window
    assert first.window_rows == (1500, 240)
    assert set(first.current.columns) >= {"ts", "normal", "colour", "label", "score", "target"}
    everything = sampled_frames(monitor, result, 10_000)  # a cap above the window: all its rows
    assert len(everything.current) == 240 and len(everything.reference) == 1500


def test_the_report_command_draws_the_same_page_twice(source: str, tmp_path: Path) -> None:
    config = config_file(tmp_path, source)
    pages = []
    for name in ("first.html", "second.html"):
        command = [sys.executable, "-m", "monitor.cli", "report", "-c", str(config), "-m", "m"]
        done = subprocess.run(
            [*command, "--at", AT.isoformat(), "-o", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        pages.append((tmp_path / name).read_text(encoding="utf-8"))
    assert "drawn where the data lives" in pages[0]
    # separate processes, the same rows (the renderer's widget ids are random)
    assert without_ids(pages[0]) == without_ids(pages[1])


def test_the_statement_keeps_the_smallest_hashes_of_the_key() -> None:
    spec = WindowSpec("ts", None, Interval(AT, AT))
    sql, _ = sample_statement(spec, ["ts", "a"], ["row_id"], "duckdb", 50)
    assert "hash(COALESCE(CAST(\"row_id\" AS VARCHAR), ''))" in sql
    assert sql.endswith('ORDER BY "__monitor_sample_hash__" LIMIT 50')
