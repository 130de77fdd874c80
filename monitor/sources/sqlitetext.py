"""SQLite keeps a storage class per value; the ADBC driver reads one type per column.

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
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import reduce
from typing import Any

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

# Columns per check column: one bit each in a 64-bit integer, positive whatever the sum
_BITS = 62
_CHECK = "monitor_not_text"
_NUMERIC_TYPES = (sa.Integer, sa.Float, sa.Numeric, sa.Boolean)


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
