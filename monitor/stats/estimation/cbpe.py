"""Confidence-based performance estimation (CBPE), binary and multiclass, as NannyML 0.13 computes it.

Fit (once per reference, then cached): the calibration of the scores (one calibrator per
class for a multiclass model, each only where NannyML's test calls for one) and the
sampling-error components of every metric. Estimate (each window): calibrate the window's
scores; the expected confusion counts follow from treating each calibrated probability as the
chance that the row is positive (docs/reference.md, "Estimated performance").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from monitor.stats.estimation import sampling
from monitor.stats.estimation.calibration import Calibrator, calibration_for

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CBPEModel:
    """What CBPE keeps from the reference. ``classes`` is None for a binary model."""

    classes: list[str] | None
    calibrators: list[Calibrator | None]  # one (binary) or one per class; None: not calibrated
    components: dict[str, list[list[float]]]  # per metric: one component list (binary) or one per class
    reference: dict[str, float] = field(default_factory=dict)  # the metrics realized on the reference

    @property
    def calibrated(self) -> bool:
        return any(calibrator is not None for calibrator in self.calibrators)


@dataclass(frozen=True)
class Estimate:
    value: float
    sampling_error: float


# ---- fitting ----------------------------------------------------------------------------------


def fit_binary(
    truth: IntArray, scores: FloatArray, predicted: IntArray | None, metrics: list[str]
) -> CBPEModel:
    """``truth``, ``scores`` and ``predicted`` are the reference rows that have all three."""
    components: dict[str, list[list[float]]] = {}
    for metric in metrics:
        if metric == "roc_auc":
            components[metric] = [sampling.roc_auc_components(truth, scores)]
        elif predicted is not None:
            components[metric] = [sampling.label_components(metric, truth, predicted)]
    return CBPEModel(None, [calibration_for(scores, truth)], components)


def fit_multiclass(
    truth: npt.NDArray[np.object_],
    scores: FloatArray,
    predicted: npt.NDArray[np.object_] | None,
    classes: list[str],
    metrics: list[str],
) -> CBPEModel:
    """``scores``: one column per class of ``classes`` (sorted), on the rows that have a label."""
    onehot_truth = _onehot(truth, classes)
    onehot_predicted = None if predicted is None else _onehot(predicted, classes)
    components: dict[str, list[list[float]]] = {}
    for metric in metrics:
        if metric == "roc_auc":
            components[metric] = [
                sampling.roc_auc_components(onehot_truth[:, c], scores[:, c], variance=True)
                for c in range(len(classes))
            ]
        elif onehot_predicted is not None and metric == "accuracy":
            right = (onehot_truth == onehot_predicted).all(axis=1).astype(np.int64)
            components[metric] = [[float(np.std(right))]]
        elif onehot_predicted is not None:
            components[metric] = [
                sampling.label_components(metric, onehot_truth[:, c], onehot_predicted[:, c], variance=True)
                for c in range(len(classes))
            ]
    calibrators = [calibration_for(scores[:, c], onehot_truth[:, c]) for c in range(len(classes))]
    return CBPEModel(list(classes), calibrators, components)


def _onehot(labels: npt.NDArray[np.object_], classes: list[str]) -> IntArray:
    onehot: IntArray = np.column_stack([labels == label for label in classes]).astype(np.int64)
    return onehot


# ---- estimating -------------------------------------------------------------------------------


def estimate_binary(
    model: CBPEModel, scores: FloatArray, predicted: IntArray | None, metrics: list[str]
) -> dict[str, Estimate]:
    """``predicted``: 0/1 labels aligned with ``scores``, -1 where missing (None: only roc_auc)."""
    calibrator = model.calibrators[0]
    scored = ~np.isnan(scores)
    calibrated = scores.copy()
    if calibrator is not None:
        calibrated[scored] = calibrator.calibrate(scores[scored])
    results: dict[str, Estimate] = {}
    for metric in metrics:
        components = model.components.get(metric)
        if components is None:
            continue
        if metric == "roc_auc":
            value = estimate_roc_auc(calibrated[scored], scores[scored])
            results[metric] = Estimate(value, sampling.binary_error(metric, components[0], int(scored.sum())))
        elif predicted is not None:
            rows = scored & (predicted >= 0)
            value = _label_estimate(metric, predicted[rows], calibrated[rows])
            results[metric] = Estimate(value, sampling.binary_error(metric, components[0], int(rows.sum())))
    return results


def estimate_multiclass(
    model: CBPEModel, scores: FloatArray, predicted: npt.NDArray[np.object_] | None, metrics: list[str]
) -> dict[str, Estimate]:
    """``scores``: one column per class (sorted); rows with a missing score are left out."""
    assert model.classes is not None
    complete = ~np.isnan(scores).any(axis=1)
    if predicted is not None:
        complete &= np.array([label is not None for label in predicted], dtype=bool)
    raw = scores[complete]
    calibrated = calibrate_multiclass(model.calibrators, raw)
    onehot_predicted = None if predicted is None else _onehot(predicted[complete], model.classes)
    classes = range(len(model.classes))
    results: dict[str, Estimate] = {}
    for metric in metrics:
        components = model.components.get(metric)
        if components is None:
            continue
        if metric == "roc_auc":
            value = float(np.mean([estimate_roc_auc(calibrated[:, c], raw[:, c]) for c in classes]))
        elif onehot_predicted is None:
            continue
        elif metric == "accuracy":
            value = float(np.mean(np.max(onehot_predicted * calibrated, axis=1)))
        else:
            per_class = [_label_estimate(metric, onehot_predicted[:, c], calibrated[:, c]) for c in classes]
            value = float(np.mean(per_class))
        results[metric] = Estimate(value, sampling.multiclass_error(metric, components, raw.shape[0]))
    return results


def calibrate_multiclass(calibrators: list[Calibrator | None], scores: FloatArray) -> FloatArray:
    """Each class calibrated on its own, then the rows rescaled to sum to 1 (uniform where 0)."""
    calibrated = np.column_stack(
        [
            scores[:, c] if calibrator is None else calibrator.calibrate(scores[:, c])
            for c, calibrator in enumerate(calibrators)
        ]
    )
    totals = np.sum(calibrated, axis=1)[:, np.newaxis]
    uniform = np.full_like(calibrated, 1 / len(calibrators))
    rescaled: FloatArray = np.divide(calibrated, totals, out=uniform, where=totals != 0)
    return rescaled


def estimate_roc_auc(calibrated: FloatArray, raw: FloatArray) -> float:
    """NannyML's ``estimate_roc_auc``: the ROC curve of expected positives, rows ordered by the
    model's own (uncalibrated) score, counts rounded to 5 decimals as NannyML does."""
    if raw.size < 2:
        return float("nan")
    order = np.argsort(raw)[::-1]
    expected = calibrated[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        true_positives = np.cumsum(expected)
        false_positives = 1 + np.arange(expected.size) - true_positives
        rounded_true = np.asarray(np.round(np.concatenate(([0.0], true_positives)), 5), dtype=np.float64)
        rounded_false = np.asarray(np.round(np.concatenate(([0.0], false_positives)), 5), dtype=np.float64)
        return _area(rounded_false / rounded_false[-1], rounded_true / rounded_true[-1])


def _area(x: FloatArray, y: FloatArray) -> float:
    """``sklearn.metrics.auc``: the trapezoid area, x monotonic either way."""
    steps = np.diff(x)
    direction = -1.0 if np.any(steps < 0) and np.all(steps <= 0) else 1.0
    if np.any(steps < 0) and direction > 0:
        return float("nan")
    # the trapezoid rule (np.trapezoid in numpy 2, np.trapz before)
    return float(direction * np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))


def _label_estimate(metric: str, predicted: IntArray, probability: FloatArray) -> float:
    positive = predicted == 1
    true_positive = float(np.sum(np.where(positive, probability, 0)))
    false_positive = float(np.sum(np.where(positive, 1 - probability, 0)))
    false_negative = float(np.sum(np.where(predicted == 0, probability, 0)))
    true_negative = float(np.sum(np.where(predicted == 0, 1 - probability, 0)))
    if metric == "accuracy":
        return (true_positive + true_negative) / predicted.size if predicted.size else float("nan")
    if metric == "precision":
        denominator = true_positive + false_positive
    elif metric == "recall":
        denominator = true_positive + false_negative
    else:  # f1
        denominator = true_positive + 0.5 * (false_positive + false_negative)
    return true_positive / denominator if denominator != 0 else 0.0
