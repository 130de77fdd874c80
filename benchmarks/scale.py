"""``monitor check`` on big windows: computed locally vs pushed down (DuckDB, PostgreSQL, Spark).

    .venv/bin/python benchmarks/scale.py                                # Parquet 1M and 10M, PostgreSQL 1M, Spark 1M
    .venv/bin/python benchmarks/scale.py --rows 1000000 --no-postgres --no-spark --json out.json
    .venv/bin/python benchmarks/scale.py --rows 10000000 --no-local     # pushdown only at 10M
    .venv/bin/python benchmarks/scale.py --rows 1000000 --no-spark --keep data/   # + SQLite, PostgreSQL
    .venv/bin/python benchmarks/scale.py --rows 1000000 --csv --no-sqlite --no-postgres  # + one CSV file

N reference + N current rows x 23 columns (``drift_data``: 20 numerical, 2 categorical, a
score). Each check is a fresh ``monitor check --json --dry-run`` process; its wall time and
peak RSS (``VmHWM``, polled) are measured as in ``drift.py``. Spark's executors run in a JVM
beside the ``monitor`` process: its RSS is the Python process only (the JVM's heap is
``spark.driver.memory``). At ``--others-at`` rows the log is also copied into SQLite and
PostgreSQL and checked there, read (``local``) and pushed down; ``ratio`` is a case's wall
time over the local check from Parquet at the same size (issue 13's target for SQLite and
PostgreSQL read locally: within 2x). ``max rel diff`` is the largest relative difference between a
pushed-down score and the local check's on the same data. Target (issue 13): pushdown at
10M + 10M x 23 from Parquet under 1 GB peak RSS and under 90 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from drift import run_child  # noqa: E402
from drift_data import (  # noqa: E402
    CURRENT_END,
    CURRENT_START,
    REFERENCE_START,
    window_frame,
    write_config,
)

CHUNK = 1_000_000
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DUCKDB = "duckdb: {memory_limit: 512MB, threads: 2, temp_directory: '%s'}"


def write_log(rows: int, path: Path) -> None:
    """N reference rows then N current rows, written a million rows at a time (bounded memory)."""
    rng = np.random.default_rng(0)
    writer: pq.ParquetWriter | None = None
    for start, end, shifted in ((REFERENCE_START, CURRENT_START, False), (CURRENT_START, CURRENT_END, True)):
        chunks = max(1, math.ceil(rows / CHUNK))
        span = (end - start) / chunks
        for index in range(chunks):
            size = min(CHUNK, rows - index * CHUNK)
            frame = window_frame(
                size, start + index * span, span - timedelta(microseconds=1), rng, shifted, 20
            )
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                # microsecond timestamps: Spark reads no nanosecond Parquet timestamps
                writer = pq.ParquetWriter(path, table.schema, coerce_timestamps="us")
            writer.write_table(table, row_group_size=256 * 1024)
    assert writer is not None
    writer.close()


def load_postgres(parquet: Path, table: str) -> str | None:
    """The Parquet log copied into PostgreSQL (COPY), or None when the server is not there."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        connection = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True)
    except psycopg.OperationalError:
        return None
    file = pq.ParquetFile(parquet)
    names = file.schema_arrow.names
    columns = ", ".join(
        f'"{name}" '
        + ("timestamptz" if name == "timestamp" else "text" if name in ("merchant", "country") else "float8")
        for name in names
    )
    with connection:
        connection.execute(f'DROP TABLE IF EXISTS "{table}"')
        connection.execute(f'CREATE TABLE "{table}" ({columns})')
        with connection.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
            for batch in file.iter_batches(batch_size=200_000):
                frame = batch.to_pandas()
                copy.write(frame.to_csv(sep="\t", header=False, index=False, na_rep="\\N"))
        connection.execute(f'CREATE INDEX ON "{table}" ("timestamp")')
        connection.execute(f'ANALYZE "{table}"')
    return POSTGRES


def load_sqlite(parquet: Path, database: Path) -> str:
    """The Parquet log copied into a SQLite table ``predictions`` (time as ISO text, indexed),
    as ``drift_data.write_sqlite`` writes it; kept when it is already there."""
    import sqlite3

    if not database.exists():
        with sqlite3.connect(database) as connection:
            for batch in pq.ParquetFile(parquet).iter_batches(batch_size=200_000):
                frame = batch.to_pandas()
                frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
                frame.to_sql("predictions", connection, index=False, if_exists="append", chunksize=50_000)
            connection.execute("CREATE INDEX predictions_ts ON predictions (timestamp)")
    return f"sqlite:///{database}"


def write_csv(parquet: Path, csv: Path) -> Path:
    """The Parquet log as one CSV file (DuckDB's writer), kept when it is already there."""
    if not csv.exists():
        import duckdb

        duckdb.execute(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{csv}' (HEADER)")
    return csv


def written_log(folder: Path, rows: int, write: Callable[[int, Path], None]) -> Path:
    """``folder``/log.parquet of ``rows`` + ``rows`` rows, written by ``write`` unless kept from before."""
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / "log.parquet"
    if not parquet.exists():
        clock = time.perf_counter()
        write(rows, parquet)
        print(f"wrote {rows:,} + {rows:,} rows in {time.perf_counter() - clock:.0f}s", file=sys.stderr)
    return parquet


def check(
    folder: Path, name: str, source: str, write: Callable[[Path, str], Path] = write_config
) -> dict[str, Any]:
    """One ``monitor check`` process over ``source`` (its config written by ``write``)."""
    directory = folder / name
    directory.mkdir(exist_ok=True)
    config = write(directory, source)
    command = [sys.executable, "-m", "monitor.cli", "check", "-c", str(config), "--json", "--dry-run"]
    run = run_child([*command, "--at", CURRENT_END.isoformat()])
    result: dict[str, Any] = {
        "case": name,
        **{k: run[k] for k in ("seconds", "cpu_seconds", "rss_mb", "code")},
    }
    try:
        monitor = json.loads(run["stdout"])["monitors"][0]
    except (ValueError, IndexError, KeyError):
        result["error"] = run["stdout"][-500:]
        return result
    result["compute"] = monitor["compute"]
    result["error"] = monitor["error"]
    result["scores"] = {c["column"]: c["score"] for c in (monitor["drift"] or {"columns": []})["columns"]}
    if monitor["prediction_drift"]:
        result["scores"]["prediction"] = monitor["prediction_drift"]["score"]
    return result


def max_relative_difference(scores: dict[str, float | None], local: dict[str, float | None]) -> float | None:
    worst = 0.0
    for column, expected in local.items():
        got = scores.get(column)
        if expected is None or got is None:
            if expected is not got:
                return math.inf
            continue
        worst = max(worst, abs(got - expected) / max(abs(expected), 1e-300))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--no-local", action="store_true", help="skip compute: local (6+ GB at 10M)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-parquet-pushdown", action="store_true")
    parser.add_argument("--csv", action="store_true", help="also the log as CSV, local and pushed down")
    parser.add_argument("--table-prefix", default="scale", help="PostgreSQL table name prefix")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--others-at", type=int, default=1_000_000, help="rows for PostgreSQL and Spark")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="a folder to keep the data in (default: a temporary one)")
    arguments = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temporary:
        root = arguments.keep or Path(temporary)
        root.mkdir(parents=True, exist_ok=True)
        for rows in arguments.rows:
            folder = root / f"rows_{rows}"
            parquet = written_log(folder, rows, write_log)
            cases = []
            if not arguments.no_local:
                cases.append(
                    ("parquet local", f'{{path: "{parquet}", timestamp: timestamp, compute: local}}')
                )
            spill = DUCKDB % (folder / "spill")
            if not arguments.no_parquet_pushdown:
                cases.append(
                    (
                        "parquet pushdown",
                        f'{{path: "{parquet}", timestamp: timestamp, compute: pushdown, {spill}}}',
                    )
                )
            if rows == arguments.others_at and arguments.csv:
                csv = write_csv(parquet, folder / "log.csv")
                for mode in ("local", "pushdown"):
                    extra = f", {spill}" if mode == "pushdown" else ""
                    source = f'{{path: "{csv}", timestamp: timestamp, compute: {mode}{extra}}}'
                    cases.append((f"csv {mode}", source))
            if rows == arguments.others_at and not arguments.no_sqlite:
                url = load_sqlite(parquet, folder / "log.db")
                for mode in ("local", "pushdown"):
                    source = f'{{url: "{url}", table: predictions, timestamp: timestamp, compute: {mode}}}'
                    cases.append((f"sqlite {mode}", source))
            if rows == arguments.others_at and not arguments.no_postgres:
                table = f"{arguments.table_prefix}_{rows}"
                url = load_postgres(parquet, table)
                if url is not None:
                    for mode in ("local", "pushdown"):
                        source = f'{{url: "{url}", table: {table}, timestamp: timestamp, compute: {mode}}}'
                        cases.append((f"postgresql {mode}", source))
            if rows == arguments.others_at and not arguments.no_spark:
                spark = (
                    '{master: "local[2]", conf: {spark.sql.shuffle.partitions: "4", spark.driver.memory: 2g}}'
                )
                query = f"SELECT * FROM parquet.`{parquet}`"
                cases.append(
                    ("spark pushdown", f'{{spark: {spark}, query: "{query}", timestamp: timestamp}}')
                )
            local_scores: dict[str, dict[str, float | None]] = {}
            for name, source in cases:
                result = check(folder, name.replace(" ", "_"), source)
                result["rows"] = rows
                result["load_average"] = os.getloadavg()[0]  # the machine's, as the case ended
                family = name.split()[0] if name.split()[0] != "spark" else "parquet"
                if name.endswith("local") and "scores" in result:
                    local_scores[family] = result["scores"]
                if "scores" in result and family in local_scores and not name.endswith("local"):
                    result["max_rel_diff"] = max_relative_difference(result["scores"], local_scores[family])
                elif family != "parquet" and "scores" in result and "parquet" in local_scores:
                    # a local read of a database against the local read of the same rows from Parquet
                    result["max_rel_diff"] = max_relative_difference(
                        result["scores"], local_scores["parquet"]
                    )
                results.append(result)
                print(f"{name} {rows:,}: {result['seconds']:.1f}s {result['rss_mb']:.0f} MB", file=sys.stderr)
    print(table_of(results))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2, default=str))


def table_of(results: list[dict[str, Any]]) -> str:
    lines = [
        f"{'rows':>12} {'case':<20} {'engine':<11} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'max rel diff':>12}"
        f" {'ratio':>6}"
    ]
    parquet_local = {r["rows"]: r["seconds"] for r in results if r["case"] == "parquet_local"}
    for result in results:
        baseline = parquet_local.get(result["rows"])
        ratio = f"{result['seconds'] / baseline:6.1f}" if baseline else f"{'-':>6}"
        difference = result.get("max_rel_diff")
        lines.append(
            f"{result['rows']:>12,} {result['case']:<20} {str(result.get('compute')):<11} {result['seconds']:>7.1f} "
            f"{result['cpu_seconds']:>7.1f} {result['rss_mb']:>8.0f} "
            f"{'-' if difference is None else f'{difference:.1e}':>12} {ratio}"
            + (f"  error: {result['error']}" if result.get("error") else "")
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
