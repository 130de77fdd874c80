"""Model quality on the rows that have ground truth, in plain numpy.

Values agree with ``sklearn.metrics`` (the tests use it as the oracle):

- classification, binary when every label of target and prediction is 0/1, False/True
  or "0"/"1" (positive: 1): accuracy, precision, recall, f1 (pos_label=1), and from the
  score column roc_auc and log_loss (probabilities clipped to [eps, 1 - eps] as sklearn).
  Without a prediction column the predicted label is ``score >= 0.5``. Other labels are
  multiclass: accuracy and macro-averaged precision, recall and f1 over the labels seen
  in target or prediction; no roc_auc/log_loss from a single score column (a multiclass
  model's ``scores`` give them: monitor/stats/multiclass.py).
  Precision/recall/f1 of a class never predicted (or never present) count 0, as sklearn's
  default ``zero_division``.
- regression (prediction, else score): mae, rmse, mape (a fraction, as sklearn's
  ``mean_absolute_percentage_error``; Evidently shows it x100), r2.

Rows whose target is missing are dropped first; then each metric uses the rows whose
inputs are present. A metric that is undefined is left out of the result rather than
NaN: anything on zero rows, roc_auc with one class, log_loss with scores outside [0, 1],
r2 with a constant target or fewer than two rows.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no stubs in the venv

from monitor.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

POSITIVE_LABELS: tuple[Any, ...] = (1, True, "1")
NEGATIVE_LABELS: tuple[Any, ...] = (0, False, "0")
DECISION_THRESHOLD = 0.5


def performance_metrics(
    task: Literal["classification", "regression"],
    target: pd.Series,
    prediction: pd.Series | None,
    score: pd.Series | None,
) -> dict[str, float]:
    """Metrics of one window; the series are aligned by position (rows of one frame)."""
    for other in (prediction, score):
        if other is not None and len(other) != len(target):
            raise ValueError("target, prediction and score must have the same length")
    has_target = target.notna().to_numpy()
    target = target[has_target]
    prediction = None if prediction is None else prediction[has_target]
    score = None if score is None else score[has_target]
    if task == "regression":
        estimate = prediction if prediction is not None else score
        if estimate is None:
            raise ConfigError("regression metrics need a prediction or a score column")
        return regression_metrics(_floats(target), _floats(estimate))
    return classification_metrics(target, prediction, score)


def regression_metrics(target: FloatArray, estimate: FloatArray) -> dict[str, float]:
    present = ~(np.isnan(target) | np.isnan(estimate))
    target, estimate = target[present], estimate[present]
    if target.size == 0:
        return {}
    errors = target - estimate
    metrics = {
        "mae": float(np.mean(np.abs(errors))),
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "mape": float(np.mean(np.abs(errors) / np.maximum(np.abs(target), np.finfo(np.float64).eps))),
    }
    total = float(np.sum((target - np.mean(target)) ** 2))
    if target.size >= 2 and total > 0:
        metrics["r2"] = 1.0 - float(np.sum(errors**2)) / total
    return metrics


def classification_metrics(
    target: pd.Series, prediction: pd.Series | None, score: pd.Series | None
) -> dict[str, float]:
    metrics: dict[str, float] = {}
    scores = None if score is None else _floats(score)
    binary_target = _binary(target)
    if prediction is not None:
        labelled = prediction.notna().to_numpy()
        binary_prediction = _binary(prediction[labelled])
        if binary_target is not None and binary_prediction is not None:
            metrics.update(_binary_label_metrics(binary_target[labelled], binary_prediction))
        else:
            metrics.update(_multiclass_label_metrics(target[labelled], prediction[labelled]))
    elif scores is not None and binary_target is not None:
        scored = ~np.isnan(scores)
        predicted = (scores[scored] >= DECISION_THRESHOLD).astype(np.int64)
        metrics.update(_binary_label_metrics(binary_target[scored], predicted))
    if scores is not None and binary_target is not None:
        scored = ~np.isnan(scores)
        metrics.update(_score_metrics(binary_target[scored], scores[scored]))
    return metrics


def _binary_label_metrics(target: IntArray, predicted: IntArray) -> dict[str, float]:
    if target.size == 0:
        return {}
    true_positive = int(np.sum((target == 1) & (predicted == 1)))
    false_positive = int(np.sum((target == 0) & (predicted == 1)))
    false_negative = int(np.sum((target == 1) & (predicted == 0)))
    return {
        "accuracy": float(np.mean(target == predicted)),
        "precision": _ratio(true_positive, true_positive + false_positive),
        "recall": _ratio(true_positive, true_positive + false_negative),
        "f1": _ratio(2 * true_positive, 2 * true_positive + false_positive + false_negative),
    }


def _multiclass_label_metrics(target: pd.Series, prediction: pd.Series) -> dict[str, float]:
    if len(target) == 0:
        return {}
    # one coding for both, so 2 and 2.0 (or "a" and "a") are the same class
    codes, labels = pd.factorize(pd.concat([target, prediction], ignore_index=True))
    classes = len(labels)
    target_codes, predicted_codes = codes[: len(target)], codes[len(target) :]
    confusion = np.bincount(target_codes * classes + predicted_codes, minlength=classes * classes)
    return confusion_metrics(confusion.reshape(classes, classes))


def confusion_metrics(confusion: npt.NDArray[np.int64]) -> dict[str, float]:
    """Accuracy and macro precision, recall and f1 of a confusion matrix (rows: the target)."""
    true_positive = np.diag(confusion).astype(np.float64)
    predicted_count = confusion.sum(axis=0)
    actual_count = confusion.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted_count > 0, true_positive / predicted_count, 0.0)
        recall = np.where(actual_count > 0, true_positive / actual_count, 0.0)
        f1_denominator = predicted_count + actual_count
        f1 = np.where(f1_denominator > 0, 2 * true_positive / f1_denominator, 0.0)
    return {
        "accuracy": float(np.trace(confusion)) / float(confusion.sum()),
        "precision": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "f1": float(np.mean(f1)),
    }


def binary_roc_auc(target: IntArray, scores: FloatArray) -> float | None:
    """The area under the ROC curve of 0/1 targets; None with one class only."""
    positives = int(np.sum(target == 1))
    negatives = target.size - positives
    if not (positives and negatives):
        return None
    # Mann-Whitney: the area under the ROC curve, ties counting one half
    ranks = _average_ranks(scores)
    rank_sum = float(np.sum(ranks[target == 1]))
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _score_metrics(target: IntArray, scores: FloatArray) -> dict[str, float]:
    metrics: dict[str, float] = {}
    roc_auc = binary_roc_auc(target, scores)
    if roc_auc is not None:
        metrics["roc_auc"] = roc_auc
    if target.size and bool(np.all((scores >= 0) & (scores <= 1))):
        eps = np.finfo(np.float64).eps
        clipped = np.clip(scores, eps, 1 - eps)
        losses = np.where(target == 1, -np.log(clipped), -np.log1p(-clipped))
        metrics["log_loss"] = float(np.mean(losses))
    return metrics


def _binary(labels: pd.Series) -> IntArray | None:
    """Labels as 0/1 when every one is 0/1, False/True or "0"/"1"; else None."""
    binary = binary_labels(labels)
    if binary is None or (binary < 0).any():
        return None
    return binary


def binary_labels(labels: pd.Series) -> IntArray | None:
    """Labels as 0/1 (-1 where missing) when every present one is 0/1, False/True or "0"/"1"."""
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    mapping = np.empty(len(uniques), dtype=np.int64)
    for position, value in enumerate(uniques.tolist()):  # per distinct label, not per row
        if _is_label(value, POSITIVE_LABELS):
            mapping[position] = 1
        elif _is_label(value, NEGATIVE_LABELS):
            mapping[position] = 0
        else:
            return None
    binary: IntArray = np.where(codes < 0, -1, mapping[np.maximum(codes, 0)] if len(uniques) else -1)
    return binary.astype(np.int64)


def _is_label(value: Any, candidates: tuple[Any, ...]) -> bool:
    # == semantics: 1, 1.0 and True are the same label, "1" only matches "1"
    return any(value == candidate for candidate in candidates)


def _floats(values: pd.Series) -> FloatArray:
    try:
        floats: FloatArray = values.to_numpy(dtype=np.float64, na_value=np.nan)
        return floats
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"column {values.name!r} must hold numbers for these metrics") from exc


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _average_ranks(values: FloatArray) -> FloatArray:
    """1-based ranks, ties sharing their average rank (scipy's ``rankdata``, without importing
    scipy.stats: that import alone costs a check more than half a second)."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], values.size)
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks
