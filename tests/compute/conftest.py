"""One fixture, parametrised over every compute engine (as APScheduler 4's tests/conftest.py does
with its data stores): each param loads a frame where that engine reads it and names the
source both for that engine and for the ``local`` engine that is its oracle."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.pg import temporary_database

# every pushdown engine (DuckDB over Parquet and over CSV); ``local`` is the oracle each is compared with
ENGINE_NAMES = ["duckdb", "csv", "sqlite", "postgresql", "spark"]

# Spark sized for the tests' few thousand rows (the product's Spark defaults are not what the
# tests are about): one shuffle partition (warm checks ~30% faster than with 2). Every Spark
# source of the tests names this master and conf, so a test process starts one Spark session
# and every test shares it
SPARK_MASTER = "local[2]"
SPARK_CONF = {"spark.sql.shuffle.partitions": "1"}
SPARK = {"master": SPARK_MASTER, "conf": SPARK_CONF}


def java_missing() -> str | None:
    """Why Spark cannot start here, or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'model-monitor[spark]')"
    java = shutil.which("java")
    if java is None:
        return "no Java runtime (Spark needs Java 17+)"
    probe = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return "java -version failed"
    return None


@dataclass
class Place:
    """Where one engine's data lives; ``load(frame)`` -> (source for the engine, source for local)."""

    engine: str
    load_frame: Callable[[pd.DataFrame, str], tuple[dict[str, Any], dict[str, Any]]]
    loaded: dict[int, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)

    def load(self, frame: pd.DataFrame) -> tuple[dict[str, Any], dict[str, Any]]:
        key = id(frame)
        if key not in self.loaded:
            self.loaded[key] = self.load_frame(frame, f"log_{uuid.uuid4().hex[:8]}")
        return self.loaded[key]


def _parquet(directory: Path) -> Callable[[pd.DataFrame, str], dict[str, Any]]:
    def write(frame: pd.DataFrame, name: str) -> dict[str, Any]:
        path = directory / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        return {"path": str(path), "timestamp": "ts"}

    return write


def _csv(directory: Path) -> Callable[[pd.DataFrame, str], dict[str, Any]]:
    """The frame as two CSV files (its first and second half): a glob, as logs are kept."""

    def write(frame: pd.DataFrame, name: str) -> dict[str, Any]:
        half = len(frame) // 2
        for part, rows in enumerate((frame.iloc[:half], frame.iloc[half:])):
            rows.to_csv(directory / f"{name}_{part}.csv", index=False)
        return {"path": str(directory / f"{name}_*.csv"), "timestamp": "ts"}

    return write


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    reason = java_missing()
    if reason is not None:
        pytest.skip(reason)
    from monitor.sources.spark import spark_session, stop_spark_sessions

    yield spark_session(SPARK_MASTER, SPARK_CONF)
    stop_spark_sessions()


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def place(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    engine = request.param
    directory = tmp_path_factory.mktemp(f"compute_{engine}")
    parquet = _parquet(directory)
    if engine in ("duckdb", "csv"):
        pytest.importorskip("duckdb", reason="duckdb is not installed (pip install 'model-monitor[duckdb]')")
        write = parquet if engine == "duckdb" else _csv(directory)

        def duckdb_load(frame: pd.DataFrame, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
            source = write(frame, name)
            return {**source, "compute": "pushdown"}, {**source, "compute": "local"}

        yield Place("duckdb", duckdb_load)
    elif engine in ("sqlite", "postgresql"):
        import sqlalchemy as sa

        with _database(engine, directory) as url:
            database = sa.create_engine(url)

            def sql_load(frame: pd.DataFrame, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
                frame.to_sql(name, database, index=False)
                source = {"url": url, "table": name, "timestamp": "ts"}
                return {**source, "compute": "pushdown"}, {**source, "compute": "local"}

            yield Place(engine, sql_load)
            database.dispose()
            from monitor.sources import dispose_engines

            dispose_engines()
    else:
        session = request.getfixturevalue("spark_session")

        def spark_load(frame: pd.DataFrame, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
            session.createDataFrame(frame).createOrReplaceTempView(name)
            return {"spark": SPARK, "table": name, "timestamp": "ts"}, parquet(frame, name)

        yield Place(engine, spark_load)


class _database:
    def __init__(self, engine: str, directory: Path) -> None:
        self.engine, self.directory = engine, directory
        self._postgres: Any = None

    def __enter__(self) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{self.directory / 'log.db'}"
        self._postgres = temporary_database()
        return str(self._postgres.__enter__())

    def __exit__(self, *exc: object) -> None:
        if self._postgres is not None:
            self._postgres.__exit__(None, None, None)
