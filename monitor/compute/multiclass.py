"""A multiclass model (``prediction.scores``) computed where the data lives, as ``monitor.stats.multiclass``
computes it locally (docs/reference.md, "Multiclass models" and "Where the statistics are computed").

Two statements per window. The first counts the rows per (target, predicted label) pair over the
rows with a target: the label is the prediction column, or (without one) the class of the highest
score, a ``CASE`` that picks the first class in sorted order among equal highest scores as
``numpy.argmax`` does. The second, over the rows with a target and every score present, gives per
class its positives, negatives and twice the Mann-Whitney U of its score (one-vs-rest roc_auc),
and for the log loss the summed clipped -log of the true class's score, the smallest and largest
score and the rows whose target is none of the classes. Labels are matched as text here, as
locally: a target 1.0 is class ``"1"``; the raw values of each class are bound into the statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from monitor.compute.dialects import quote
from monitor.compute.labels import multiclass_label_metrics, present_label
from monitor.compute.statements import ROWS_TO_HERE, Statement, WindowSpec, missing, number
from monitor.config.models import PredictionConfig
from monitor.errors import ConfigError
from monitor.stats.multiclass import label_text

if TYPE_CHECKING:
    from monitor.compute.sql import SqlEngine, TypeKind

EPS = float(np.finfo(np.float64).eps)


def check_score_types(prediction: PredictionConfig, types: Mapping[str, TypeKind]) -> None:
    """A score column must hold numbers, as ``monitor.stats.multiclass.score_matrix`` requires."""
    for column in prediction.score_columns if prediction.multiclass else []:
        if types.get(column) in ("string", "datetime"):
            raise ConfigError(
                f"prediction.scores: every score column must hold numbers; {column!r} has type "
                f"{types[column]}",
                key="prediction.scores",
            )


def _kept(target: str, target_floating: bool, scores: Sequence[str]) -> str:
    """Rows with a target (NaN is missing, as pandas counts it) and, given ``scores``, every score."""
    conditions = [f"NOT {missing(target, target_floating)}"]
    conditions += [f"NOT {missing(column, True)}" for column in scores]
    return " AND ".join(conditions)


def argmax_label(statement: Statement, columns: Sequence[str], classes: Sequence[str]) -> str:
    """The class of the highest score, ties to the first class (the rows hold no NULL nor NaN score)."""
    values = [number(column) for column in columns]
    steps = []
    for index, value in enumerate(values[:-1]):
        highest = " AND ".join(f"{value} >= {other}" for place, other in enumerate(values) if place != index)
        steps.append(f"WHEN {highest} THEN {statement.bind(classes[index])}")
    return f"CASE {' '.join(steps)} ELSE {statement.bind(classes[-1])} END"


def label_pairs(
    spec: WindowSpec,
    target: str,
    target_floating: bool,
    predicted: str | None,
    columns: Sequence[str],
    classes: Sequence[str],
) -> tuple[str, Statement]:
    """Rows per (target, predicted label): the prediction column over the rows with a target, else
    the class of the highest score over the rows with a target and every score."""
    statement = Statement()
    if predicted is not None:
        label, read, kept = quote(predicted), [target, predicted], _kept(target, target_floating, [])
    else:
        label = argmax_label(statement, columns, classes)
        read, kept = [target, *columns], _kept(target, target_floating, columns)
    sql = (
        f"WITH {spec.cte(statement, 'w', read)} SELECT t, l, COUNT(*) FROM "
        f"(SELECT {quote(target)} AS t, {label} AS l FROM w WHERE {kept}) AS pairs GROUP BY t, l"
    )
    return sql, statement


def _in_class(statement: Statement, target: str, values: Sequence[Any]) -> str:
    listed = ", ".join(statement.bind(value) for value in values) or "NULL"
    return f"{quote(target)} IN ({listed})"


def class_scores(
    spec: WindowSpec,
    target: str,
    target_floating: bool,
    columns: Sequence[str],
    members: Sequence[Sequence[Any]],
) -> tuple[str, Statement]:
    """Over the rows with a target and every score: rows, rows of no class, smallest and largest
    score, the summed -log of the true class's clipped score; then per class its positives,
    negatives and twice the Mann-Whitney U of its score (ties count one half).

    ``members``: per class (in the order of ``columns``) the raw target values that are that class.
    Each part reads the window as its own subquery: an engine may materialise a CTE read twice.
    """
    statement = Statement()
    kept = _kept(target, target_floating, columns)

    def rows(selected: str) -> str:
        return f"(SELECT {selected} FROM {spec.subquery(statement, [target, *columns])} AS w WHERE {kept})"

    values = [number(column) for column in columns]
    true_score = " ".join(
        f"WHEN {_in_class(statement, target, values_of)} THEN {value}"
        for value, values_of in zip(values, members, strict=True)
    )
    clipped = f"LEAST(GREATEST(p, {statement.bind(EPS)}), {statement.bind(1 - EPS)})"
    listed = ", ".join(values)
    scored = rows(f"CASE {true_score} END AS p, LEAST({listed}) AS low, GREATEST({listed}) AS high")
    parts = [
        "totals AS (SELECT COUNT(*) AS n, SUM(CASE WHEN p IS NULL THEN 1 ELSE 0 END) AS unknown, "
        f"MIN(low) AS low, MAX(high) AS high, SUM(-LN({clipped})) AS loss FROM {scored} AS x)"
    ]
    selected = ["totals.n", "totals.unknown", "totals.low", "totals.high", "totals.loss"]
    for index, (value, values_of) in enumerate(zip(values, members, strict=True)):
        positive = f"CASE WHEN {_in_class(statement, target, values_of)} THEN 1 ELSE 0 END"
        grouped = (
            f"SELECT s, SUM(y) AS pos, COUNT(*) - SUM(y) AS neg FROM "
            f"{rows(f'{value} AS s, {positive} AS y')} AS r GROUP BY s"
        )
        ranked = (
            f"SELECT pos, neg, SUM(neg) OVER (ORDER BY s {ROWS_TO_HERE}) - neg AS below FROM ({grouped}) AS g"
        )
        parts.append(
            f"c{index} AS (SELECT SUM(pos) AS pos, SUM(neg) AS neg, SUM(pos * (2 * below + neg)) AS u "
            f"FROM ({ranked}) AS k)"
        )
        selected += [f"c{index}.pos", f"c{index}.neg", f"c{index}.u"]
    joined = " ".join(f"CROSS JOIN c{index}" for index in range(len(columns)))
    return f"WITH {', '.join(parts)} SELECT {', '.join(selected)} FROM totals {joined}", statement


def multiclass_metrics(
    engine: SqlEngine,
    spec: WindowSpec,
    target: str,
    prediction: PredictionConfig,
    types: Mapping[str, TypeKind],
) -> dict[str, float]:
    """``monitor.stats.multiclass.multiclass_metrics`` of one window, from the two statements."""
    assert prediction.scores is not None
    classes = sorted(prediction.scores)
    columns = [prediction.scores[label] for label in classes]
    floating = types.get(target) == "float"
    pairs = [
        (t, label, int(count))
        for t, label, count in engine.run(
            label_pairs(spec, target, floating, prediction.column, columns, classes)
        )
        if present_label(t)
    ]
    metrics = multiclass_label_metrics(
        [(label_text(t), label_text(label), count) for t, label, count in pairs if present_label(label)]
    )
    members = [[t for t in dict.fromkeys(t for t, _, _ in pairs) if label_text(t) == c] for c in classes]
    row = engine.one(class_scores(spec, target, floating, columns, members))
    metrics.update(_score_metrics(row))
    return metrics


def _score_metrics(row: Sequence[Any]) -> dict[str, float]:
    rows, unknown, low, high, loss = (row[0], row[1], row[2], row[3], row[4])
    if not rows or int(unknown or 0):  # no row, or a target outside the classes: neither metric
        return {}
    metrics: dict[str, float] = {}
    per_class = [(int(row[i] or 0), int(row[i + 1] or 0), row[i + 2]) for i in range(5, len(row), 3)]
    if all(positives and negatives for positives, negatives, _ in per_class):
        areas = [float(twice_u) / 2.0 / (p * n) for p, n, twice_u in per_class]
        metrics["roc_auc"] = float(np.mean(areas))
    if float(low) >= 0 and float(high) <= 1:
        metrics["log_loss"] = float(loss) / int(rows)
    return metrics
