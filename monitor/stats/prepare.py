"""Turn a column's reference and current values into the arrays the drift methods score.

Like Evidently's ``get_one_column_drift``, missing values (NaN, None, NaT, pd.NA)
and ±inf are dropped from both samples first. Numerical columns become float64
arrays (possibly views of the frame: methods must not modify them); categorical
columns become int64 codes over the values of both samples, numbered in ascending
value order so that "the smallest value" (Z-test) is code 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.errors import ConfigError
from monitor.records.drift import Kind

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def prepare_column(
    column: str, reference: pd.Series, current: pd.Series, kind: Kind
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.generic]]:
    if kind == "numerical":
        return numerical_values(column, reference), numerical_values(column, current)
    if kind == "text":
        return text_values(reference), text_values(current)
    return categorical_codes(reference, current)


def text_values(values: pd.Series) -> npt.NDArray[np.object_]:
    """The non-missing values of a text column as Python strings (±inf dropped, as Evidently)."""
    present = values.dropna()
    if present.dtype == object:
        present = present[~_infinite(present.to_numpy())]
    texts: npt.NDArray[np.object_] = present.astype(str).to_numpy(dtype=object)
    return texts


def numerical_values(column: str, values: pd.Series) -> FloatArray:
    """The finite values of a numerical column as float64.

    A float64 column without NaN or ±inf comes back as a view of the frame's own data,
    not a copy (a million-row window would otherwise be copied twice per column): the
    drift methods only read their samples.
    """
    if values.dtype == np.float64:
        array: FloatArray = values.to_numpy(dtype=np.float64, copy=False)
    elif pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    elif values.dtype == object:
        # SQL drivers hand over DECIMAL columns as Python objects: numbers all the same
        try:
            array = pd.to_numeric(values, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"column {column!r} is treated as numerical but holds non-numeric values ({exc}); "
                "list it under features.categorical"
            ) from exc
    else:
        raise ConfigError(
            f"column {column!r} is treated as numerical but has type {values.dtype}; "
            "list it under features.categorical or leave it out"
        )
    finite = np.isfinite(array)
    if finite.all():
        return array
    kept: FloatArray = array[finite]
    return kept


def categorical_codes(reference: pd.Series, current: pd.Series) -> tuple[IntArray, IntArray]:
    """Codes of the non-missing values of both samples, numbered in ascending value order."""
    reference_codes, current_codes, _ = ranked_codes(reference, current)
    return reference_codes[reference_codes >= 0], current_codes[current_codes >= 0]


def ranked_codes(reference: pd.Series, current: pd.Series) -> tuple[IntArray, IntArray, npt.NDArray[Any]]:
    """Per row of each sample its value's rank among the values of both (-1: missing), and
    the values in rank order: one hash pass over both columns, shared by drift and
    ``new_categories``."""
    combined = pd.concat([reference, current], ignore_index=True)
    codes, uniques = pd.factorize(combined, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object) if uniques.dtype == object else np.asarray(uniques)
    # Evidently turns ±inf into NaN before dropping, in categorical columns too
    valid = ~_infinite(values)
    ranks = np.full(values.size + 1, -1, dtype=np.int64)  # the extra slot maps the NA code -1
    valid_positions = np.flatnonzero(valid)
    in_order = valid_positions[_ascending_order(values[valid_positions])]
    ranks[in_order] = np.arange(valid_positions.size, dtype=np.int64)
    ranked = ranks[codes]
    return ranked[: len(reference)], ranked[len(reference) :], values[in_order]


def _infinite(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if values.dtype.kind == "f":
        infinite: npt.NDArray[np.bool_] = np.isinf(values)
        return infinite
    if values.dtype == object:
        # one check per distinct value, not per row
        return np.fromiter(
            (isinstance(value, float | np.floating) and math.isinf(value) for value in values),
            dtype=bool,
            count=values.size,
        )
    return np.zeros(values.size, dtype=bool)


def _ascending_order(values: npt.NDArray[Any]) -> IntArray:
    """Positions of ``values`` in ascending order; mixed types (``1`` and ``"a"``) that do not
    compare are ordered by type name, then text, instead of failing as Evidently would."""
    if values.dtype != object:
        return np.argsort(values, kind="stable").astype(np.int64)
    items = values.tolist()
    try:
        order = sorted(range(len(items)), key=items.__getitem__)
    except TypeError:
        order = sorted(range(len(items)), key=lambda i: (type(items[i]).__name__, str(items[i])))
    return np.asarray(order, dtype=np.int64)
