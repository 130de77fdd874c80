"""Drift of one column and of a whole window, as the statistics compute them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
class MultivariateDrift:
    """Drift of all features together (docs/reference.md, "Multivariate drift").

    ``drifted``: the score is outside (``lower_threshold``, ``threshold``); a bound that is
    None does not apply. ``score`` None: nothing to score (e.g. no feature, or no rows).
    """

    method: str
    score: float | None
    threshold: float | None
    lower_threshold: float | None
    drifted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "score": self.score,
            "threshold": self.threshold,
            "lower_threshold": self.lower_threshold,
            "drifted": self.drifted,
        }


@dataclass(frozen=True)
class DriftResult:
    columns: list[ColumnDrift]
    share: float  # drifted columns / columns with a score
    dataset_drift: bool
    # per categorical column, asked for by a new_categories rule: computed with its drift
    new_categories: dict[str, Offending] | None = None
    multivariate: MultivariateDrift | None = None  # None: not configured

    def column(self, name: str) -> ColumnDrift:
        for drift in self.columns:
            if drift.column == name:
                return drift
        raise KeyError(name)
