"""freshness asks the source for its newest time only: on SQLite, PostgreSQL and Parquet, and even
when the window is empty."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from monitor.config.models import SourceConfig
from monitor.sources import dispose_engines, open_source
from tests.incidents.broken_log import check, config_text, firing, make_log, write_parquet, write_sqlite
from tests.pg import temporary_database

END = datetime(2026, 3, 11, tzinfo=timezone.utc)


def newest_before(log: pd.DataFrame, before: datetime) -> datetime:
    return log.loc[log["timestamp"] < pd.Timestamp(before), "timestamp"].max().to_pydatetime()


def test_a_feed_stopped_two_days_ago_fires_freshness_and_volume_on_the_empty_window(tmp_path: Path) -> None:
    log = make_log(END)
    stopped = log[log["timestamp"] < pd.Timestamp(END - timedelta(days=2))].reset_index(drop=True)
    config = tmp_path / "monitor.yaml"
    source = write_sqlite(stopped, tmp_path / "log.db")
    config.write_text(config_text(source, store=f"sqlite:///{tmp_path / 'state.db'}"), encoding="utf-8")
    code, document = check(config, END)
    assert code == 1
    assert firing(document) == {("freshness", "timestamp"), ("volume", "rows")}
    (monitor,) = document["monitors"]
    assert monitor["window"]["rows"] == 0
    freshness = monitor["data_quality"]["freshness"]
    newest = newest_before(stopped, END)
    assert datetime.fromisoformat(freshness["newest"]) == newest
    assert freshness["age_seconds"] == (END - newest).total_seconds()
    assert monitor["data_quality"]["volume"]["ratio"] == 0.0


def test_newest_time_on_postgresql_is_the_max_before_the_run_time() -> None:
    log = make_log(END)
    with temporary_database() as url:
        engine = sa.create_engine(url)
        log.to_sql("predictions", engine, index=False)  # timestamptz column
        engine.dispose()
        source = open_source(SourceConfig(url=url, table="predictions", timestamp="timestamp"))
        for before in (END, END - timedelta(hours=5, minutes=17), END + timedelta(days=3)):
            assert source.newest_timestamp(before) == newest_before(log, before)
        assert source.newest_timestamp(END - timedelta(days=30)) is None
        dispose_engines()


def test_newest_time_from_parquet_statistics_and_text_times(tmp_path: Path) -> None:
    log = make_log(END)
    write_parquet(log, tmp_path / "days", END)
    by_statistics = open_source(SourceConfig(path=f"{tmp_path / 'days'}/*.parquet", timestamp="timestamp"))
    text = tmp_path / "text.parquet"
    stored = log.assign(timestamp=log["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    pq.write_table(pa.Table.from_pandas(stored, preserve_index=False), text, row_group_size=1000)
    by_scan = open_source(SourceConfig(path=str(text), timestamp="timestamp"))
    for before in (END, END - timedelta(hours=5, minutes=17), END - timedelta(days=4, seconds=1)):
        assert by_statistics.newest_timestamp(before) == newest_before(log, before)
        assert by_scan.newest_timestamp(before) == newest_before(log, before)
    assert by_statistics.newest_timestamp(END - timedelta(days=30)) is None
