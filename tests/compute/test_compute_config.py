"""The ``compute:``, ``max_local_rows``, ``duckdb:`` and ``spark:`` keys of a source."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from monitor.config.models import SourceConfig


def test_defaults_are_auto_and_five_million_rows() -> None:
    source = SourceConfig(path="logs/*.parquet", timestamp="ts")
    assert (source.compute, source.max_local_rows, source.kind) == ("auto", 5_000_000, "files")
    assert source.duckdb.memory_limit is None and source.duckdb.temp_directory is None


def test_a_spark_source_names_its_master_and_a_table() -> None:
    source = SourceConfig.model_validate(
        {
            "spark": {"master": "spark://host:7077", "conf": {"spark.executor.memory": "4g"}},
            "table": "db.p",
            "timestamp": "ts",
        }
    )
    assert source.kind == "spark" and source.spark is not None
    assert (source.spark.master, source.spark.conf) == ("spark://host:7077", {"spark.executor.memory": "4g"})
    assert (
        SourceConfig.model_validate({"spark": {}, "query": "SELECT 1", "timestamp": "ts"}).spark.master
        == "local[2]"
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"spark": {}, "timestamp": "ts"}, "Spark source needs exactly one of table or query"),
        ({"spark": {}, "table": "t", "url": "sqlite:///x.db", "timestamp": "ts"}, "give one of url"),
        ({"spark": {}, "table": "t", "timestamp": "ts", "compute": "local"}, "computed in Spark"),
        ({"path": "x.parquet", "timestamp": "ts", "compute": "sometimes"}, "local"),
        ({"path": "x.parquet", "timestamp": "ts", "max_local_rows": -1}, "greater than or equal to 0"),
        ({"path": "x.parquet", "timestamp": "ts", "duckdb": {"memory": "1GB"}}, "Extra inputs"),
    ],
)
def test_bad_compute_settings_are_named(document: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SourceConfig.model_validate(document)
