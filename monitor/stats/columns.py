"""Which columns are numerical and which categorical, inferred as Evidently 0.7 does.

A copy of ``evidently.core.datasets.infer_column_type`` (run when a Dataset has no
data definition), keeping only the two kinds drift is computed for:

- ``float*`` dtypes: numerical;
- ``int*`` dtypes: categorical with at most 10 distinct values, numerical above;
- ``bool`` and ``category``: categorical;
- ``string`` dtype, and ``object`` columns whose first and last non-missing values are
  strings: categorical when at most half of the non-missing values are distinct,
  text otherwise.

Dropped (neither kind), as in Evidently's drift preset or because drift on them means
nothing here: text (free text and identifiers: mostly-distinct strings), datetimes,
all-missing object columns, object columns of lists or other objects, and, because
Evidently matches dtype names literally, pandas' nullable ``Int64``/``Float64``/``boolean``,
unsigned ``uint*`` and pyarrow-backed ``double[pyarrow]`` columns. Integer identifiers
(many distinct ints) count as numerical, as in Evidently: exclude them explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

INTEGER_CARDINALITY_LIMIT = 10

InferredKind = Literal["numerical", "categorical", "text", "other"]


def infer_column_kinds(frame: pd.DataFrame, exclude: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(numerical, categorical) columns of ``frame``, in frame order, leaving out ``exclude``
    (the timestamp, prediction, target and id columns)."""
    excluded = set(exclude)
    numerical: list[str] = []
    categorical: list[str] = []
    for name in frame.columns:
        if name in excluded:
            continue
        kind = infer_kind(frame[name])
        if kind == "numerical":
            numerical.append(str(name))
        elif kind == "categorical":
            categorical.append(str(name))
    return numerical, categorical


def infer_kind(values: pd.Series) -> InferredKind:
    dtype_name = values.dtype.name
    if dtype_name.startswith("float"):
        return "numerical"
    if dtype_name.startswith("int"):
        return "categorical" if values.nunique() <= INTEGER_CARDINALITY_LIMIT else "numerical"
    if dtype_name in ("string", "str"):
        return _strings_kind(values)
    if dtype_name == "object":
        present = values.dropna()
        if present.empty:
            return "other"
        if isinstance(present.iloc[0], str) and isinstance(present.iloc[-1], str):
            return _strings_kind(values)
        return "other"
    if dtype_name in ("bool", "category"):
        return "categorical"
    return "other"


def _strings_kind(values: pd.Series) -> InferredKind:
    return "text" if values.nunique() > values.count() * 0.5 else "categorical"
