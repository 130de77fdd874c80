"""Targets joined from another table (late labels) under compute: pushdown (issue 13): joined where
the data lives when the labels live in the same database or are files beside Parquet logs,
else the performance computed locally from the windows' keys. Every figure equals the local
check's (which joins in pandas) to 1e-9, on DuckDB, SQLite and the live PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.config import load_config
from monitor.evaluate import evaluate
from tests.compute.conftest import SPARK
from tests.compute.data import AT, awkward_log
from tests.compute.test_reference_cache import assert_same, figures
from tests.pg import temporary_database

CONFIG = """
store: sqlite:///state.db
monitors:
  m:
    source: {{{source}, timestamp: ts, compute: {compute}}}
    features: {{numerical: [normal, ties, offset, amount], categorical: [colour, level]}}
    prediction: {{column: label, score: score}}
    target: {{{target}, join_on: row_id}}
    reference: {{previous: 1d}}
    window: 1h
"""


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    log = awkward_log(1500)
    log["row_id"] = range(len(log))
    labels = log.loc[log["target"].notna(), ["row_id", "target"]]
    labels = labels.sample(frac=0.8, random_state=3)  # late labels: a fifth has not arrived
    return log.drop(columns=["target"]), labels.reset_index(drop=True)


def to_sql(url: str, frames: tuple[pd.DataFrame, pd.DataFrame], text_keys: bool = False) -> None:
    log, labels = frames
    engine = sa.create_engine(url)
    log.to_sql("predictions", engine, index=False)
    if text_keys:
        labels = labels.assign(row_id=labels["row_id"].astype(str))
    labels.to_sql("labels", engine, index=False)
    engine.dispose()


@pytest.fixture(params=["duckdb", "sqlite", "sqlite-text-keys", "postgresql", "sqlite-log-parquet-labels"])
def place(
    request: pytest.FixtureRequest, tmp_path: Path, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> Iterator[tuple[str, str, str]]:
    """(source, target, the engine --json names)"""
    log, labels = frames
    if request.param == "duckdb":
        pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")
        log.to_parquet(tmp_path / "log.parquet", index=False)
        labels.to_parquet(tmp_path / "labels.parquet", index=False)
        yield (
            f'path: "{tmp_path / "log.parquet"}"',
            f'column: target, path: "{tmp_path / "labels.parquet"}"',
            ("duckdb"),
        )
    elif request.param.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'log.db'}"
        to_sql(url, frames, text_keys=request.param == "sqlite-text-keys")
        target = "column: target, table: labels"
        if request.param == "sqlite-log-parquet-labels":
            labels.to_parquet(tmp_path / "labels.parquet", index=False)
            target = f'column: target, path: "{tmp_path / "labels.parquet"}"'
        yield f'url: "{url}", table: predictions', target, "sqlite"
    else:
        with temporary_database() as url:
            to_sql(url, frames)
            yield f'url: "{url}", table: predictions', "column: target, table: labels", "postgresql"
            from monitor.sources import dispose_engines

            dispose_engines()
    from monitor.sources import dispose_engines

    dispose_engines()


def checked(folder: Path, source: str, target: str, compute: str) -> dict[str, Any]:
    path = folder / f"{compute}.yaml"
    path.write_text(CONFIG.format(source=source, target=target, compute=compute))
    config = load_config(str(path))
    return evaluate("m", config.monitors["m"], AT).result.to_dict()


def test_pushed_down_with_a_joined_target_equals_local(
    place: tuple[str, str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source, target, engine = place
    with caplog.at_level("DEBUG", logger="monitor.compute.joined"):
        pushed = checked(tmp_path, source, target, "pushdown")
    joined_there = "where the data lives" in caplog.text
    assert joined_there == ("path:" not in target or "path:" in source)  # labels beside the log
    local = checked(tmp_path, source, target, "local")
    assert pushed["compute"] == engine and local["compute"] == "local", pushed["error"]
    assert pushed["performance"] is not None
    assert {m["metric"] for m in pushed["performance"]["metrics"]} >= {"accuracy", "roc_auc", "log_loss"}
    # rows with a target: the labels that arrived, fewer than the window's rows
    assert 0 < pushed["performance"]["rows_with_target"] < pushed["window"]["rows"]
    quality_free = {name: value for name, value in figures(pushed).items() if value is not None}
    assert_same(quality_free, {name: value for name, value in figures(local).items() if name in quality_free})
    assert pushed["performance"] == local["performance"] or all(
        abs(a["current"] - b["current"]) <= 1e-9 * max(1.0, abs(b["current"]))
        for a, b in zip(pushed["performance"]["metrics"], local["performance"]["metrics"], strict=True)
    )


def test_a_key_labelled_twice_keeps_the_label_written_last_on_sqlite(
    tmp_path: Path, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    log, labels = frames
    url = f"sqlite:///{tmp_path / 'log.db'}"
    current_keys = log.loc[log["ts"] >= pd.Timestamp(AT) - pd.Timedelta(hours=1), "row_id"]
    labelled = labels[labels["row_id"].isin(current_keys)].head(40)
    corrected = labelled.assign(target=1 - labelled["target"])  # written after the first labels
    to_sql(url, (log, pd.concat([labels, corrected], ignore_index=True)))
    source, target = f'url: "{url}", table: predictions', "column: target, table: labels"
    pushed = checked(tmp_path, source, target, "pushdown")
    local = checked(tmp_path, source, target, "local")
    assert_same(
        {m["metric"]: m["current"] for m in pushed["performance"]["metrics"]},
        {m["metric"]: m["current"] for m in local["performance"]["metrics"]},
    )
    from monitor.sources import dispose_engines

    dispose_engines()


def test_spark_joins_a_target_table_of_its_session(
    spark_session: Any, tmp_path: Path, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """A ``spark:`` source's labels in another table of the same session are joined in Spark;
    the figures equal a local check of the same rows and labels as Parquet files."""
    log, labels = frames
    spark_session.createDataFrame(log).createOrReplaceTempView("joined_log")
    spark_session.createDataFrame(labels).createOrReplaceTempView("joined_labels")
    source = f"spark: {json.dumps(SPARK)}, table: joined_log"  # JSON is YAML
    pushed = checked(tmp_path, source, "column: target, table: joined_labels", "auto")
    log.to_parquet(tmp_path / "log.parquet", index=False)
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    target = f'column: target, path: "{tmp_path / "labels.parquet"}"'
    local = checked(tmp_path, f'path: "{tmp_path / "log.parquet"}"', target, "local")
    assert pushed["compute"] == "spark" and local["compute"] == "local", pushed["error"]
    assert 0 < pushed["performance"]["rows_with_target"] < pushed["window"]["rows"]
    assert_same(figures(pushed), figures(local))
    # what validate --connect finds: the labels' columns, looked up in the session
    from monitor.sources import check_monitor_source

    monitors = load_config(str(tmp_path / "auto.yaml")).monitors
    assert check_monitor_source(monitors["m"]) == []
    # the report's sample carries the labels joined in Spark as well
    from monitor.evaluate.frames import sampled_frames

    sample = sampled_frames(monitors["m"], evaluate("m", monitors["m"], AT).result, 100)
    assert len(sample.current) == 100 and sample.current["target"].notna().any()
    assert sample.current["target"].notna().sum() < len(sample.current)  # late labels: not all arrived
    wrong = monitors["m"].model_copy(
        update={"target": monitors["m"].target.model_copy(update={"column": "verdict"})}  # type: ignore[union-attr]
    )
    assert check_monitor_source(wrong) == [
        "target.column: column 'verdict' not found in Spark table 'joined_labels'"
    ]


def test_spark_labels_outside_its_session_are_a_config_error(
    spark_session: Any, tmp_path: Path, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    spark_session.createDataFrame(frames[0]).createOrReplaceTempView("unjoined_log")
    source = f"spark: {json.dumps(SPARK)}, table: unjoined_log"
    document = checked(tmp_path, source, f'column: target, path: "{tmp_path / "labels.parquet"}"', "auto")
    assert document["error"] is not None and document["error"].startswith("monitors.m.target:")
    assert "Spark session" in document["error"]


def test_cbpe_over_spark_reads_its_labels_through_the_join(
    spark_session: Any, tmp_path: Path, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """CBPE learns from the reference's labels, joined in Spark from another table of the session."""
    from monitor.config.models import MonitorConfig

    log, labels = frames
    spark_session.createDataFrame(log).createOrReplaceTempView("cbpe_log")
    spark_session.createDataFrame(labels).createOrReplaceTempView("cbpe_labels")
    log.to_parquet(tmp_path / "log.parquet", index=False)
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    sections = {
        "features": {"numerical": ["normal"]},
        "prediction": {"column": "label", "score": "score"},
        "estimation": {"method": "cbpe", "metrics": ["roc_auc", "accuracy"]},
        "reference": {"previous": "1d"},
        "window": "1h",
    }
    places = [
        ({"spark": SPARK, "table": "cbpe_log"}, {"table": "cbpe_labels"}),
        ({"path": f"{tmp_path}/log.parquet", "compute": "local"}, {"path": f"{tmp_path}/labels.parquet"}),
    ]
    estimates = []
    for source, labels_place in places:
        target = {"column": "target", "join_on": "row_id", **labels_place}
        document = {"source": {**source, "timestamp": "ts"}, "target": target, **sections}
        result = evaluate("m", MonitorConfig.model_validate(document), AT).result
        assert result.error is None, result.error
        assert result.estimated_performance is not None
        estimates.append({m.metric: m.estimate for m in result.estimated_performance.metrics})
    pushed, local = estimates
    assert all(value is not None for value in local.values())
    assert_same(pushed, local)
