"""What the ADBC drivers of SQLite and PostgreSQL need for a read to give the DBAPI path's frame.

SQLite
------
SQLite keeps a storage class per value; the ADBC driver reads one type per column.

The driver infers each column's type from its first rows (``adbc.sqlite.query.batch_rows``):
a column it reads as strings then turns a later number or blob into text ('7'), where the
DBAPI path keeps each value's own type. So every column the driver reads as strings must be
checked to hold text and NULL only, by ``typeof()`` in the same statement (one pass over the
rows; checking every column instead doubled the read).

Which columns to check is known before the read from the table's declared types: a column
declared numeric (INTEGER, REAL, NUMERIC, BOOLEAN affinity) stores text only where the text is
not a number, which the driver then meets as a string in the first rows or fails on later
(a declined read either way). A query has no declared types: the columns come from a read of
its first rows. A column read as strings that was not checked is checked in a second read
(see :func:`text_verdict`).

PostgreSQL
----------
PostgreSQL reads by COPY with the window's bounds still bound: values as session settings.

The ADBC PostgreSQL driver streams a statement's rows with ``COPY ... TO STDOUT (FORMAT
binary)`` only when the statement has no bound parameters; with parameters it runs a
prepared statement whose whole result libpq holds before conversion. A 1M-row x 24-column
window then took 2.0-2.3 s of client CPU and ~1.35 GB, against 1.75-1.8 s by COPY
(docs/reference.md, "Reading SQL sources").

So the values are sent first, as bound parameters of ``SELECT set_config('monitor.bound_0',
$1, false), ...`` on the same connection, and the statement reads each one back as
``CAST(current_setting('monitor.bound_0') AS <type>)``: no value is written into the SQL
text. The type is the one the driver binds the value as (``bigint``, ``double precision``,
``text``, ``boolean``, ``timestamp`` with or without time zone) and the text is one that
type parses back exactly; other values (a list of keys, ``Decimal``, non-finite floats)
keep the prepared statement.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from functools import reduce
from typing import Any

import numpy as np
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

# Columns per check column: one bit each in a 64-bit integer, positive whatever the sum
_BITS = 62
_CHECK = "monitor_not_text"
_NUMERIC_TYPES = (sa.Integer, sa.Float, sa.Numeric, sa.Boolean)
# More values than window bounds and text ranges use: a look-up of keys stays prepared
MAX_SETTINGS = 16
_NAME = "monitor.bound_{}"

# -- SQLite: values of several storage classes --------------------------------------------------


def may_hold_text(declared: Mapping[str, Any]) -> set[str]:
    """The columns whose declared (reflected) type does not give numeric affinity."""
    return {name for name, sql_type in declared.items() if not isinstance(sql_type, _NUMERIC_TYPES)}


def with_text_check(statement: sa.Select[Any], positions: Sequence[int]) -> sa.Select[Any]:
    """``statement`` plus check columns (one per 62 checked columns): in each row, the sum of
    2**k for each k-th column of ``positions`` whose value is neither text nor NULL."""
    columns = list(statement.selected_columns)
    text_or_null: list[sa.ColumnElement[Any]] = [sa.literal_column("'null'"), sa.literal_column("'text'")]
    checks = []
    for first in range(0, len(positions), _BITS):
        terms: list[sa.ColumnElement[Any]] = [
            sa.case(
                (sa.func.typeof(columns[position]).in_(text_or_null), sa.literal_column("0")),
                else_=sa.literal_column(str(1 << bit)),
            )
            for bit, position in enumerate(positions[first : first + _BITS])
        ]
        checks.append(reduce(lambda left, right: left + right, terms).label(f"{_CHECK}_{first // _BITS}"))
    return statement.add_columns(*checks) if checks else statement


def string_positions(table: pa.Table, width: int) -> set[int]:
    """The positions, among the first ``width`` columns of ``table``, of those read as strings."""
    return {index for index in range(width) if pa.types.is_string(table.schema.field(index).type)}


def text_verdict(table: pa.Table, positions: Sequence[int], width: int) -> bool | None:
    """Whether the string columns of ``table`` (read by ``with_text_check(statement, positions)``,
    ``width`` columns before the checks) hold text and NULL only: True or False; None when a
    string column was not among ``positions`` (unchecked: read again checking it)."""
    strings = string_positions(table, width)
    if not strings <= set(positions):
        return None
    found = 0  # bit k: the k-th checked column holds a number or a blob somewhere
    for index in range(width, table.num_columns):
        for chunk in table.column(index).chunks:
            if not len(chunk):
                continue
            if not pa.types.is_integer(chunk.type) or chunk.null_count:
                return False  # not the sums asked for: nothing is known
            values = np.asarray(chunk.to_numpy(zero_copy_only=False), dtype=np.int64)
            found |= int(np.bitwise_or.reduce(values)) << (_BITS * (index - width))
    mixed = {position for bit, position in enumerate(positions) if found >> bit & 1}
    return not (strings & mixed)


def checked_positions(names: Sequence[str], text_columns: Collection[str]) -> list[int]:
    """The positions of ``names`` to check: those of ``text_columns``."""
    return [index for index, name in enumerate(names) if name in text_columns]


# -- PostgreSQL: COPY with the values bound as settings ----------------------------------------


class _NotExact(Exception):
    """A value without a text form its type parses back exactly (here)."""


def as_settings(statement: sa.Select[Any]) -> tuple[sa.Select[Any], list[str]] | None:
    """``statement`` reading its bound values from session settings, and those values as text
    in setting order; None when a value cannot be sent that way."""
    texts: list[str] = []

    def replace(element: Any, **_: Any) -> Any:
        if not isinstance(element, BindParameter):
            return None
        if element.expanding or element.callable is not None or len(texts) >= MAX_SETTINGS:
            raise _NotExact
        text, sql_type = _text_and_type(element.effective_value)
        name: sa.ColumnElement[str] = sa.literal_column(f"'{_NAME.format(len(texts))}'")
        texts.append(text)
        return sa.cast(sa.func.current_setting(name), sql_type)

    try:
        rewritten = visitors.replacement_traverse(statement, {}, replace)
    except _NotExact:
        return None
    if not texts or not isinstance(rewritten, sa.Select):
        return None
    return rewritten, texts


def set_statement(count: int) -> str:
    """The statement that sets ``count`` settings, from as many bound parameters ($1, ...)."""
    calls = ", ".join(f"set_config('{_NAME.format(index)}', ${index + 1}, false)" for index in range(count))
    return f"SELECT {calls}"


def _text_and_type(value: Any) -> tuple[str, Any]:
    """The text of ``value`` and the SQL type the driver would bind it as."""
    if isinstance(value, bool):
        return ("true" if value else "false"), sa.Boolean()
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise _NotExact
        return str(value), sa.BigInteger()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotExact
        return repr(value), postgresql.DOUBLE_PRECISION()
    if isinstance(value, str):
        if "\x00" in value:
            raise _NotExact
        return value, sa.Text()
    if isinstance(value, datetime):
        return value.isoformat(), postgresql.TIMESTAMP(timezone=value.tzinfo is not None)
    raise _NotExact
