"""Data incidents that are not drift, computed from the two windows' frames (docs/reference.md,
"Data incidents"): volume, value types, new categories, out-of-range values, duplicate keys.

Everything is vectorised (hash tables and comparisons over whole columns); only the few
examples quoted in an alert message are turned into Python values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.records.quality import Duplicates, Offending, SchemaChange, Volume
from monitor.records.windows import Windows
from monitor.stats.prepare import ranked_codes

EXAMPLES = 3  # rejected values quoted in a message
_HOUR = timedelta(hours=1)

# pandas.api.types.infer_dtype's answers, as the value types a schema change names
_INFERRED_TYPES = {
    "string": "text",
    "mixed": "text",  # text beside numbers: the column holds text now
    "mixed-integer": "text",
    "integer": "number",
    "floating": "number",
    "mixed-integer-float": "number",
    "decimal": "number",
    "boolean": "boolean",
    "datetime64": "datetime",
    "datetime": "datetime",
    "date": "datetime",
}


def volume(rows: int, reference_rows: int, windows: Windows) -> Volume:
    """Rows per hour of the window against the reference's, each over its whole length."""
    current_hours = (windows.current.end - windows.current.start) / _HOUR
    reference_hours = (windows.reference.end - windows.reference.start) / _HOUR
    rate = rows / current_hours if current_hours > 0 else 0.0
    reference_rate = reference_rows / reference_hours if reference_hours > 0 else 0.0
    ratio = rate / reference_rate if reference_rate > 0 else None
    return Volume(rate, reference_rate, ratio)


def value_type(values: pd.Series) -> str | None:
    """``number``, ``text``, ``boolean``, ``datetime`` (or another name); None with no value to tell."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    inferred = str(pd.api.types.infer_dtype(values, skipna=True))
    if inferred == "empty":
        return None
    return _INFERRED_TYPES.get(inferred, inferred)


def type_changes(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Iterable[str]
) -> list[SchemaChange]:
    """Columns whose values are of another type than in the reference (number -> text, ...)."""
    if len(reference) == 0 or len(current) == 0:
        return []
    changes = []
    for column in columns:
        if column not in reference.columns or column not in current.columns:
            continue
        before, after = value_type(reference[column]), value_type(current[column])
        if before is not None and after is not None and before != after:
            changes.append(SchemaChange(column, "type", before, after))
    return changes


def new_categories(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Iterable[str]
) -> dict[str, Offending]:
    """Per column: the share of the window's rows whose value never occurs in the reference
    (the drift check computes the same from its own codes, see ``new_category_share``)."""
    shares: dict[str, Offending] = {}
    for column in columns:
        shares[column] = new_category_share(*ranked_codes(reference[column], current[column]))
    return shares


def new_category_share(
    reference_codes: npt.NDArray[np.int64], current_codes: npt.NDArray[np.int64], values: npt.NDArray[Any]
) -> Offending:
    """From each row's category code (-1: missing) and the categories by code: the share of
    the current rows whose category has no reference row, and the most frequent of them.

    A missing value is not a category (``missing_values`` judges those). An empty
    reference knows no category at all, so nothing is judged new against it.
    """
    if len(current_codes) == 0 or len(reference_codes) == 0:
        return Offending(0.0)
    seen = np.zeros(values.size + 1, dtype=bool)
    seen[reference_codes] = True  # code -1 lands on the extra last slot
    seen[-1] = True  # ... and missing is never new
    new_codes = current_codes[~seen[current_codes]]
    if new_codes.size == 0:
        return Offending(0.0)
    counts = np.bincount(new_codes, minlength=values.size)
    top = np.argsort(-counts, kind="stable")[:EXAMPLES]
    examples = tuple(_text(values[code]) for code in top if counts[code] > 0)
    return Offending(new_codes.size / len(current_codes), examples)


def out_of_range(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Iterable[str],
    bounds: Mapping[str, tuple[float, float]],
) -> dict[str, Offending]:
    """Per column: the share of the window's rows outside ``bounds`` (else the reference's
    [min, max]). Missing values are never out of range; infinities are, as in Great Expectations."""
    shares: dict[str, Offending] = {}
    for column in columns:
        values = _numbers(current[column])
        limits = bounds.get(column) or _finite_range(_numbers(reference[column]))
        if len(values) == 0 or limits is None:
            shares[column] = Offending(0.0)
            continue
        low, high = limits
        outside = (values < low) | (values > high)  # NaN compares False: missing is not outside
        shares[column] = _offending(pd.Series(values), outside)
    return shares


def duplicates(current: pd.DataFrame, key: Sequence[str]) -> Duplicates:
    """The share of the window's rows whose key already occurred earlier in the window."""
    if len(current) == 0:
        return Duplicates(tuple(key), 0.0)
    repeated = current.duplicated(subset=list(key), keep="first").to_numpy()
    if not repeated.any():
        return Duplicates(tuple(key), 0.0)
    keys = current.loc[repeated, list(key)]
    examples = keys.astype(str).agg("/".join, axis=1) if len(key) > 1 else keys[key[0]].astype(str)
    top = examples.value_counts().head(EXAMPLES)
    return Duplicates(tuple(key), float(repeated.mean()), tuple(str(value) for value in top.index))


def _numbers(values: pd.Series) -> np.ndarray:
    """The values as floats; text that is no number becomes NaN (a type change, judged apart)."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers: np.ndarray = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return numbers


def _finite_range(values: np.ndarray) -> tuple[float, float] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    return float(finite.min()), float(finite.max())


def _offending(values: pd.Series, rejected: np.ndarray) -> Offending:
    count = int(rejected.sum())
    if count == 0:
        return Offending(0.0)
    top = values[rejected].value_counts().head(EXAMPLES)
    return Offending(count / len(values), tuple(_text(value) for value in top.index))


def _text(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return str(value)
