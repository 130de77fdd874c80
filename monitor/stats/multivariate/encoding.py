"""The features of a window as one numeric matrix, prepared as NannyML prepares them.

NannyML's DataReconstructionDriftCalculator (docs/reference.md, "Multivariate drift"):

- a missing numerical value becomes the reference's mean of that column (SimpleImputer
  ``mean``), a missing category the reference's most frequent one (``most_frequent``:
  of tied categories, the smallest);
- each category becomes its share of the reference's rows (category_encoders'
  ``CountEncoder(normalize=True)``); a category the reference never held becomes 0.

Unlike scikit-learn on object columns, ``None`` counts as missing as NaN does: SQL NULLs
arrive as either. The state is plain values (floats and JSON scalars), so a fitted
encoding is stored as JSON, never pickled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.errors import ConfigError
from monitor.stats.prepare import numerical_values

FloatArray = npt.NDArray[np.float64]
Scalar = str | int | float | bool


@dataclass(frozen=True)
class CategoryShares:
    """One categorical column: its fill value and each reference category's share of rows."""

    column: str
    fill: Scalar
    shares: Mapping[Scalar, float]


@dataclass(frozen=True)
class Encoding:
    """How rows become a matrix: the columns in order (numerical first), fill values, shares."""

    numerical: tuple[str, ...]
    means: tuple[float, ...]
    categorical: tuple[CategoryShares, ...]

    @property
    def columns(self) -> list[str]:
        return [*self.numerical, *(c.column for c in self.categorical)]

    def matrix(self, frame: pd.DataFrame) -> FloatArray:
        """The rows of ``frame`` encoded: one float64 row per row, one column per feature."""
        encoded = np.empty((len(frame), len(self.numerical) + len(self.categorical)), dtype=np.float64)
        for index, (column, mean) in enumerate(zip(self.numerical, self.means, strict=True)):
            values = _numbers(column, frame[column])
            encoded[:, index] = np.where(np.isnan(values), mean, values)
        for offset, category in enumerate(self.categorical, start=len(self.numerical)):
            # factorized first: the lookups run once per distinct value, not once per row
            codes, uniques = pd.factorize(frame[category.column], use_na_sentinel=True)
            lookup = [category.shares.get(_plain(value), 0.0) for value in uniques]
            table = np.array([*lookup, category.shares.get(category.fill, 0.0)], dtype=np.float64)
            encoded[:, offset] = table[codes]  # code -1 (missing) takes the last entry: the fill's
        return encoded

    def to_json(self) -> dict[str, Any]:
        return {
            "numerical": list(self.numerical),
            "means": list(self.means),
            "categorical": [
                {"column": c.column, "fill": c.fill, "shares": [[k, v] for k, v in c.shares.items()]}
                for c in self.categorical
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Encoding:
        categorical = tuple(
            CategoryShares(c["column"], c["fill"], {k: float(v) for k, v in c["shares"]})
            for c in data["categorical"]
        )
        return cls(tuple(data["numerical"]), tuple(float(m) for m in data["means"]), categorical)


def fit_encoding(reference: pd.DataFrame, numerical: Sequence[str], categorical: Sequence[str]) -> Encoding:
    """The fill values and category shares of the reference."""
    means = []
    for column in numerical:
        values = _numbers(column, reference[column])
        present = values[~np.isnan(values)]
        if present.size == 0:
            raise ConfigError(
                f"multivariate drift: numerical column {column!r} has no value in the reference"
            )
        means.append(float(present.mean()))
    return Encoding(tuple(numerical), tuple(means), tuple(_shares(reference[c], c) for c in categorical))


def _shares(values: pd.Series, column: str) -> CategoryShares:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    if counts.sum() == 0:
        raise ConfigError(f"multivariate drift: categorical column {column!r} has no value in the reference")
    by_value: dict[Scalar, int] = {}
    for value, count in zip(uniques, counts, strict=True):
        key = _plain(value)
        by_value[key] = by_value.get(key, 0) + int(count)
    most = max(by_value.values())
    fill = _smallest([key for key, count in by_value.items() if count == most])
    # the missing rows count towards the fill value's share, as imputing before encoding does
    by_value[fill] += int((codes < 0).sum())
    shares = {key: count / len(values) for key, count in by_value.items()}
    return CategoryShares(column, fill, shares)


def _smallest(values: list[Scalar]) -> Scalar:
    """scikit-learn's pick among equally frequent categories: the smallest."""
    try:
        return min(values)  # mixed types fall back to text order
    except TypeError:
        return min(values, key=str)


def _plain(value: Any) -> Scalar:
    """A category as a JSON scalar: numpy numbers become Python ones, anything else its text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str | bool | int | float):
        return value
    return str(value)


def _numbers(column: str, values: pd.Series) -> FloatArray:
    """The column as float64 with missing values (and ±inf) as NaN, row for row."""
    if values.dtype == np.float64:
        array: FloatArray = values.to_numpy(dtype=np.float64, copy=True)
    else:
        try:
            array = pd.to_numeric(values, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError):
            numerical_values(column, values)  # raises the drift's own message for this column
            raise
    array[~np.isfinite(array)] = np.nan
    return array
