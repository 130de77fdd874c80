"""Reading one SQL window into memory: today's paths against Arrow-native readers.

    python benchmarks/sql_read.py [--rows N] [--json out.json] [--postgres URL] [--duckdb-python PATH]

The log of ``drift_data.py`` (N reference + N current rows x 24 columns: time, 20 numerical,
2 text, score) is written to a SQLite file (ISO text times, indexed) and to the local
PostgreSQL (``timestamptz``, indexed); every reader then loads the current window (N rows,
every column, the time column parsed to datetime64[ns, UTC]) into a pandas DataFrame, each in
its own process (wall and CPU seconds, peak RSS of that process; best wall time of
``--repeat`` runs):

- ``pandas.read_sql``: SQLAlchemy statement with bound window bounds, then ``pd.to_datetime``;
- ``monitor (SQLAlchemy)``: ``SQLAlchemySource.read_window`` with no ADBC driver (the fallback:
  DBAPI rows converted chunk by chunk, binary PostgreSQL results);
- ``monitor (ADBC)``: the same call with the ADBC drivers installed (what ``monitor`` does);
- ``ADBC``: the driver alone, ``fetch_arrow_table().to_pandas()``;
- ``connectorx``: ``read_sql(..., return_type="arrow")``; it takes no bound parameters, so
  the bounds are written into the SQL text here (monitor could not do that);
- ``DuckDB scanner``: DuckDB's sqlite / postgres extensions, ``ATTACH`` then the window
  query (``--duckdb-python``: an interpreter whose DuckDB matches the extension wheels).

Readers whose package is missing are skipped. Install sizes are summed from each wheel's
RECORD (the package and what it alone pulls in; pyarrow, pandas and SQLAlchemy are shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from drift_data import (  # noqa: E402
    CURRENT_END,
    CURRENT_START,
    libpq_url,
    make_windows,
    postgres_database,
    write_postgres,
    write_sqlite,
)

HERE = Path(__file__).resolve().parent
TABLE = "predictions"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"  # a database of its own is made there
READERS = ["read_sql", "monitor_sqlalchemy", "monitor_adbc", "adbc", "connectorx", "duckdb"]
LABELS = {
    "read_sql": "pandas.read_sql",
    "monitor_sqlalchemy": "monitor (SQLAlchemy)",
    "monitor_adbc": "monitor (ADBC)",
    "adbc": "ADBC",
    "connectorx": "connectorx",
    "duckdb": "DuckDB scanner",
}
PACKAGES = {
    "adbc": ["adbc-driver-manager", "adbc-driver-sqlite", "adbc-driver-postgresql"],
    "connectorx": ["connectorx"],
    "duckdb": ["duckdb", "duckdb-extension-sqlite", "duckdb-extension-postgres"],
}


# -- the readers (run in a child: ``sql_read.py --worker READER DATABASE URL``) ------------------


def _bounds() -> tuple[datetime, datetime]:
    return CURRENT_START, CURRENT_END


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _window_sql(database: str, placeholder: str) -> str:
    first, second = (placeholder.format(1), placeholder.format(2))
    return f"SELECT * FROM {TABLE} WHERE timestamp >= {first} AND timestamp < {second}"


def _bound_values(database: str) -> list[Any]:
    start, end = _bounds()
    if database == "sqlite":  # ISO text, as drift_data writes it
        return [start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")]
    return [start, end]


def _utc(frame: Any) -> Any:
    import pandas as pd

    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    return frame


def read_with(reader: str, database: str, url: str) -> Any:
    """The current window as a pandas DataFrame, read by ``reader``."""
    if reader == "read_sql":
        import pandas as pd
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        table = sa.table(TABLE, sa.column("timestamp"))
        low, high = _bound_values(database)
        statement = sa.select(sa.text("*")).select_from(table)
        statement = statement.where(table.c.timestamp >= low, table.c.timestamp < high)
        with engine.connect() as connection:
            return _utc(pd.read_sql(statement, connection))
    if reader in ("monitor_sqlalchemy", "monitor_adbc"):
        from monitor.config.models import SourceConfig
        from monitor.sources import arrowsql, open_source

        if reader == "monitor_sqlalchemy":
            arrowsql.load_driver = lambda backend: None  # as when no ADBC driver is installed
        config = SourceConfig(url=url, table=TABLE, timestamp="timestamp")
        with open_source(config) as source:
            return source.read_window(None, *_bounds())
    if reader == "adbc":
        if database == "sqlite":
            import adbc_driver_sqlite.dbapi as driver

            target, placeholder = _sqlite_path(url), "?"
        else:
            import adbc_driver_postgresql.dbapi as driver

            target, placeholder = libpq_url(url), "${}"
        with driver.connect(target) as connection, connection.cursor() as cursor:
            cursor.execute(_window_sql(database, placeholder), _bound_values(database))
            return _utc(cursor.fetch_arrow_table().to_pandas())
    if reader == "connectorx":
        import connectorx as cx

        low, high = (f"'{value}'" for value in _bound_values(database))  # no bound parameters
        sql = f"SELECT * FROM {TABLE} WHERE timestamp >= {low} AND timestamp < {high}"
        target = f"sqlite://{_sqlite_path(url)}" if database == "sqlite" else libpq_url(url)
        return _utc(cx.read_sql(target, sql, return_type="arrow").to_pandas())
    if reader == "duckdb":
        import duckdb

        connection = duckdb.connect()
        _load_scanner(connection, "sqlite_scanner" if database == "sqlite" else "postgres_scanner")
        if database == "sqlite":
            connection.execute(f"ATTACH '{_sqlite_path(url)}' AS db (TYPE sqlite, READ_ONLY)")
        else:
            connection.execute(f"ATTACH '{libpq_url(url)}' AS db (TYPE postgres, READ_ONLY)")
        sql = _window_sql(database, "?").replace(f"FROM {TABLE}", f"FROM db.{TABLE}")
        return _utc(connection.execute(sql, _bound_values(database)).fetch_arrow_table().to_pandas())
    raise SystemExit(f"unknown reader {reader}")


def _load_scanner(connection: Any, name: str) -> None:
    """LOAD a DuckDB extension: installed, or from its PyPI package (no network needed)."""
    try:
        connection.execute(f"LOAD {name}")
        return
    except Exception:
        pass
    package = "duckdb_extension_" + name.replace("_scanner", "")
    module = __import__(package)
    (found,) = Path(module.__file__).parent.glob("extensions/*/*.duckdb_extension")
    folder = Path(tempfile.mkdtemp())
    shutil.copy(found, folder / f"{name}.duckdb_extension")  # the file name names its entry point
    connection.execute(f"LOAD '{folder / f'{name}.duckdb_extension'}'")


def worker(reader: str, database: str, url: str) -> None:
    started, cpu_started = time.perf_counter(), time.process_time()
    frame = read_with(reader, database, url)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    summary = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": len(frame),
        "columns": frame.shape[1],
        "time_dtype": str(frame["timestamp"].dtype),
        "score_sum": float(frame["score"].sum()),
    }
    print(json.dumps(summary))


# -- the parent ------------------------------------------------------------------------------------


def run_child(command: list[str]) -> dict[str, Any]:
    from drift import run_child as measured

    return measured(command)


def install_mb(packages: list[str]) -> float | None:
    """Installed size of ``packages`` (sum of their RECORD entries), None when one is missing."""
    total = 0
    for name in packages:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            return None
        total += sum(file.size or 0 for file in files)
    return total / 1e6


def available(reader: str, duckdb_python: str | None) -> str | None:
    """The interpreter that runs ``reader``, or None when its packages are missing."""
    if reader == "duckdb":
        return duckdb_python
    needs = {"adbc": "adbc_driver_sqlite", "monitor_adbc": "adbc_driver_sqlite", "connectorx": "connectorx"}
    module = needs.get(reader)
    if module is not None:
        try:
            __import__(module)
        except ImportError:
            return None
    return sys.executable


def measure(databases: dict[str, str], args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    for database, url in databases.items():
        for reader in args.readers:
            python = available(reader, args.duckdb_python)
            if python is None:
                print(f"   {LABELS[reader]}: not installed, skipped", file=sys.stderr)
                continue
            runs = []
            for _ in range(args.repeat):
                run = run_child([python, str(Path(__file__).resolve()), "--worker", reader, database, url])
                if run["code"] != 0:
                    print(f"   {LABELS[reader]} on {database} failed (exit {run['code']})", file=sys.stderr)
                    break
                runs.append({**json.loads(run["stdout"]), "process_rss_mb": run["rss_mb"]})
            if not runs:
                continue
            best = min(runs, key=lambda run: run["seconds"])
            result = {"database": database, "reader": reader, **best, "runs": runs}
            results.append(result)
            print_table([result], header=not results[:-1])
    return results


def print_table(results: list[dict[str, Any]], header: bool = True) -> None:
    if header:
        print(f"{'database':<11} {'reader':<22} {'rows':>10} {'read s':>7} {'cpu s':>6} {'peak MB':>8}")
    for result in results:
        print(
            f"{result['database']:<11} {LABELS[result['reader']]:<22} {result['rows']:>10,} "
            f"{result['seconds']:7.2f} {result['cpu_seconds']:6.2f} {result['process_rss_mb']:8.0f}"
        )


def print_sizes(duckdb_python: str | None) -> dict[str, float | None]:
    sizes = {reader: install_mb(packages) for reader, packages in PACKAGES.items()}
    if duckdb_python:
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[1]); from sql_read import install_mb, PACKAGES; "
            "print(json.dumps(install_mb(PACKAGES['duckdb'])))"
        )
        output = subprocess.run([duckdb_python, "-c", code, str(HERE)], capture_output=True, text=True)
        sizes["duckdb"] = json.loads(output.stdout) if output.returncode == 0 else None
    print("\ninstalled size (MB; pyarrow, pandas, SQLAlchemy shared by all)")
    for reader, size in sizes.items():
        print(f"  {LABELS[reader]:<16} {'-' if size is None else format(size, '7.1f')}")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per window")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--postgres", default=POSTGRES, help="a PostgreSQL server URL ('' skips PostgreSQL)")
    parser.add_argument(
        "--duckdb-python", help="an interpreter with duckdb and its sqlite/postgres extensions"
    )
    parser.add_argument("--readers", nargs="+", default=READERS, choices=READERS)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--worker", nargs=3, metavar=("READER", "DATABASE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    with ExitStack() as stack:
        temporary = stack.enter_context(tempfile.TemporaryDirectory(prefix="sql-read-"))
        print(f"-- writing {args.rows:,} + {args.rows:,} rows x 24 columns", file=sys.stderr)
        reference, current = make_windows(args.rows)
        path = Path(temporary) / "log.db"
        write_sqlite(reference, current, path)
        del reference, current
        databases = {"sqlite": f"sqlite:///{path}"}
        if args.postgres:
            databases["postgresql"] = stack.enter_context(postgres_database(args.postgres, "sql_read"))
            reference, current = make_windows(args.rows)
            write_postgres(reference, current, databases["postgresql"])
            del reference, current
        results = measure(databases, args)
    print()
    print_table(results)
    sizes = print_sizes(args.duckdb_python)
    if args.json:
        document = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "rows": args.rows,
            "results": results,
            "install_mb": sizes,
        }
        args.json.write_text(json.dumps(document, indent=2, default=str))


if __name__ == "__main__":
    main()
