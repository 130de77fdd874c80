"""A report's rows drawn where the data lives: at most ``reports.max_rows`` rows per window, the
same ones on every run, without the window ever reaching this process (docs/reference.md,
"Reports of pushed-down runs").

Each row of the window gets a 64-bit hash, of its key (``target.join_on``, when the monitor
has one) or else of the whole row as text, and the rows with the smallest hashes are kept
(``ORDER BY hash LIMIT max_rows``: a top-N the engines keep in a small heap, not a sort of
the window). A hash is a fixed function of the row, so the same window gives the same
sample on every run, and a row sampled from one window stays sampled in an overlapping one
as long as it is among the smallest. Every engine spells the hash its own way; SQLite has
none and gets a deterministic Python function on its connection (``monitor_hash``).

``window_rows`` reads a few columns of a whole window the same way, for what a ``spark:``
source (whose rows no source reads) needs here: CBPE's prediction columns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.compute.dialects import quote
from monitor.compute.sql import SqlEngine, TypeKind
from monitor.compute.statements import Statement, WindowSpec

log = logging.getLogger(__name__)

HASH_COLUMN = "__monitor_sample_hash__"

# each engine's 64-bit hash of a text, written as the statements' DuckDB SQL passes it through
HASH_FUNCTIONS = {
    "duckdb": "hash({})",
    "postgresql": "hashtextextended({}, 0)",
    "sqlite": "monitor_hash({})",
    "spark": "xxhash64({})",
}


def hashed_text(columns: Sequence[str]) -> str:
    """The text the hash is taken of: one column's, or every column's joined with separators
    (NULL as an empty field, so a row with NULLs still hashes)."""
    parts = [f"COALESCE(CAST({quote(column)} AS VARCHAR), '')" for column in columns]
    return " || '|' || ".join(parts) if parts else "''"


def sample_statement(
    spec: WindowSpec, columns: Sequence[str], key: Sequence[str], dialect: str, max_rows: int
) -> tuple[str, Statement]:
    """``columns`` of at most ``max_rows`` rows of the window: those whose hash of ``key`` is smallest."""
    statement = Statement()
    hashed = HASH_FUNCTIONS[dialect].format(hashed_text(key))
    selected = ", ".join(quote(column) for column in columns)
    window = spec.cte(statement, "w", list(dict.fromkeys([*columns, *key])))
    sql = (
        f"WITH {window}, h AS (SELECT *, {hashed} AS {quote(HASH_COLUMN)} FROM w) "
        f"SELECT {selected} FROM h ORDER BY {quote(HASH_COLUMN)} LIMIT {int(max_rows)}"
    )
    return sql, statement


def sample_window(
    engine: SqlEngine, spec: WindowSpec, columns: Sequence[str], key: Sequence[str], max_rows: int
) -> pd.DataFrame:
    """The sampled rows as a frame, numbers as floats (NULL: NaN), times as UTC timestamps."""
    types = engine.column_types()
    rows = engine.run(sample_statement(spec, columns, key, engine.dialect.name, max_rows))
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    for column in columns:
        frame[column] = _typed(frame[column], types.get(column, "other"))
    return frame


def window_rows(engine: SqlEngine, spec: WindowSpec, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of every row of the window, typed as ``sample_window``'s, in the engine's order."""
    statement = Statement()
    sql = f"SELECT * FROM {spec.subquery(statement, columns)} AS w"
    frame = engine.run_frame((sql, statement), columns)
    types = engine.column_types()
    for column in columns:
        frame[column] = _typed(frame[column], types.get(column, "other"))
    return frame


def _typed(values: pd.Series, kind: TypeKind) -> pd.Series:
    if kind in ("float", "decimal"):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "int":
        numbers = pd.to_numeric(values, errors="coerce")
        return numbers if numbers.isna().any() else numbers.astype("int64")
    if kind == "datetime":
        return pd.to_datetime(values, utc=True, errors="coerce")
    return values.astype(object).where(values.notna(), None) if kind == "string" else values


def sqlite_hash(text: Any) -> int:
    """A deterministic signed 64-bit hash of a text (SQLite's integers are signed)."""
    import hashlib

    digest = hashlib.blake2b(str(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
