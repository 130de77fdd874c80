"""Each data-incident rule fires on a log broken its way on the last day, with the right subject,
and nothing fires on the day before: through `monitor check --json`, SQLite and Parquet."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.store import open_store
from tests.incidents.broken_log import (
    BREAKS,
    check,
    config_text,
    day_before,
    firing,
    make_log,
    write_parquet,
    write_sqlite,
)

END = datetime(2026, 3, 11, tzinfo=timezone.utc)

EXPECTED = {
    "volume": ("volume", "rows"),
    "freshness": ("freshness", "timestamp"),
    "schema": ("schema", "amount"),
    "new_categories": ("new_categories", "country"),
    "out_of_range": ("out_of_range", "amount"),
    "duplicates": ("duplicates", "transaction_id"),
}


def run_both_days(tmp_path: Path, source: str) -> tuple[tuple[int, dict], tuple[int, dict]]:
    config = tmp_path / "monitor.yaml"
    config.write_text(config_text(source, store=f"sqlite:///{tmp_path / 'state.db'}"), encoding="utf-8")
    return check(config, day_before(END)), check(config, END)


@pytest.mark.parametrize("way", list(BREAKS))
def test_sqlite_log_broken_one_way(tmp_path: Path, way: str) -> None:
    log = BREAKS[way](make_log(END), END)
    (quiet_code, quiet), (code, broken) = run_both_days(tmp_path, write_sqlite(log, tmp_path / "log.db"))
    assert firing(quiet) == set() and quiet_code == 0, quiet["monitors"][0]
    assert firing(broken) == {EXPECTED[way]}, broken["monitors"][0]
    assert code == 1


@pytest.mark.parametrize("way", list(BREAKS))
def test_parquet_log_broken_one_way(tmp_path: Path, way: str) -> None:
    log = BREAKS[way](make_log(END), END)
    (quiet_code, quiet), (code, broken) = run_both_days(tmp_path, write_parquet(log, tmp_path / "log", END))
    assert firing(quiet) == set() and quiet_code == 0, quiet["monitors"][0]
    assert firing(broken) == {EXPECTED[way]}, broken["monitors"][0]
    assert code == 1


def test_parquet_day_file_lacking_a_column_fires_schema_and_checks_the_rest(tmp_path: Path) -> None:
    log = make_log(END)
    source = write_parquet(log, tmp_path / "log", END, drop_last_day="channel")
    (quiet_code, quiet), (code, broken) = run_both_days(tmp_path, source)
    assert firing(quiet) == set() and quiet_code == 0
    assert firing(broken) == {("schema", "channel")} and code == 1
    (monitor,) = broken["monitors"]
    quality = monitor["data_quality"]
    assert quality["schema"] == [
        {
            "column": "channel",
            "change": "missing",
            "reference_type": None,
            "current_type": None,
            "skipped": [],
        }
    ]
    assert {c["column"] for c in quality["columns"]} >= {"amount", "account_age_days", "country"}


STORED = {  # the metric value each break moves, as the store keeps it: (name, subject)
    "volume": ("volume_ratio", ""),
    "new_categories": ("new_category_share", "country"),
    "out_of_range": ("out_of_range_share", "amount"),
    "duplicates": ("duplicate_share", "transaction_id"),
}


@pytest.mark.parametrize("way", list(STORED))
def test_the_store_keeps_each_incident_figure_per_window(tmp_path: Path, way: str) -> None:
    log = BREAKS[way](make_log(END), END)
    run_both_days(tmp_path, write_sqlite(log, tmp_path / "log.db"))
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        name, subject = STORED[way]
        (before_end, before), (broken_end, broken) = store.metric_history("payments", name, subject)
    finally:
        store.close()
    assert before_end < broken_end and before is not None and broken is not None
    if way == "volume":  # 5% of the day's rows against a full week's rate
        assert before > 0.8 and broken < 0.1
    else:
        assert before < 0.01 and broken > 0.04  # a clean day: under max_share
