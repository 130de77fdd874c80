"""Per-column drift score trends over a monitor's runs, for ``monitor history`` and the index.

Each stored run keeps its per-column scores, methods and thresholds in its JSON document
(docs/reference.md, "JSON output"). Here they become one :class:`ColumnTrend` per column,
oldest window to newest, ordered so that what needs a look comes first: columns that
drifted in the newest window, then those that drifted most often, then the newest score
nearest its threshold. Wide tables are capped; the caller says how many were left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.drift_methods import drift_methods

# The prediction's own drift is a trend like a column's, named apart from a feature of that name.
PREDICTION_SUFFIX = " (prediction)"


@dataclass(frozen=True)
class ColumnScore:
    """One column's drift in one run, as the run's JSON document recorded it."""

    score: float | None
    method: str
    threshold: float
    drifted: bool


@dataclass(frozen=True)
class ColumnTrend:
    """One column's scores over the runs, oldest window first (None: not scored in that run)."""

    column: str
    method: str  # the newest run's method and threshold: the ones alerts use now
    threshold: float
    scores: tuple[float | None, ...]
    drifted: tuple[bool, ...]

    @property
    def p_value(self) -> bool:
        """A p-value drifts when it falls below its threshold; a distance when it reaches it."""
        method = drift_methods().get(self.method)
        return method is not None and method.direction == "below"

    @property
    def drifted_now(self) -> bool:
        return bool(self.drifted) and self.drifted[-1]

    @property
    def newest(self) -> float | None:
        return next((score for score in reversed(self.scores) if score is not None), None)

    @property
    def known(self) -> list[float]:
        return [score for score in self.scores if score is not None and math.isfinite(score)]

    @property
    def threshold_text(self) -> str:
        """When this column counts as drifted, e.g. ``≥ 0.2`` or ``p < 0.05``."""
        return f"p < {self.threshold:.3g}" if self.p_value else f"≥ {self.threshold:.3g}"

    def scale_high(self) -> float:
        """The top of this column's own scale: 1 for p-values, else its largest score or threshold."""
        if self.p_value:
            return 1.0
        return max([self.threshold, *self.known]) or 1.0

    def severity(self) -> float:
        """The newest score against the threshold: above 1 means drifted, larger means further."""
        newest = self.newest
        if newest is None or not math.isfinite(newest):
            return 0.0
        if self.p_value:
            return self.threshold / newest if newest > 0 else math.inf
        return newest / self.threshold if self.threshold > 0 else math.inf


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _score(entry: Mapping[str, Any]) -> ColumnScore:
    return ColumnScore(
        score=_float(entry.get("score")),
        method=str(entry.get("method")),
        threshold=float(entry.get("threshold") or 0.0),
        drifted=bool(entry.get("drifted")),
    )


def column_scores(result: Mapping[str, Any]) -> dict[str, ColumnScore]:
    """Every column's drift of one run's JSON document, the prediction's under its own name."""
    scores: dict[str, ColumnScore] = {}
    drift = result.get("drift") or {}
    for entry in drift.get("columns") or []:
        if isinstance(entry, Mapping) and entry.get("column") is not None:
            scores[str(entry["column"])] = _score(entry)
    prediction = result.get("prediction_drift")
    if isinstance(prediction, Mapping) and prediction.get("column") is not None:
        scores[f"{prediction['column']}{PREDICTION_SUFFIX}"] = _score(prediction)
    return scores


def column_trends(
    runs_oldest_first: Sequence[Mapping[str, ColumnScore]], limit: int | None = None
) -> tuple[list[ColumnTrend], int]:
    """The trends of every column any run scored, most pressing first; at most ``limit`` of them.

    Returns the trends and how many were left out by ``limit``.
    """
    names = list(dict.fromkeys(name for run in runs_oldest_first for name in run))
    trends = [_trend(name, runs_oldest_first) for name in names]
    trends.sort(key=_priority)
    if limit is None or len(trends) <= limit:
        return trends, 0
    return trends[:limit], len(trends) - limit


def _trend(name: str, runs: Sequence[Mapping[str, ColumnScore]]) -> ColumnTrend:
    entries = [run.get(name) for run in runs]
    newest = next(entry for entry in reversed(entries) if entry is not None)
    return ColumnTrend(
        column=name,
        method=newest.method,
        threshold=newest.threshold,
        scores=tuple(entry.score if entry is not None else None for entry in entries),
        drifted=tuple(entry is not None and entry.drifted for entry in entries),
    )


def _priority(trend: ColumnTrend) -> tuple[bool, int, float, str]:
    return (not trend.drifted_now, -sum(trend.drifted), -trend.severity(), trend.column)
