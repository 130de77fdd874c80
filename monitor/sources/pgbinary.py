"""PostgreSQL results in psycopg 3's binary format, where that gives the very same values.

In the text format every float is sent as digits and parsed back: at 300k rows x
21 ``double precision`` columns that parsing took ~2.2 s of a ~3 s fetch; the
binary format hands over the 8 bytes (2.4x faster fetches). SQLAlchemy always
executes in text, so :func:`binary_results` switches the cursor's format in the
``before_cursor_execute`` event of one connection, for the statements run inside it.

Not every type loads the same in both formats (``real`` comes back as
1.100000023841858 in binary but 1.1 from its text; types psycopg has no binary
loader for come back as bytes), so :func:`loads_as_text` tells whether every
column of a result is of a type whose binary value is exactly its text value;
the caller runs the statement again in text when it is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# bool, int8, int2, int4, text, float8, varchar, date, timestamp, timestamptz, numeric:
# psycopg's binary loaders give the same Python values as its text loaders for these.
SAME_IN_BINARY = frozenset({16, 20, 21, 23, 25, 701, 1043, 1082, 1114, 1184, 1700})
_BINARY = 1  # psycopg.pq.Format.BINARY, without importing psycopg where it is not used


def supports_binary(connection: Connection) -> bool:
    """True on PostgreSQL through psycopg 3 (other drivers have no result format to choose)."""
    dialect = connection.dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


@contextmanager
def binary_results(connection: Connection) -> Iterator[None]:
    """Statements executed on ``connection`` inside this block return binary results."""

    def to_binary(
        conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if hasattr(cursor, "format"):
            cursor.format = _BINARY

    sa.event.listen(connection, "before_cursor_execute", to_binary)
    try:
        yield
    finally:
        sa.event.remove(connection, "before_cursor_execute", to_binary)


def loads_as_text(cursor: Any) -> bool:
    """True when every column of ``cursor``'s result loads the same in binary as in text."""
    description = getattr(cursor, "description", None) or ()
    return all(column.type_code in SAME_IN_BINARY for column in description)
