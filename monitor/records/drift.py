"""Drift of one column and of a whole window, as the statistics compute them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["numerical", "categorical"]


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: Kind
    method: str
    score: float | None
    threshold: float
    drifted: bool


@dataclass(frozen=True)
class DriftResult:
    columns: list[ColumnDrift]
    share: float  # drifted columns / columns with a score
    dataset_drift: bool

    def column(self, name: str) -> ColumnDrift:
        for drift in self.columns:
            if drift.column == name:
                return drift
        raise KeyError(name)
