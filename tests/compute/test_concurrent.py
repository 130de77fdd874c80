"""Per-column statements run at once (``monitor.compute.concurrent``) on SQLite and PostgreSQL:
the same statistics as one statement at a time, on several threads; a failing statement
surfaces as the one error a one-at-a-time run gives, every connection back in the pool."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from monitor.compute.concurrent import gather
from monitor.compute.database import DatabaseEngine
from monitor.config.models import MonitorConfig
from monitor.errors import SourceError
from monitor.sources import dispose_engines
from monitor.sources.sqlalchemy import get_engine
from monitor.windows import resolve_windows
from tests.compute.data import AT, NUMERICAL, awkward_log
from tests.pg import temporary_database

FEATURES = {"numerical": NUMERICAL, "categorical": ["colour", "level"]}
SECTIONS: dict[str, Any] = {
    "features": FEATURES,
    "prediction": {"column": "label", "score": "score"},
    "target": {"column": "target"},
    "reference": {"previous": "1d"},
    "window": "1h",
    # auto elsewhere (CDFs, deviations, counts, bins); KS on ``offset``, whose CDF overflows in ``huge``
    "drift": {"columns": {"offset": {"method": "ks"}}},
}


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A PostgreSQL database holding the awkward log as table ``log`` (and ``huge``, see ``_load``)."""
    with temporary_database() as database:
        _load(database)
        yield database
        dispose_engines()  # before the database is dropped


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same tables in SQLite, or in PostgreSQL."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres")
        return
    database = f"sqlite:///{tmp_path_factory.mktemp('concurrent') / 'log.db'}"
    _load(database)
    yield database
    dispose_engines()


def _load(url: str) -> None:
    engine = sa.create_engine(url)
    log = awkward_log(1500)
    log.to_sql("log", engine, index=False)
    # finite values whose CDF steps from one to the other over 3.4e308: PostgreSQL's
    # arithmetic fails on the overflow where only that column's CDF statement computes it
    huge = log.copy()
    huge["offset"] = np.random.default_rng(3).choice([-1.7e308, 1.7e308], len(huge))
    huge.to_sql("huge", engine, index=False)
    engine.dispose()


def _evaluate(url: str, at_once: int, monkeypatch: pytest.MonkeyPatch, table: str = "log") -> Any:
    monkeypatch.setattr(DatabaseEngine, "statements_at_once", lambda self: at_once)
    source = {"url": url, "table": table, "timestamp": "ts", "compute": "pushdown"}
    monitor = MonitorConfig.model_validate({"source": source, **SECTIONS})
    with DatabaseEngine(monitor.source) as engine:
        return engine.evaluate(monitor, resolve_windows(monitor, AT))


def test_at_once_equals_one_at_a_time(
    url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    alone = _evaluate(url, 1, monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="monitor.compute.sql"):
        together = _evaluate(url, 3, monkeypatch)
    assert together == alone
    assert [column.column for column in together.drift.columns] == [*NUMERICAL, "colour", "level"]
    cdfs = [record for record in caplog.records if "LEAD(" in record.getMessage()]
    threads = {record.threadName for record in cdfs}
    assert len(threads) > 1 and all(name.startswith("monitor-sql") for name in threads), threads


def test_default_runs_several_on_a_file_and_pool(url: str) -> None:
    source = MonitorConfig.model_validate(
        {"source": {"url": url, "table": "log", "timestamp": "ts"}, **SECTIONS}
    ).source
    engine = DatabaseEngine(source)
    expected = 4 if url.startswith("postgresql") else min(4, len(os.sched_getaffinity(0)))
    assert engine.statements_at_once() == expected
    memory = MonitorConfig.model_validate(
        {"source": {"url": "sqlite://", "table": "log", "timestamp": "ts"}, **SECTIONS}
    ).source
    assert DatabaseEngine(memory).statements_at_once() == 1  # one connection sees a memory database


def test_an_error_in_one_of_them_is_the_one_error(postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL fails on the overflow (SQLite's arithmetic overflows to infinity)."""
    url = postgres
    errors = []
    for at_once in (1, 3):
        with pytest.raises(SourceError) as caught:
            _evaluate(url, at_once, monkeypatch, table="huge")
        errors.append(str(caught.value))
        assert get_engine(url).pool.checkedout() == 0  # type: ignore[attr-defined]
    assert errors[0] == errors[1]
    assert errors[0].startswith("cannot compute over table 'huge'") and "overflow" in errors[0]


def test_check_reports_the_failing_statement_once(postgres: str, tmp_path: Path) -> None:
    url = postgres
    features = json.dumps(FEATURES)
    (tmp_path / "monitor.yaml").write_text(
        "monitors:\n  m:\n"
        f"    source: {{url: '{url}', table: huge, timestamp: ts, compute: pushdown}}\n"
        f"    features: {features}\n    drift: {json.dumps(SECTIONS['drift'])}\n"
        "    reference: {previous: 1d}\n    window: 1h\n"
    )
    command = [sys.executable, "-m", "monitor.cli", "check", "-c", "monitor.yaml", "--json", "--dry-run"]
    result = subprocess.run(
        [*command, "--at", AT.isoformat()], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    (monitor,) = json.loads(result.stdout)["monitors"]
    assert "cannot compute over table 'huge'" in monitor["error"] and "overflow" in monitor["error"]
    assert result.stderr.count("overflow") == 1, result.stderr


def test_gather_keeps_order_and_raises_the_first_error_in_it() -> None:
    running: list[int] = []
    finished: list[int] = []
    lock = threading.Lock()
    second_failed = threading.Event()

    def call(index: int) -> Any:
        def run() -> int:
            with lock:
                running.append(index)
            try:
                if index == 1:
                    second_failed.wait(timeout=30)  # the later call's error comes first in time
                    raise SourceError("first in order")
                if index == 2:
                    second_failed.set()
                    raise SourceError("second in order")
                return index * 10
            finally:
                with lock:
                    finished.append(index)

        return run

    assert gather([call(0), call(3), call(4)], 2) == [0, 30, 40]
    assert gather([], 4) == []
    running.clear()
    finished.clear()
    with pytest.raises(SourceError, match="first in order"):
        gather([call(index) for index in range(8)], 3)
    assert sorted(finished) == sorted(running)  # nothing still running once the error is raised
