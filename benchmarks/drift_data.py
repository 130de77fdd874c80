"""Synthetic prediction logs for the benchmarks: N reference rows then N current rows.

Columns: ``num_00`` .. ``num_NN`` (float64 of several shapes, some with gaps, some with few
distinct values so every branch of ``method: auto`` runs), two categorical text columns,
a model ``score`` in [0, 1] and a ``timestamp``. The current window is shifted a little so
some columns drift and some do not.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
CURRENT_START = datetime(2026, 2, 1, tzinfo=timezone.utc)
CURRENT_END = datetime(2026, 3, 1, tzinfo=timezone.utc)
CATEGORICAL = ["merchant", "country"]
SCORE = "score"


def numerical_names(count: int) -> list[str]:
    return [f"num_{index:03d}" if count > 100 else f"num_{index:02d}" for index in range(count)]


def _numerical(index: int, rows: int, rng: np.random.Generator, shifted: bool) -> np.ndarray:
    shift = 0.05 * (index % 4) if shifted else 0.0  # a quarter of the columns stay put
    shape = index % 5
    if shape == 0:
        values = rng.normal(shift, 1.0, rows)
    elif shape == 1:
        values = rng.lognormal(shift, 0.8, rows)
    elif shape == 2:
        values = rng.gamma(2.0, 20.0 * (1 + shift), rows).round(2)  # money: many ties
    elif shape == 3:
        values = rng.poisson(3.0 + shift * 10, rows).astype(np.float64)  # counts: few distinct values
    else:
        values = rng.choice([0.0, 1.0, 2.5, 4.0], rows, p=[0.4, 0.3, 0.2, 0.1])
    if index % 3 == 0:
        values[rng.random(rows) < 0.02] = np.nan
    return values


def window_frame(
    rows: int, start: datetime, span: timedelta, rng: np.random.Generator, shifted: bool, numerical: int
) -> pd.DataFrame:
    """One window of ``rows`` rows spread evenly over ``[start, start + span)``."""
    offsets = np.sort(rng.integers(0, int(span.total_seconds() * 1e6), rows))
    frame: dict[str, object] = {
        "timestamp": pd.Timestamp(start) + pd.to_timedelta(offsets, unit="us"),
    }
    for index, name in enumerate(numerical_names(numerical)):
        frame[name] = _numerical(index, rows, rng, shifted)
    merchants = ["food", "travel", "games", "fuel", "fashion", "health", "home", "other"]
    merchant_p = np.array([20, 15, 15, 10, 10, 10, 10, 10 if not shifted else 14], dtype=float)
    frame["merchant"] = rng.choice(merchants, rows, p=merchant_p / merchant_p.sum())
    countries = [f"C{code:02d}" for code in range(30 + (2 if shifted else 0))]
    country = pd.Series(rng.choice(countries, rows))
    frame["country"] = country.where(rng.random(rows) > 0.01)  # a few missing values
    frame[SCORE] = rng.beta(2.0, 5.0 if not shifted else 4.6, rows)
    return pd.DataFrame(frame)


def make_windows(rows: int, numerical: int = 20, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    reference = window_frame(rows, REFERENCE_START, CURRENT_START - REFERENCE_START, rng, False, numerical)
    current = window_frame(rows, CURRENT_START, CURRENT_END - CURRENT_START, rng, True, numerical)
    return reference, current


def write_parquet(reference: pd.DataFrame, current: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(pd.concat([reference, current], ignore_index=True), preserve_index=False)
    pq.write_table(table, path, row_group_size=256 * 1024)


def write_sqlite(reference: pd.DataFrame, current: pd.DataFrame, path: Path) -> None:
    frame = pd.concat([reference, current], ignore_index=True)
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    with sqlite3.connect(path) as connection:
        frame.to_sql("predictions", connection, index=False, chunksize=50_000)
        connection.execute("CREATE INDEX predictions_ts ON predictions (timestamp)")


def libpq_url(url: str) -> str:
    """libpq's form of a ``postgresql+psycopg://`` SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def postgres_database(server: str, purpose: str) -> Iterator[str]:
    """The SQLAlchemy URL of a database of this run's own on ``server``, dropped at the end."""
    import psycopg

    name = f"monitor_{purpose}_{os.getpid()}"
    with psycopg.connect(libpq_url(f"{server}/postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(libpq_url(f"{server}/postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def write_postgres(reference: pd.DataFrame, current: pd.DataFrame, url: str) -> None:
    """The log in PostgreSQL (time as timestamptz, floats as float8), loaded with COPY, indexed."""
    import psycopg

    frame = pd.concat([reference, current], ignore_index=True)
    columns = ", ".join(
        f"{name} timestamptz"
        if name == "timestamp"
        else f"{name} text"
        if frame[name].dtype == object
        else f"{name} float8"
        for name in frame.columns
    )
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS predictions")
        connection.execute(f"CREATE TABLE predictions ({columns})")
        with connection.cursor().copy("COPY predictions FROM STDIN") as copy:
            for start in range(0, len(frame), 100_000):
                copy.write(
                    frame.iloc[start : start + 100_000].to_csv(
                        sep="\t", header=False, index=False, na_rep="\\N"
                    )
                )
        connection.execute("CREATE INDEX predictions_ts ON predictions (timestamp)")
        connection.execute("ANALYZE predictions")


def write_config(folder: Path, source: str, numerical: int = 20, monitors: int = 1) -> Path:
    """A config of ``monitors`` monitors over ``source`` (a YAML ``source:`` mapping), features
    listed, checked every minute; one monitor is called ``bench``, several ``model-00``..."""
    names = ", ".join(numerical_names(numerical))
    monitor = f"""\
    source: {source}
    features:
      numerical: [{names}]
      categorical: [{", ".join(CATEGORICAL)}]
    prediction: {{score: {SCORE}, task: classification}}
    reference: {{start: "{REFERENCE_START:%Y-%m-%d}", end: "{CURRENT_START:%Y-%m-%d}"}}
    window: {(CURRENT_END - CURRENT_START).days}d
    schedule: {{every: 1m}}
    alerts:
      - {{rule: dataset_drift}}
"""
    labels = ["bench"] if monitors == 1 else [f"model-{index:02d}" for index in range(monitors)]
    text = f"""\
store: sqlite:///{folder / "state.db"}
reports: {{dir: {folder / "reports"}, when: never}}
monitors:
""" + "".join(f"  {label}:\n{monitor}" for label in labels)
    path = folder / "monitor.yaml"
    path.write_text(text, encoding="utf-8")
    return path
