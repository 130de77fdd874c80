"""PostgreSQL reads by COPY with the window's bounds still bound: values as session settings.

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
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

# More values than window bounds and text ranges use: a look-up of keys stays prepared
MAX_SETTINGS = 16
_NAME = "monitor.bound_{}"


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
