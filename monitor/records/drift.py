"""Drift of one column and of a whole window, as the statistics compute them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitor.records.quality import Offending

Kind = Literal["numerical", "categorical", "text"]


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
    # per categorical column, asked for by a new_categories rule: computed with its drift
    new_categories: dict[str, Offending] | None = None

    def column(self, name: str) -> ColumnDrift:
        for drift in self.columns:
            if drift.column == name:
                return drift
        raise KeyError(name)
