"""A cached reference profile (issue 13, item 5): an absolute reference is read once and kept in
the store; later runs read only their current window and score exactly as a run that reads both.

Every check runs through ``Checker`` (what ``monitor check`` and the daemon run) on real SQLite
and Parquet sources with a real SQLite store; the source's reads are counted by wrapping the
real reader, which still reads."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.compute.profiles import build_profile, dump_profile, load_profile
from monitor.config import load_config
from monitor.evaluate import frames as evaluate_module
from monitor.runner import Checker
from monitor.store import SQLAlchemyStore, schema
from tests.compute.data import AT, REFERENCE_START, awkward_log
from tests.pg import temporary_database

CURRENT_START = AT - timedelta(hours=1)

CONFIG = """
store: sqlite:///{store}
reports: {{when: never}}
monitors:
  m:
    source: {{{source}, timestamp: ts, compute: {compute}, max_local_rows: {max_local_rows}}}
    {features}
    prediction: {{column: label, score: score}}
    target: {{column: target}}
    reference: {{start: "{start}", end: "{end}"}}
    window: 1h
    drift: {{columns: {{offset: {{method: psi}}, normal: {{method: ks}}, ties: {{method: hellinger}}}}}}
    alerts:
      - {{rule: new_categories, max_share: 0.5}}
      - {{rule: out_of_range, max_share: 0.5}}
"""
FEATURES = (
    "features: {numerical: [normal, ties, constant, offset, sparse, amount], "
    "categorical: [colour, flag, level, small_int]}"
)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return awkward_log(1500)


@pytest.fixture(params=["sqlite", "postgresql"])
def source(request: pytest.FixtureRequest, tmp_path: Path, log: pd.DataFrame) -> Iterator[str]:
    if request.param == "sqlite":
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


class Reads:
    """The windows the monitor's source is asked for, through the real reader."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.windows: list[tuple[datetime, datetime]] = []
        real = evaluate_module.sources.read_window
        real_several = evaluate_module.sources.read_windows

        def counted(monitor: Any, columns: Any, start: datetime, end: datetime) -> pd.DataFrame:
            self.windows.append((start, end))
            return real(monitor, columns, start, end)

        def counted_several(monitor: Any, columns: Any, windows: Any) -> list[pd.DataFrame]:
            self.windows.extend(windows)
            return real_several(monitor, columns, windows)

        monkeypatch.setattr(evaluate_module.sources, "read_window", counted)
        monkeypatch.setattr(evaluate_module.sources, "read_windows", counted_several)

    def reset(self) -> list[tuple[datetime, datetime]]:
        seen, self.windows = self.windows, []
        return seen

    def read_reference(self) -> bool:
        """Whether a read since the last reset covered the reference (files read both windows' span)."""
        return any(start <= REFERENCE_START and end >= CURRENT_START for start, end in self.reset())


def write_config(folder: Path, source: str, store: str, **settings: Any) -> Path:
    values = {
        "store": folder / store,
        "source": source,
        "compute": "local",
        "max_local_rows": 5_000_000,
        "features": FEATURES,
        "start": REFERENCE_START.isoformat(),
        "end": CURRENT_START.isoformat(),
        **settings,
    }
    path = folder / f"{store}.yaml"
    path.write_text(CONFIG.format(**values))
    return path


def run(config_path: Path) -> dict[str, Any]:
    config = load_config(str(config_path))
    store = SQLAlchemyStore(config.store)
    try:
        return Checker(config, store).run_monitor("m", AT).to_dict()
    finally:
        store.close()


def figures(document: dict[str, Any]) -> dict[str, Any]:
    """Every number of a run's document, by a readable name."""
    assert document["error"] is None, document["error"]
    found: dict[str, Any] = {
        "rows": document["window"]["rows"],
        "reference rows": document["reference"]["rows"],
    }
    for column in document["drift"]["columns"]:
        found[f"{column['column']} {column['method']}"] = column["score"]
    found["prediction"] = document["prediction_drift"]["score"]
    for metric in document["performance"]["metrics"]:
        found[metric["metric"]] = metric["current"]
        found[f"{metric['metric']} reference"] = metric["reference"]
    for column in document["data_quality"]["columns"]:
        for name, value in column.items():
            if name != "column":
                found[f"{column['column']} {name}"] = value
    if document["data_quality"].get("volume"):
        found["volume"] = document["data_quality"]["volume"]["ratio"]
    return found


def assert_same(left: dict[str, Any], right: dict[str, Any]) -> None:
    assert left.keys() == right.keys()
    for name, value in left.items():
        other = right[name]
        if isinstance(value, float) and isinstance(other, float):
            assert math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12) or (
                math.isnan(value) and math.isnan(other)
            ), name
        else:
            assert value == other, name


def cached_entries(folder: Path, store: str) -> int:
    engine = sa.create_engine(f"sqlite:///{folder / store}")
    with engine.connect() as connection:
        count = int(connection.execute(sa.select(sa.func.count()).select_from(schema.cache)).scalar_one())
    engine.dispose()
    return count


def test_the_second_run_reads_only_its_current_window_and_scores_the_same(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    config = write_config(tmp_path, source, "state.db")
    first = run(config)
    assert reads.read_reference()  # the first run reads the reference
    assert cached_entries(tmp_path, "state.db") == 1
    second = run(config)
    assert reads.reset() == [(CURRENT_START, AT)]  # and the second one does not
    assert second["compute"] == "local"
    assert_same(figures(first), figures(second))
    assert second["data_quality"]["columns"]  # the figures compared include the incident shares
    assert cached_entries(tmp_path, "state.db") == 1


def test_inferred_features_score_the_same_from_the_cache(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    config = write_config(tmp_path, source, "state.db", features="")
    first = run(config)
    assert reads.read_reference()
    second = run(config)
    assert reads.reset() == [(CURRENT_START, AT)]
    assert first["drift"]["columns"] and [c["column"] for c in first["drift"]["columns"]] == [
        c["column"] for c in second["drift"]["columns"]
    ]
    assert_same(figures(first), figures(second))


def test_changed_reference_data_is_read_again(
    tmp_path: Path, log: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    engine = sa.create_engine(url)
    log.to_sql("predictions", engine, index=False)
    source = f'url: "{url}", table: predictions'
    reads = Reads(monkeypatch)
    config = write_config(tmp_path, source, "state.db")
    run(config)
    with engine.begin() as connection:  # one reference value corrected in place
        first_row = "(SELECT MIN(rowid) FROM predictions WHERE score > 0.1)"
        connection.execute(sa.text(f"UPDATE predictions SET score = score / 2 WHERE rowid = {first_row}"))
    reads.reset()
    changed = run(config)
    assert reads.read_reference()  # the fingerprint saw the change
    fresh = run(write_config(tmp_path, source, "fresh.db"))  # a store that never cached anything
    assert_same(figures(changed), figures(fresh))
    assert cached_entries(tmp_path, "state.db") == 2  # the old profile stays until it ages out
    engine.dispose()
    from monitor.sources import dispose_engines

    dispose_engines()


def test_auto_counts_only_the_current_window_once_the_reference_is_cached(
    tmp_path: Path, log: pd.DataFrame
) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    engine = sa.create_engine(url)
    log.to_sql("predictions", engine, index=False)
    engine.dispose()
    source = f'url: "{url}", table: predictions'
    # the reference (1500 rows) is above max_local_rows, the current window (240) below
    config = write_config(tmp_path, source, "state.db", compute="auto", max_local_rows=1000)
    first = run(config)
    assert first["compute"] == "sqlite"  # pushed down: nothing read, nothing cached
    assert cached_entries(tmp_path, "state.db") == 0
    local = run(write_config(tmp_path, source, "local.db", compute="local"))
    assert cached_entries(tmp_path, "local.db") == 1
    second = run(write_config(tmp_path, source, "local.db", compute="auto", max_local_rows=1000))
    assert second["compute"] == "local"  # the reference is cached: only the current window counts
    assert_same(figures(local), figures(second))
    # pushdown computes no data-incident figures yet: the others are the same
    pushed = {name: value for name, value in figures(first).items() if value is not None}
    assert len(pushed) > 20
    assert_same(pushed, {name: value for name, value in figures(second).items() if name in pushed})


def test_files_are_read_again_not_cached(
    tmp_path: Path, log: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet reads faster than a profile is rebuilt (benchmarks/README.md): no cache for files."""
    pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")
    log.to_parquet(tmp_path / "log.parquet", index=False)
    reads = Reads(monkeypatch)
    config = write_config(tmp_path, f'path: "{tmp_path / "log.parquet"}"', "state.db")
    first = run(config)
    assert reads.read_reference()
    second = run(config)
    assert reads.read_reference()
    assert cached_entries(tmp_path, "state.db") == 0
    assert_same(figures(first), figures(second))


def test_profiles_keep_every_value_and_dtype() -> None:
    frame = pd.DataFrame(
        {
            "float": [1.5, np.nan, np.inf, -np.inf, 1.5, 0.1 + 0.2],
            "text": ["x", None, "y", "x", "é", "x"],
            "int": [3, 1, 2, 3, 3, -(2**62)],
            "bool": [True, False, True, True, False, False],
            "time": pd.to_datetime(["2026-01-01T00:00:01.123456789Z"] * 6, utc=True),
        }
    )
    profile = build_profile(frame, frame.columns, {"roc_auc": 0.625})
    assert profile is not None
    payload = dump_profile(profile)
    assert payload is not None
    back = load_profile(payload)
    rebuilt = back.frame()
    assert back.metrics == {"roc_auc": 0.625} and back.rows == 6
    for column in frame.columns:
        assert rebuilt[column].dtype == frame[column].dtype, column
        original = frame[column].value_counts(dropna=False).sort_index()
        again = rebuilt[column].value_counts(dropna=False).sort_index()
        assert original.to_dict() == again.to_dict() or column in ("float", "text"), column
    assert sorted(rebuilt["float"].dropna()) == sorted(frame["float"].dropna())
    assert int(rebuilt["float"].isna().sum()) == 1 and int(rebuilt["text"].isna().sum()) == 1
    assert sorted(rebuilt["text"].dropna()) == sorted(frame["text"].dropna())


def test_values_of_mixed_types_are_not_cached() -> None:
    assert build_profile(pd.DataFrame({"mixed": [1, "a", 2.5]}), ["mixed"], {}) is None


def test_a_current_window_overlapping_the_cached_reference_is_refused(source: str, tmp_path: Path) -> None:
    """The reference comes from its profile, not from a read, and still must not overlap."""
    config_path = write_config(tmp_path, source, "state.db")
    run(config_path)
    assert cached_entries(tmp_path, "state.db") == 1
    config = load_config(str(config_path))
    store = SQLAlchemyStore(config.store)
    try:
        document = Checker(config, store).run_monitor("m", AT - timedelta(minutes=30)).to_dict()
    finally:
        store.close()
    assert document["error"] is not None and "overlaps the current window" in document["error"]
    assert document["error"].startswith("monitors.m.reference")
