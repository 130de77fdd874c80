"""A cheap fingerprint of a window's data, computed where the data lives, to tell whether a cached
reference profile still describes it (docs/reference.md, "Cached reference profiles").

One aggregate statement over the window: its row count, its earliest and latest time, and
for a few columns (``monitor.compute.reference.fingerprinted``: the prediction's and one
feature) the count of their present values plus a sum (numbers: the sum of the finite values;
text: the sum of the lengths; booleans: the count of trues). Rows added, removed or re-timed,
and values of those columns nulled or changed, change it. What it cannot see: an edit of
other columns only, or one that keeps every one of these figures (two rows swapping values, a
category replaced by another of the same length, a change below the 12 significant digits
the sums are kept to). The sums are rounded so that an engine adding in parallel, in a
different order each time, still gives the same fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any

from monitor.compute.dialects import quote
from monitor.compute.sql import SqlEngine, TypeKind
from monitor.compute.statements import Statement, WindowSpec, finite, number

SIGNIFICANT_DIGITS = 12


def fingerprint_statement(spec: WindowSpec, columns: Sequence[tuple[str, TypeKind]]) -> tuple[str, Statement]:
    """Rows, min and max time, and per column its present count and its sum (see the module)."""
    statement = Statement()
    time = quote(spec.timestamp)
    parts = ["COUNT(*)", f"MIN({time})", f"MAX({time})"]
    for column, kind in columns:
        parts.append(f"COUNT({quote(column)})")
        if kind in ("float", "int", "decimal"):
            value = number(column)
            parts.append(f"SUM(CASE WHEN {finite(value)} THEN {value} END)")
        elif kind == "string":
            parts.append(f"SUM(LENGTH({quote(column)}))")
        elif kind == "bool":
            parts.append(f"SUM(CASE WHEN {quote(column)} THEN 1 ELSE 0 END)")
    window = spec.cte(statement, "w", [spec.timestamp, *(column for column, _ in columns)])
    return f"WITH {window} SELECT {', '.join(parts)} FROM w", statement


def window_fingerprint(engine: SqlEngine, spec: WindowSpec, columns: Sequence[str]) -> str:
    """The fingerprint of ``columns`` over one window, as a short hex digest."""
    types = engine.column_types()
    typed = [(column, types.get(column, "other")) for column in columns]
    row = engine.one(fingerprint_statement(spec, typed))
    text = json.dumps([_stable(value) for value in row])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _stable(value: Any) -> Any:
    """A value of the fingerprint row as text that does not depend on the order of summation."""
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.{SIGNIFICANT_DIGITS}g}"
    try:  # Decimal sums (PostgreSQL's numeric)
        return f"{float(value):.{SIGNIFICANT_DIGITS}g}"
    except (TypeError, ValueError):
        return str(value)
