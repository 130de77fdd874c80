"""Performance metrics from confusion counts and sums, as ``monitor.stats.performance`` computes them.

Classification needs only the rows per (target, predicted label) pair, plus, with a
score column, the positives and negatives per distinct score cumulated in score order
(twice the Mann-Whitney U) and the summed log loss; regression needs five sums.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from monitor.stats.performance import NEGATIVE_LABELS, POSITIVE_LABELS, _is_label, confusion_metrics

Pair = tuple[Any, Any, int]  # (target, predicted label or None, rows)


def _binary(labels: Sequence[Any]) -> dict[Any, int] | None:
    """0/1 per label when every label is 0/1, False/True or "0"/"1"; else None."""
    mapping: dict[Any, int] = {}
    for label in labels:
        if _is_label(label, POSITIVE_LABELS):
            mapping[label] = 1
        elif _is_label(label, NEGATIVE_LABELS):
            mapping[label] = 0
        else:
            return None
    return mapping


def classification_metrics(
    pairs: Sequence[Pair],
    from_prediction_column: bool,
    ranks: Callable[[list[Any]], tuple[Any, ...]] | None,
) -> dict[str, float]:
    """``classification_metrics`` from label pairs; ``ranks(positive labels)`` runs the score statement."""
    metrics: dict[str, float] = {}
    targets = list(dict.fromkeys(t for t, _, _ in pairs))
    binary_target = _binary(targets)
    labelled = [(t, label, count) for t, label, count in pairs if present_label(label)]
    if from_prediction_column:
        binary_prediction = _binary(list(dict.fromkeys(label for _, label, _ in labelled)))
        if binary_target is not None and binary_prediction is not None:
            metrics.update(
                _binary_metrics([(binary_target[t], binary_prediction[p], c) for t, p, c in labelled])
            )
        else:
            metrics.update(multiclass_label_metrics(labelled))
    elif ranks is not None and binary_target is not None:
        metrics.update(_binary_metrics([(binary_target[t], int(p), c) for t, p, c in labelled]))
    if ranks is not None and binary_target is not None:
        positives = [label for label, code in binary_target.items() if code == 1]
        metrics.update(_score_metrics(ranks(positives)))
    return metrics


def present_label(value: Any) -> bool:
    """Not a missing label: None, or NaN in a floating column."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _binary_metrics(pairs: Sequence[tuple[int, int, int]]) -> dict[str, float]:
    total = sum(count for _, _, count in pairs)
    if total == 0:
        return {}

    def rows(target: int, predicted: int) -> int:
        return sum(count for t, p, count in pairs if t == target and p == predicted)

    true_positive, false_positive, false_negative = rows(1, 1), rows(0, 1), rows(1, 0)
    return {
        "accuracy": (true_positive + rows(0, 0)) / total,
        "precision": _ratio(true_positive, true_positive + false_positive),
        "recall": _ratio(true_positive, true_positive + false_negative),
        "f1": _ratio(2 * true_positive, 2 * true_positive + false_positive + false_negative),
    }


def multiclass_label_metrics(pairs: Sequence[Pair]) -> dict[str, float]:
    """accuracy and macro precision/recall/f1 from rows per (target, predicted label)."""
    total = sum(count for _, _, count in pairs)
    if total == 0:
        return {}
    # one coding for both, so 2 and 2.0 (or "a" and "a") are the same class, as pd.factorize
    classes = list(dict.fromkeys([t for t, _, _ in pairs] + [p for _, p, _ in pairs]))
    position = {label: index for index, label in enumerate(classes)}
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for t, p, count in pairs:
        confusion[position[t], position[p]] += count
    return confusion_metrics(confusion)


def _score_metrics(row: tuple[Any, ...]) -> dict[str, float]:
    positives, negatives, twice_u, lowest, highest, loss = row
    positives, negatives = int(positives or 0), int(negatives or 0)
    metrics: dict[str, float] = {}
    if positives and negatives:
        metrics["roc_auc"] = float(twice_u) / 2.0 / (positives * negatives)
    total = positives + negatives
    if total and float(lowest) >= 0 and float(highest) <= 1:
        metrics["log_loss"] = float(loss) / total
    return metrics


def regression_metrics(row: tuple[Any, ...]) -> dict[str, float]:
    """mae, rmse, mape and r2 from (n, sum |e|, sum e^2, sum |e|/max(|t|, eps), sum (t - mean)^2)."""
    size, absolute, squared, relative, spread = row
    size = int(size or 0)
    if size == 0:
        return {}
    metrics = {
        "mae": float(absolute) / size,
        "rmse": math.sqrt(float(squared) / size),
        "mape": float(relative) / size,
    }
    if size >= 2 and float(spread) > 0:
        metrics["r2"] = 1.0 - float(squared) / float(spread)
    return metrics
